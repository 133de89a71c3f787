"""standings = f(rules, facts): every table, as of any round, with the change since the round before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from schemas.events import Adjustment, Event, RaceClassification
from schemas.rules import Rules, TableDef
from services.engine.facts import rules_of
from services.engine.scoring import CarScore, score_race
from services.engine.tables import RaceToRun, build_table

_SCORED: dict[tuple, list[CarScore]] = {}  # memo of a pure function, keyed by the events it reads


def standings(facts: Mapping[str, Event], after_round: int | None = None) -> dict[str, dict]:
    """Every table the rules keep, keyed "table_id/class_id", as of `after_round` (default: latest).

    Pure and deterministic: the same facts give the same tables, byte for byte once serialized
    with sorted keys, whatever order the facts were recorded in.
    """
    rules = rules_of(facts)
    if rules is None:
        return {}
    races = _races_in_running_order(rules, facts)
    last = max((race.round for _, race, _ in races), default=0)
    cutoff = last if after_round is None else min(after_round, last)
    previous = max((race.round for _, race, _ in races if race.round < cutoff), default=None)
    adjustments = [e.payload for k, e in sorted(facts.items()) if k.startswith("adjustment:")]
    tables = {}
    for table in rules.tables:
        for class_id in [c.id for c in rules.classes if not table.classes or c.id in table.classes] if table.per_class else [None]:
            current = _table(rules, table, class_id, races, adjustments, cutoff)
            before = _table(rules, table, class_id, races, adjustments, previous) if previous else None
            _mark_moves(current, before)
            tables[f"{current['table_id']}/{current['class_id']}"] = current
    return tables


def _races_in_running_order(rules: Rules, facts: Mapping[str, Event]) -> list[tuple[int, RaceClassification, list[CarScore]]]:
    calendar = [race.race_id for r in rules.calendar for race in r.races]
    classified = [e for k, e in facts.items() if k.startswith("race:")]
    order = {race_id: i for i, race_id in enumerate(calendar)}
    classified.sort(key=lambda e: (e.payload.round, order.get(e.payload.race_id, len(order)), e.payload.race_id))
    rules_id = facts["rules"].event_id
    out = []
    for i, event in enumerate(classified):
        race = event.payload
        awards = {
            kind: {e.payload.class_id: e for k, e in facts.items() if k.startswith(f"{kind}:{race.race_id}:")}
            for kind in ("pole", "fastest_lap")
        }
        key = (event.championship_id, rules_id, event.event_id, *sorted(e.event_id for a in awards.values() for e in a.values()))
        if key not in _SCORED:
            if len(_SCORED) > 50_000:
                _SCORED.clear()
            poles = {c: e.payload for c, e in awards["pole"].items()}
            fastest = {c: e.payload for c, e in awards["fastest_lap"].items()}
            _SCORED[key] = score_race(rules, race, poles, fastest)
        out.append((i, race, _SCORED[key]))
    return out


def _table(rules: Rules, table: TableDef, class_id, races, adjustments: list[Adjustment], cutoff: int) -> dict:
    def counts(round_: int, track: str) -> bool:
        return (table.rounds is None or round_ in table.rounds) and (table.tracks is None or track in table.tracks)

    tracks = {race.race_id: r.track for r in rules.calendar for race in r.races}
    held = [
        (i, race.race_id, scores)
        for i, race, scores in races
        if race.round <= cutoff and counts(race.round, tracks.get(race.race_id, race.track))
    ]
    done = {race_id for _, race_id, _ in held} | {race.race_id for _, race, _ in races if race.round <= cutoff}
    cars = table.cars_per_race or max(
        (Counter(s.team_id for s in scores).most_common(1)[0][1] for _, _, scores in held if scores), default=1
    )
    to_run = []
    for order, (round_def, race) in enumerate((r, race) for r in rules.calendar for race in r.races):
        if race.race_id not in done and counts(round_def.round, round_def.track):
            to_run.append(RaceToRun(race.race_id, 10_000 + order, _max_race_score(rules, table, class_id, race, cars)))
    return build_table(rules, table, class_id, held, to_run, adjustments, cutoff)


def _max_race_score(rules: Rules, table: TableDef, class_id: str | None, race, cars: int) -> float:
    """An upper bound of what one competitor can take from one race (teams: every counted car wins)."""
    classes = [class_id] if class_id else [c.id for c in rules.classes]
    best = 0.0
    for c in classes:
        points = rules.points_table(race.session_type, c)
        bonus = sum(
            b.points for b in rules.bonuses
            if (b.classes is None or c in b.classes) and (b.session_types is None or race.session_type in b.session_types)
        )
        best = max(best, (points.points[0] if points else 0) * race.factor + bonus)
    return best * (cars if table.kind == "teams" else 1)


def _mark_moves(current: dict, before: dict | None) -> None:
    earlier = {row["id"]: row["position"] for row in before["rows"]} if before else {}
    for row in current["rows"]:
        was = earlier.get(row["id"])
        row["previous_position"] = was
        row["change"] = was - row["position"] if was is not None else None
