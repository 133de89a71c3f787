"""Score one race: class positions to points, with guests, dead heats, factors and bonuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from schemas.payloads import ClassAward, ClassifiedCar, RaceClassification
from schemas.rules import Rules
from schemas.scoring_rules import PointsTable, ShortRace
from services.engine.crews import Credit, crew_credits
from services.engine.places import place_points, points_places


class RaceScore(NamedTuple):
    """What one car earned in one race (or a team's counted cars: see competitors.team_score).

    Immutable and cheap to build (a tuple): a season's scores are kept and shared by every table.
    """

    race_id: str
    round: int
    session_type: str
    class_id: str
    car_number: str
    drivers: tuple[tuple[str, str], ...]  # (driver_id, name): the driver first, then co-drivers
    team_id: str
    team_name: str
    class_position: int | None
    place: int | None  # points place after guests and non-scorers are skipped; None if it cannot score
    status: str
    guest: bool
    points: float  # position points after factors
    bonus: float
    poles: int
    fastest_laps: int
    provisional: bool
    summary: dict  # the JSON shape of this result in a table row (read-only)
    total: float  # points + bonus, kept since tables add it up often
    places: tuple[int, ...] | None = None  # a team's result: every counted car's place, for countback over every car
    credits: tuple[Credit, ...] | None = None  # per driver of a shared car (see crews.crew_credits); None: each in full
    manufacturer: tuple[str, str] | None = None  # (id, name) of the car's make, when the classification gives it


def result_summary(race_id, round_, class_position, place, status, points, bonus, provisional) -> dict:
    return {
        "race_id": race_id, "round": round_, "class_position": class_position, "place": place, "status": status,
        "points": num(points), "bonus": num(bonus), "dropped": False, "excluded": False, "withheld": False,
        "provisional": provisional,
    }


def num(x: float) -> int | float:
    """Points as JSON shows them: 25 rather than 25.0, fractions to 1/1000."""
    if type(x) is int:
        return x
    if x.is_integer():  # most points are whole: no rounding needed
        return int(x)
    x = round(x, 3)
    return int(x) if x.is_integer() else x


def race_factor(rules: Rules, race: RaceClassification) -> float:
    """Stewards' override, else the calendar factor times the short-race factor."""
    if race.points_factor is not None:
        return race.points_factor
    at = rules.schedule.get(race.race_id)
    factor = at.race.factor if at else 1.0
    short = short_race(rules, race)
    return factor * short.factor if short is not None and short.factor is not None else factor


def short_race(rules: Rules, race: RaceClassification) -> ShortRace | None:
    """The short-race rule for `race` (the lowest threshold it is under), unless the stewards set its factor."""
    if race.points_factor is not None:
        return None
    return min((s for s in rules.short_race if race.distance_pct < s.below_distance_pct
                and (s.session_types is None or race.session_type in s.session_types)),
               key=lambda s: s.below_distance_pct, default=None)


def score_race(
    rules: Rules, race: RaceClassification, poles: Mapping[str, ClassAward], fastest: Mapping[str, ClassAward],
    points: list[PointsTable] | None = None, table_id: str | None = None,
) -> list[RaceScore]:
    """Every car's score in `race`; `poles`/`fastest` map class id to that race's award; `points`
    are the points tables to use instead of the rules' (a table's own); with `table_id`, only the
    bonuses that count in that table are paid."""
    factor = race_factor(rules, race)
    short = short_race(rules, race)
    if short is not None and short.points is not None:  # its own points for every class and table
        points = [PointsTable(session_type=race.session_type, points=short.points)]
    class_positions = race.class_positions()
    by_class: dict[str, list[ClassifiedCar]] = {}
    for car in race.entries:
        by_class.setdefault(car.class_id, []).append(car)
    scores: list[RaceScore] = []
    for class_id, cars in by_class.items():
        cars.sort(key=lambda c: (class_positions[c.car_number], c.car_number))
        awards = {"pole": poles.get(class_id), "fastest_lap": fastest.get(class_id)}
        scores += _score_class(rules, race, class_id, cars, class_positions, factor, awards, points, table_id)
    return scores


def _score_class(rules, race, class_id, cars, class_positions, factor, awards, points, table_id) -> list[RaceScore]:
    places = points_places(rules, cars, class_positions)
    table = rules.points_table(race.session_type, class_id, points)
    bonuses = [
        (b.kind, b.points, b.top_n) for b in rules.bonuses
        if (b.classes is None or class_id in b.classes) and (b.session_types is None or race.session_type in b.session_types)
        and b.counts_in(table_id)
    ]
    pole_award, fastest = awards["pole"], awards["fastest_lap"]
    pole = pole_award.car_number if pole_award else None
    # car number -> the driver the award names; a fastest lap set by k cars with equal times pays 1/k to each
    fastest_lap = {c.car_number: c.driver_id for c in (fastest, *fastest.shared_with)} if fastest else {}
    lap_share = len(fastest_lap) or 1
    most_led = max(c.laps_led for c in cars)
    guests_score = rules.eligibility.guests_score
    at = rules.schedule.get(race.race_id)
    min_minutes = at.race.min_drive_minutes if at and at.race.min_drive_minutes else rules.shared_drives.min_drive_minutes
    race_id, round_, session, provisional = race.race_id, race.round, race.session_type, race.provisional
    scores = []
    for car in cars:
        number, laps_led = car.car_number, car.laps_led
        place = places.get(number)
        first = place[0] if place else None
        points = round(place_points(table, place) * factor, 3) if place and table else 0.0
        has_pole, has_fastest_lap = pole == number, number in fastest_lap
        bonus, earned = 0.0, [] if car.co_drivers else None  # a shared car's crew splits its bonuses by kind
        if bonuses and (guests_score or not car.guest):
            for kind, value, top_n in bonuses:
                won = (
                    has_pole if kind == "pole" else has_fastest_lap if kind == "fastest_lap"
                    else laps_led > 0 if kind == "laps_led" else 0 < laps_led == most_led
                )
                if won and (top_n is None or (first and first <= top_n)):
                    value = value if kind != "fastest_lap" or lap_share == 1 else round(value / lap_share, 3)
                    bonus += value
                    if earned is not None:
                        earned.append((kind, value))
        drivers = ((car.driver_id, car.driver_name),)
        credits = None
        if earned is not None:
            drivers += tuple((d.driver_id, d.name) for d in car.co_drivers)
            named = {"pole": pole_award.driver_id if has_pole else None, "fastest_lap": fastest_lap.get(number)}
            credits = crew_credits(rules.shared_drives, min_minutes, car, points, earned, named)
        position = class_positions[number]
        summary = result_summary(race_id, round_, position, first, car.status, points, bonus, provisional)
        make = (car.manufacturer_id, car.manufacturer_name or car.manufacturer_id) if car.manufacturer_id else None
        scores.append(
            RaceScore(
                race_id, round_, session, class_id, number, drivers, car.team_id, car.team_name, position, first,
                car.status, car.guest, points, bonus, int(has_pole), int(has_fastest_lap), provisional,
                summary, points + bonus, None, credits, make,
            )
        )
    return scores
