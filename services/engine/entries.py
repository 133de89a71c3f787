"""Who one race credits in one table group, and with what: a driver's share of a car, a team's or
a make's counted cars summed, several cars of one driver added up."""

from __future__ import annotations

from collections.abc import Iterable

from schemas.table_rules import TableDef
from services.engine.scoring import RaceScore, result_summary

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
    credited: set[tuple[str, str]] = set()  # (driver id, car number): a driver named twice in one crew counts once
    for s in scores:
        for i, (driver_id, name) in enumerate(s.drivers):
            if (only is not None and driver_id not in only) or (driver_id, s.car_number) in credited:
                continue
            credited.add((driver_id, s.car_number))
            mine = s if s.credits is None else _driver_share(s, s.credits[i])
            at = seen.get(driver_id)
            if at is None:
                seen[driver_id] = len(entries)
                entries.append((driver_id, name, s.class_id, mine))
            else:  # another car of the same driver: the first name given is the one kept
                first = entries[at]
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
