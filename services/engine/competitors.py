"""Who a table ranks, and what each of them scored race by race."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.payloads import Adjustment
from services.engine.entries import Entry, withheld
from services.engine.scoring import RaceScore


@dataclass(slots=True)
class Competitor:
    """A driver or a team in one table group; `results` are shared, read-only race scores."""

    id: str
    name: str
    class_id: str
    car_number: str | None = None
    team_name: str | None = None
    results: dict[str, RaceScore] = field(default_factory=dict)
    summaries: list[dict] = field(default_factory=list)  # each result's JSON shape, in the order of `results`
    excluded: frozenset[str] = frozenset()  # replaced, not mutated: most competitors have none
    dropped: frozenset[str] = frozenset()
    deduction: float = 0.0
    disqualified: bool = False
    out_from: int | None = None  # disqualified (keeping points) from this round on
    # Every result not excluded, before drops and deductions; summed race by race in running
    # order as results are added (see `accumulate`), and again without the excluded by settle().
    gross: float = 0.0
    points: float = 0.0  # the total, once drops are known
    tally: tuple[int, int, int, int] = (0, 0, 0, 0)  # wins, podiums, poles, fastest laps (not excluded)

    def settle(self) -> None:
        """Total = counted results plus their bonuses, minus deductions (to 1/1000 of a point)."""
        if self.excluded:
            self.gross, self.tally = 0.0, (0, 0, 0, 0)
            for race_id, r in self.results.items():
                if race_id not in self.excluded:
                    self.add_result(r)
        dropped = sum(self.results[race_id].total for race_id in self.dropped) if self.dropped else 0.0
        self.points = round(self.gross - dropped - self.deduction, 3)

    def copy(self) -> Competitor:
        """A shallow copy (results shared: they are never changed in place), much faster than copy.copy."""
        return Competitor(self.id, self.name, self.class_id, self.car_number, self.team_name, self.results, self.summaries,
                          self.excluded, self.dropped, self.deduction, self.disqualified, self.out_from, self.gross,
                          self.points, self.tally)

    def add_result(self, r: RaceScore) -> None:
        """Count `r` in the running totals (gross and tally)."""
        wins, podiums, poles, fastest_laps = self.tally
        self.gross += r.total
        self.tally = (wins + (r.place == 1), podiums + (r.place is not None and r.place <= 3),
                      poles + r.poles, fastest_laps + r.fastest_laps)


def accumulate(kind: str, people: Mapping[str, Competitor], race_id: str, entries: list[Entry]) -> dict[str, Competitor]:
    """The competitors of one table group after one more race, `people` being those before it.

    `people` is left as it was (a competitor the race credits is copied before the result is
    added), so the competitors after every race so far stay valid and can be extended again. A
    name is the one of the competitor's last race; so are a driver's car, team and class (a team
    keeps the class it first scored in). `entries` credit each competitor at most once.
    """
    after = dict(people)
    for competitor_id, name, class_id, s in entries:
        before = people.get(competitor_id)
        if before is None:
            c = after[competitor_id] = Competitor(competitor_id, name, class_id, results={race_id: s}, summaries=[s.summary])
        else:
            c = after[competitor_id] = before.copy()
            c.results = {**before.results, race_id: s}
            c.summaries = [*before.summaries, s.summary]
            c.name = name
        c.add_result(s)
        if kind == "drivers":
            c.car_number, c.team_name, c.class_id = s.car_number, s.team_name, s.class_id
    return after


def apply_adjustments(
    people: dict[str, Competitor], adjustments: Iterable[Adjustment], kind: str, class_id: str | None, cutoff: int
) -> None:
    """Apply the stewards' decisions in force after round `cutoff` to one table group, in place."""
    subject = kind[:-1]  # drivers -> driver, teams -> team, manufacturers -> manufacturer
    for adj in adjustments:
        c = people.get(adj.subject_id)
        if c is None or adj.withdrawn or adj.subject != subject or adj.from_round > cutoff or adj.applies_to == "teams":
            continue
        if adj.class_id is not None and class_id is not None and adj.class_id != class_id:
            continue
        if adj.kind == "points_deduction":
            c.deduction += adj.points
        elif adj.kind == "result_excluded" and adj.race_id in c.results:
            c.excluded |= {adj.race_id}
        elif adj.kind == "points_withheld" and adj.race_id in c.results and not c.results[adj.race_id].summary["withheld"]:
            r = c.results[adj.race_id]
            c.gross -= r.total
            c.results = {**c.results, adj.race_id: withheld(r)}
            c.summaries = [r.summary for r in c.results.values()]
        elif adj.kind == "disqualified":
            if not adj.keep_points:
                del people[c.id]
                continue
            c.disqualified, c.out_from = True, adj.from_round
            c.excluded |= {race_id for race_id, r in c.results.items() if r.round >= adj.from_round}
