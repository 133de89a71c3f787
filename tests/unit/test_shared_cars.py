"""Shared cars, one driver in several cars, and minimum drive times: hand-worked."""

import pytest

from services.engine import standings
from tests.builders import award, car, classified, facts_of, registered, small_rules

EIGHT_TO_TWO = [{"points": [8, 6, 4, 3, 2]}]
FASTEST_LAP_POINT = [{"kind": "fastest_lap", "points": 1}]


def crew(number: str, driver: str, position: int, *co_drivers: str, **kw):
    """A car driven by `driver` then each co-driver; `kw` may give drive times (`seconds={driver: s}`)."""
    seconds = kw.pop("seconds", {})
    data = car(number, driver, position, team=kw.pop("team", "team-a"), **kw)
    if driver in seconds:
        data["driver_drive_seconds"] = seconds[driver]
    data["co_drivers"] = [{"driver_id": d, "name": d.title(), **({"drive_seconds": seconds[d]} if d in seconds else {})}
                          for d in co_drivers]
    return data


def season(mode: str, **sections):
    """r1: ann and bob share the winning car, bob sets the fastest lap; cy second.
    r2: cy wins; bob is second in car 3 alone and fourth in car 4 with dan; cy and dan share the fastest lap."""
    rules = small_rules(points=EIGHT_TO_TWO, bonuses=FASTEST_LAP_POINT, shared_drives={"points": mode}, **sections)
    return facts_of(
        registered(rules),
        classified("r1", 1, [crew("1", "ann", 1, "bob"), crew("2", "cy", 2)]),
        award("fastest_lap.set", "r1", 1, "1", "bob"),
        classified("r2", 2, [crew("2", "cy", 1), crew("3", "bob", 2), crew("5", "eve", 3), crew("4", "dan", 4, "bob")]),
        award("fastest_lap.set", "r2", 2, "2", "cy", shared_with=[{"car_number": "4", "driver_id": "dan"}]),
    )


def points(facts, table="drivers/pro"):
    return {r["id"]: r["points"] for r in standings(facts)[table]["rows"]}


@pytest.mark.parametrize(("mode", "expected"), [
    # full: each driver of a car scores all of it. ann 8+1 (the car's fastest lap); bob 9 + 6 + 3 + 0.5; cy 6 + 8 + 0.5.
    ("full", {"bob": 18.5, "cy": 14.5, "ann": 9, "eve": 4, "dan": 3.5}),
    # split: the car's position points in equal shares, an award to the driver it names.
    # ann 8/2; bob 8/2 + 1 + 6 + 3/2 (r2's shared fastest lap names dan: bob has none of it); dan 3/2 + 1/2.
    ("split", {"cy": 14.5, "bob": 12.5, "ann": 4, "eve": 4, "dan": 2}),
    # none: a shared car scores its drivers nothing, but the award is still the named driver's.
    ("none", {"cy": 14.5, "bob": 7, "eve": 4, "dan": 0.5, "ann": 0}),
])
def test_shared_drives_full_split_or_none(mode, expected):
    assert points(season(mode)) == expected


def test_a_team_scores_the_shared_car_in_full_and_each_driver_shows_their_share():
    facts = season("split", tables=[{"id": "drivers", "name": "Drivers"}, {"id": "teams", "name": "Teams", "kind": "teams"}])
    rows = {r["id"]: r for r in standings(facts)["drivers/pro"]["rows"]}
    assert [(r["race_id"], r["points"], r["bonus"]) for r in rows["bob"]["results"]] == [("r1", 4, 1), ("r2", 7.5, 0)]
    assert rows["bob"]["results"][1]["place"] == 2  # two cars in one race: placed by the better one
    # Every car is team-a's, each scored in full: r1 8+1 and 6; r2 8+0.5, 6, 4 and 3+0.5.
    assert points(facts, "teams/pro") == {"team-a": 37}


def test_minimum_drive_time_from_the_rules_or_the_race():
    rules = small_rules(shared_drives={"min_drive_minutes": 45})
    rules["calendar"][1]["races"][0]["min_drive_minutes"] = 90
    hour, half_hour = 3600, 1800
    facts = facts_of(
        registered(rules),
        # bob drove 30 minutes of 45: he is credited with the car but scores nothing and takes no place.
        classified("r1", 1, [crew("1", "ann", 1, "bob", seconds={"ann": hour, "bob": half_hour}),
                             crew("2", "cy", 2, "dan", seconds={"cy": hour})]),  # dan's time unknown: he scores
        # round 2 asks 90 minutes: an hour is not enough for ann.
        classified("r2", 2, [crew("1", "ann", 1, "bob", seconds={"ann": hour, "bob": 2 * hour})]),
    )
    rows = {r["id"]: r for r in standings(facts)["drivers/pro"]["rows"]}
    assert {i: r["points"] for i, r in rows.items()} == {"ann": 10, "bob": 10, "cy": 6, "dan": 6}
    assert rows["bob"]["results"][0]["place"] is None and rows["bob"]["wins"] == 1
    assert rows["ann"]["results"][1] | {"points": 0, "place": None} == rows["ann"]["results"][1]


def test_a_driver_in_three_cars_adds_all_three_and_a_driver_named_twice_in_one_crew_counts_once():
    rules = small_rules(shared_drives={"points": "split"})
    # bob shares car 1 (1st: 10/2) and car 3 (3rd: 4/2) and drives car 4 alone (4th: 3); car 2 names cy twice.
    race = classified("r1", 1, [crew("1", "ann", 1, "bob"), crew("2", "cy", 2, "cy"), crew("3", "dan", 3, "bob"),
                                crew("4", "bob", 4)])
    rows = {r["id"]: r for r in standings(facts_of(registered(rules), race))["drivers/pro"]["rows"]}
    assert rows["bob"]["points"] == 5 + 2 + 3 and rows["bob"]["results"][0]["place"] == 1
    assert rows["cy"]["points"] == 6  # car 2 names cy twice: its only driver, its 6 points in full
