"""Who a table ranks, and what each of them scored race by race."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from schemas.events import Adjustment
from schemas.rules import TableDef
from services.engine.scoring import CarScore


@dataclass(slots=True)
class Result:
    race_id: str
    round: int
    session_type: str
    class_position: int | None
    place: int | None
    status: str
    points: float
    bonus: float
    poles: int
    fastest_laps: int
    provisional: bool
    excluded: bool = False
    dropped: bool = False

    @property
    def counted(self) -> float:
        return 0.0 if self.excluded or self.dropped else self.points + self.bonus


@dataclass(slots=True)
class Competitor:
    id: str
    name: str
    class_id: str
    car_number: str | None = None
    team_name: str | None = None
    results: dict[str, Result] = field(default_factory=dict)
    deduction: float = 0.0
    disqualified: bool = False


def collect(table: TableDef, classes: set[str], races: Sequence[tuple[str, list[CarScore]]]) -> dict[str, Competitor]:
    """The competitors of one table group from the scored races it counts, in running order."""
    people: dict[str, Competitor] = {}
    for race_id, scores in races:
        mine = [s for s in scores if s.class_id in classes and not s.guest]
        if table.kind == "drivers":
            for s in mine:
                for driver_id, name in s.drivers:
                    if table.drivers is None or driver_id in table.drivers:
                        c = people.setdefault(driver_id, Competitor(driver_id, name, s.class_id))
                        c.name, c.car_number, c.team_name, c.class_id = name, s.car_number, s.team_name, s.class_id
                        c.results[race_id] = _result(race_id, [s])
        else:
            by_team: dict[str, list[CarScore]] = {}
            for s in mine:
                by_team.setdefault(s.team_id, []).append(s)
            for team_id, cars in by_team.items():
                cars.sort(key=lambda s: (-s.total, s.class_position))
                counted = cars[: table.cars_per_race] if table.cars_per_race else cars
                c = people.setdefault(team_id, Competitor(team_id, cars[0].team_name, cars[0].class_id))
                c.name = cars[0].team_name
                c.results[race_id] = _result(race_id, counted)
    return people


def _result(race_id: str, cars: list[CarScore]) -> Result:
    best = min(cars, key=lambda s: (s.place or 10**6, s.class_position))
    return Result(
        race_id, best.round, best.session_type, best.class_position, best.place, best.status,
        sum(s.points for s in cars), sum(s.bonus for s in cars),
        sum(s.pole for s in cars), sum(s.fastest_lap for s in cars), best.provisional,
    )


def apply_adjustments(
    people: dict[str, Competitor], adjustments: Iterable[Adjustment], kind: str, class_id: str | None, cutoff: int
) -> None:
    """Apply the stewards' decisions in force after round `cutoff` to one table group, in place."""
    subject = "driver" if kind == "drivers" else "team"
    for adj in adjustments:
        c = people.get(adj.subject_id)
        if c is None or adj.withdrawn or adj.subject != subject or adj.from_round > cutoff:
            continue
        if adj.class_id is not None and class_id is not None and adj.class_id != class_id:
            continue
        if adj.kind == "points_deduction":
            c.deduction += adj.points
        elif adj.kind == "result_excluded" and adj.race_id in c.results:
            c.results[adj.race_id].excluded = True
        elif adj.kind == "disqualified":
            if not adj.keep_points:
                del people[c.id]
                continue
            c.disqualified = True
            for r in c.results.values():
                r.excluded = r.excluded or r.round >= adj.from_round
