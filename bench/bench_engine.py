"""Engine benchmark: recompute one class table of 40 drivers after 20 races.

Run: python -m bench.bench_engine
Reports medians for a cold recompute (every race scored from scratch, as `standings(facts)`) and
a live one (a `Championship` state, whose memory lends the unchanged races and the previous
round's table, as in the projector where one event changes one race), each as a ratio to a
baseline measured in the same run: a bare dict loop summing the same 800 results' points.
"""

from __future__ import annotations

import random
import statistics
import time

from services.engine import Championship, record, standings
from tests.builders import award, car, classified, registered

DRIVERS, RACES = 40, 20
LIVE_RUNS = 300
POINTS = [25, 20, 17, 14, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]


def season(seed: int = 7) -> dict:
    rnd = random.Random(seed)
    rules = {
        "name": "Bench Cup", "season": 2025, "classes": [{"id": "pro", "name": "Pro"}],
        "calendar": [{"round": n, "track": f"t{n}", "races": [{"race_id": f"r{n:02d}"}]} for n in range(1, RACES + 5)],
        "points": [{"points": POINTS}],
        "bonuses": [{"kind": "pole", "points": 2}, {"kind": "fastest_lap", "points": 1}],
        "drops": [{"drop_worst": 2}],
    }
    facts: dict = {}
    record(facts, registered(rules))
    for n in range(1, RACES + 1):
        order = rnd.sample(range(1, DRIVERS + 1), DRIVERS)
        cars = [car(str(d), f"driver-{d:02d}", pos, team=f"team-{d % 8}") for pos, d in enumerate(order, start=1)]
        record(facts, classified(f"r{n:02d}", n, cars))
        record(facts, award("pole.awarded", f"r{n:02d}", n, str(order[1]), f"driver-{order[1]:02d}"))
    return facts


def median_us(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def baseline(results: list[tuple[str, int]]) -> dict:
    totals: dict[str, int] = {}
    for driver, position in results:
        totals[driver] = totals.get(driver, 0) + (POINTS[position - 1] if position <= len(POINTS) else 0)
    return totals


def main() -> None:
    facts = season()
    results = [(c.driver_id, c.position) for k, e in facts.items() if k.startswith("race:") for c in e.payload.entries]
    state = Championship(facts)
    # Live: race 20's result arrives (a new revision each time); the other races and the table
    # after round 19 are lent by the state's memory, as in the projector.
    entries = [c.model_dump() for c in facts["race:r20"].payload.entries]
    arrivals = iter([classified("r20", 20, entries, revision=n) for n in range(2, LIVE_RUNS + 2)])

    cases = [
        ("baseline: dict loop summing the 800 results", median_us(lambda: baseline(results), 2000)),
        ("live: race 20 arrives, scored, table rebuilt", median_us(lambda: state.apply([next(arrivals)]), LIVE_RUNS)),
        ("cold: nothing remembered (a rebuild)", median_us(lambda: standings(state.facts), 100)),
    ]
    base = cases[0][1]
    print(f"one class table, {DRIVERS} drivers after {RACES} races (median of repeated runs, one core)")
    print(f"{'case':<48}{'median':>12}{'vs baseline':>14}")
    for name, us in cases:
        print(f"{name:<48}{us:>10.1f}us{us / base:>13.1f}x")


if __name__ == "__main__":
    main()
