"""Points places in one class of one race: who takes which place after guests, non-scorers,
disqualified cars and dead heats, and what a place pays."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import groupby

from schemas.payloads import ClassifiedCar, RaceClassification
from schemas.rules import Rules
from schemas.table_rules import TableDef


def points_places(
    rules: Rules, cars: list[ClassifiedCar], class_positions: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """Car number -> (first points place, cars sharing it) for the cars that score.

    Cars that cannot score (guests, wrong status, too short a distance) are skipped, so those
    behind them move up; a dead heat of k cars covers k places. A disqualified car's place is
    skipped too, or, when the rules leave it vacant, kept empty: those behind keep theirs.
    """
    rule = rules.eligibility
    leader_laps = max(c.laps for c in cars)
    vacant = rule.disqualified_place == "vacant"
    taking = [
        c
        for c in cars
        if (c.status in rule.scoring_statuses or (vacant and c.status == "dsq"))
        and (rule.guests_score or not c.guest)
        and (rule.min_distance_pct is None or c.laps * 100 >= rule.min_distance_pct * leader_laps or c.status == "dsq")
    ]
    places: dict[str, tuple[int, int]] = {}
    place = 1
    for _, group in groupby(taking, key=lambda c: class_positions[c.car_number]):
        tied = list(group)
        for car in tied:
            if car.status in rule.scoring_statuses:
                places[car.car_number] = (place, len(tied))
        place += len(tied)
    return places


def place_points(table, place: tuple[int, int]) -> float:
    first, shared = place
    if shared == 1:
        return table.points[first - 1] if first <= len(table.points) else table.floor
    values = [table.points[p - 1] if p <= len(table.points) else table.floor for p in range(first, first + shared)]
    return sum(values) / shared


def among_counted_cars(race: RaceClassification, table: TableDef) -> RaceClassification:
    """`race` with only the cars a team or manufacturer table counts: the best `cars_per_race` of each
    team or make in each class (guests and cars without a make left out), each keeping its class
    position. Scored so, places are counted among them: the best make takes the winner's points."""
    positions = race.class_positions()
    kept: list[ClassifiedCar] = []
    taken: Counter[tuple[str, str]] = Counter()
    for car in sorted(race.entries, key=lambda c: (positions[c.car_number], c.position)):
        group = car.team_id if table.kind == "teams" else car.manufacturer_id
        if car.guest or group is None or (table.cars_per_race is not None and taken[car.class_id, group] >= table.cars_per_race):
            continue
        taken[car.class_id, group] += 1
        kept.append(car.model_copy(update={"class_position": positions[car.car_number]}))
    return race.model_copy(update={"entries": kept})
