"""Who a table ranks, and what each of them scored race by race."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.events import Adjustment
from schemas.rules import TableDef
from services.engine.scoring import RaceScore, result_summary


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


Entry = tuple[str, str, str, RaceScore]  # (competitor id, name, class id, what they scored)


def race_entries(table: TableDef, classes: tuple[str, ...], by_class: dict[str, list[RaceScore]],
                 void: frozenset[str] = frozenset(), held_back: frozenset[str] = frozenset()) -> list[Entry]:
    """Who one race credits in one table group, in class order; `by_class` holds its non-guest scores.

    Drivers: every driver of a car (the table's driver list permitting), with their share of a shared
    car (see `crews`); a driver in several cars scores them all. Teams and manufacturers: each once,
    its counted cars summed (see `team_score`); a car whose driver is in `void` (the result was
    excluded) counts for nothing: the car's result is void; in `held_back`, its points are withheld.
    """
    mine = by_class.get(classes[0], ()) if len(classes) == 1 else [s for c in classes for s in by_class.get(c, ())]
    if table.kind == "drivers":
        return _driver_entries(mine, table.drivers)
    groups: dict[str, list[RaceScore]] = {}
    for s in mine:
        if s.drivers[0][0] not in void:
            s = withheld(s) if s.drivers[0][0] in held_back else s
            key = s.team_id if table.kind == "teams" else s.manufacturer[0] if s.manufacturer else None
            if key is not None:
                groups.setdefault(key, []).append(s)
    entries = []
    for key, cars in groups.items():
        cars.sort(key=lambda s: (-s.total, s.class_position))
        name = cars[0].team_name if table.kind == "teams" else cars[0].manufacturer[1]
        entries.append((key, name, cars[0].class_id,
                        team_score(cars[: table.cars_per_race] if table.cars_per_race else cars, table.countback_cars == "all")))
    return entries


def _driver_entries(scores: Iterable[RaceScore], only: list[str] | None) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[str, int] = {}  # driver id -> index of their entry
    for s in scores:
        for i, (driver_id, name) in enumerate(s.drivers):
            if only is not None and driver_id not in only:
                continue
            mine = s if s.credits is None else _driver_share(s, s.credits[i])
            at = seen.get(driver_id)
            if at is None:
                seen[driver_id] = len(entries)
                entries.append((driver_id, name, s.class_id, mine))
            elif entries[at][3].car_number != s.car_number:  # a driver named twice in one crew is credited once
                first = entries[at]  # the first name given is the one kept
                entries[at] = (driver_id, first[1], first[2], _several_cars([first[3], mine]))
    return entries


def _driver_share(s: RaceScore, credit: tuple[float, float] | None) -> RaceScore:
    """One driver's part of a shared car's result; None: they drove too little to score or place."""
    points, bonus = credit if credit is not None else (0.0, 0.0)
    place = s.place if credit is not None else None
    summary = result_summary(s.race_id, s.round, s.class_position, place, s.status, points, bonus, s.provisional)
    return s._replace(points=points, bonus=bonus, total=points + bonus, place=place, summary=summary)


def _several_cars(cars: list[RaceScore]) -> RaceScore:
    """One driver's result from several cars in one race: the results add up, placed by the best car."""
    best = min(cars, key=lambda s: (s.place or 10**6, s.class_position))
    return team_score(cars)._replace(car_number=best.car_number, drivers=best.drivers)


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


def team_score(cars: list[RaceScore], every_place: bool = False) -> RaceScore:
    """A team's result in one race: the sum of its counted cars, placed by its best car; with
    `every_place`, countback reads every counted car's place (`places`), not only the best car's."""
    best = min(cars, key=lambda s: (s.place or 10**6, s.class_position))
    points, bonus = sum(s.points for s in cars), sum(s.bonus for s in cars)
    return RaceScore(
        best.race_id, best.round, best.session_type, best.class_id, "", (), best.team_id, best.team_name,
        best.class_position, best.place, best.status, False, points, bonus,
        sum(s.poles for s in cars), sum(s.fastest_laps for s in cars), best.provisional,
        result_summary(best.race_id, best.round, best.class_position, best.place, best.status, points, bonus, best.provisional),
        points + bonus,
        tuple(s.place for s in cars if s.place is not None) if every_place else None,
        None, best.manufacturer,
    )


def withheld(r: RaceScore) -> RaceScore:
    """`r` with its points and bonuses withheld: it scores nothing, its place stands."""
    return r._replace(points=0.0, bonus=0.0, total=0.0, summary={**r.summary, "points": 0, "bonus": 0, "withheld": True})


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
