"""Manufacturers' tables and where a disqualified car's place goes: hand-worked."""

import pytest

from services.engine import standings
from tests.builders import car, classified, facts_of, registered, small_rules


def made(number: str, driver: str, position: int, make: str | None, **kw):
    data = car(number, driver, position, **kw)
    if make is not None:
        data |= {"manufacturer_id": make, "manufacturer_name": make.title()}
    return data


def manufacturers(cars_per_race: int, places: str = "cars") -> dict:
    # Drivers score 10-6-4-3-2-1; the makes score their own 9-6-4-3-2-1 with their best `cars_per_race` cars.
    table = {"id": "makes", "name": "Manufacturers", "kind": "manufacturers", "cars_per_race": cars_per_race,
             "points": [{"points": [9, 6, 4, 3, 2, 1]}], "places": places}
    return small_rules(tables=[{"id": "drivers", "name": "Drivers"}, table])


@pytest.mark.parametrize(("cars", "places", "expected"), [
    # best car: porsche 9 (r1 1st) + 3 (r2 4th), ferrari 6 + 6: level, porsche ahead on its win.
    (1, "cars", [("porsche", "Porsche", 12), ("ferrari", "Ferrari", 12)]),
    # best two: ferrari 6+3 and 6+4, porsche 9+4 and 3+2.
    (2, "cars", [("ferrari", "Ferrari", 19), ("porsche", "Porsche", 18)]),
    # places among the counted cars (IMSA): r1 porsche 9, ferrari 6; r2 ferrari 9 (first make home), porsche 6:
    # a win and a second each, a shared first place (listed by name).
    (1, "counted_cars", [("ferrari", "Ferrari", 15), ("porsche", "Porsche", 15)]),
    # best two of each make, placed among those four: r1 9+4 / 6+3, r2 9+6 / 4+3 (the make-less winner left out).
    (2, "counted_cars", [("ferrari", "Ferrari", 24), ("porsche", "Porsche", 20)]),
])
def test_a_manufacturer_scores_its_best_cars_with_its_own_points(cars, places, expected):
    facts = facts_of(
        registered(manufacturers(cars, places)),
        # r1: porsche 1st and 3rd, ferrari 2nd and 4th; a car without a make is in no manufacturer's table.
        classified("r1", 1, [made("1", "ann", 1, "porsche"), made("2", "bob", 2, "ferrari"), made("3", "cy", 3, "porsche"),
                             made("4", "dan", 4, "ferrari"), made("5", "eve", 5, None)]),
        # r2: the make-less car wins; ferrari 2nd and 3rd, porsche 4th and 5th (places are not closed up by make).
        classified("r2", 2, [made("5", "eve", 1, None), made("2", "bob", 2, "ferrari"), made("4", "dan", 3, "ferrari"),
                             made("1", "ann", 4, "porsche"), made("3", "cy", 5, "porsche")]),
    )
    table = standings(facts)["makes/pro"]
    assert [(r["id"], r["name"], r["points"]) for r in table["rows"]] == expected
    assert table["kind"] == "manufacturers"


@pytest.mark.parametrize(("place", "expected"), [("reallocated", {"ann": 10, "cy": 6, "dan": 4}),
                                                  ("vacant", {"ann": 10, "cy": 4, "dan": 3})])
def test_a_disqualified_cars_place_is_reallocated_or_left_vacant(place, expected):
    rules = small_rules(eligibility={"disqualified_place": place})
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2, status="dsq"), car("3", "cy", 3), car("4", "dan", 4)])
    rows = {r["id"]: r for r in standings(facts_of(registered(rules), race))["drivers/pro"]["rows"]}
    assert {i: r["points"] for i, r in rows.items() if r["points"]} == expected
    assert rows["bob"]["results"][0]["place"] is None
    assert rows["cy"]["results"][0]["place"] == (2 if place == "reallocated" else 3)
