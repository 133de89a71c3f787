"""Scoring one race: points tables, eligibility, guests, dead heats, factors and bonuses."""

from services.engine import standings
from tests.builders import award, car, classified, facts_of, points, registered, small_rules


def season(rules: dict, *events):
    return facts_of(registered(rules), *events)


def test_points_by_class_position_with_a_floor_beyond_the_table():
    rules = small_rules(points=[{"points": [10, 6], "floor": 1}])
    race = classified("r1", 1, [car(str(n), f"d{n}", n) for n in range(1, 5)])
    assert points(season(rules, race)) == {"d1": 10, "d2": 6, "d3": 1, "d4": 1}


def test_points_tables_per_class_and_session_type():
    rules = small_rules(
        points=[{"points": [5, 3]}, {"classes": ["am"], "points": [8, 4]}, {"session_type": "sprint", "points": [2, 1]}],
        calendar=[{"round": 1, "track": "a", "races": [{"race_id": "s1", "session_type": "sprint"}, {"race_id": "r1"}]}],
    )
    cars = [car("1", "ann", 1), car("2", "bob", 2), car("3", "cy", 3, class_id="am"), car("4", "di", 4, class_id="am")]
    facts = season(rules, classified("r1", 1, cars), classified("s1", 1, cars, session_type="sprint"))
    assert points(facts) == {"ann": 7, "bob": 4}
    assert points(facts, "drivers/am") == {"cy": 10, "di": 5}


def test_guests_score_nothing_and_those_behind_move_up():
    race = classified("r1", 1, [car("1", "guest", 1, guest=True), car("2", "ann", 2), car("3", "bob", 3)])
    assert points(season(small_rules(), race)) == {"ann": 10, "bob": 6}


def test_only_scoring_statuses_and_enough_distance_score():
    rules = small_rules(eligibility={"scoring_statuses": ["classified", "dnf"], "min_distance_pct": 75})
    race = classified(
        "r1", 1,
        [car("1", "ann", 1, laps=20), car("2", "bob", 2, laps=15, status="dnf"), car("3", "cy", 3, laps=14, status="dnf"),
         car("4", "dan", 4, laps=20, status="dsq"), car("5", "eve", 5, laps=20)],
    )
    # bob ran 75% (scores), cy 70% (does not), dan was disqualified: eve moves up to third
    assert points(season(rules, race)) == {"ann": 10, "bob": 6, "eve": 4, "cy": 0, "dan": 0}


def test_a_dead_heat_shares_the_points_of_the_places_it_covers():
    race = classified(
        "r1", 1, [car("1", "ann", 1), car("2", "bob", 2, dead_heat=True), car("3", "cy", 2, dead_heat=True), car("4", "dan", 4)]
    )
    assert points(season(small_rules(), race)) == {"ann": 10, "bob": 5, "cy": 5, "dan": 3}


def test_race_factors_double_half_and_the_stewards_override():
    calendar = [{"round": 1, "track": "a", "races": [{"race_id": "r1", "factor": 2}]},
                {"round": 2, "track": "b", "races": [{"race_id": "r2"}]},
                {"round": 3, "track": "c", "races": [{"race_id": "r3"}]}]
    rules = small_rules(calendar=calendar, short_race=[{"below_distance_pct": 75, "factor": 0.5}])
    facts = season(
        rules,
        classified("r1", 1, [car("1", "ann", 1)]),  # double: 20
        classified("r2", 2, [car("1", "ann", 1)], distance_pct=60),  # short: 5
        classified("r3", 3, [car("1", "ann", 1)], points_factor=0.25),  # override: 2.5
    )
    assert points(facts) == {"ann": 27.5}


def test_bonuses_pole_fastest_lap_inside_the_top_n_and_laps_led():
    rules = small_rules(bonuses=[
        {"kind": "pole", "points": 2},
        {"kind": "fastest_lap", "points": 1, "top_n": 2},
        {"kind": "laps_led", "points": 1},
        {"kind": "most_laps_led", "points": 2},
    ])
    race = classified("r1", 1, [car("1", "ann", 1, laps_led=5), car("2", "bob", 2, laps_led=15), car("3", "cy", 3)])
    facts = season(rules, race, award("pole.awarded", "r1", 1, "3", "cy"), award("fastest_lap.set", "r1", 1, "3", "cy"))
    # ann 10 + led 1; bob 6 + led 1 + most led 2; cy 4 + pole 2, no fastest-lap point from third
    assert points(facts) == {"ann": 11, "bob": 9, "cy": 6}


def test_a_guest_earns_no_bonus():
    rules = small_rules(bonuses=[{"kind": "pole", "points": 2}])
    race = classified("r1", 1, [car("9", "guest", 1, guest=True), car("1", "ann", 2)])
    assert points(season(rules, race, award("pole.awarded", "r1", 1, "9", "guest"))) == {"ann": 10}


def test_co_drivers_each_score_the_cars_points():
    race = classified("r1", 1, [car("1", "ann", 1, co_drivers=[{"driver_id": "bob", "name": "Bob"}]), car("2", "cy", 2)])
    assert points(season(small_rules(), race)) == {"ann": 10, "bob": 10, "cy": 6}


def test_a_fastest_lap_set_by_several_cars_with_equal_times_is_shared():
    """Points 8-6-4-3-2, fastest lap 1 point inside the top 4 (a 1950s-like rule, with a top N).
    r1: bob and cy share the fastest lap: 1/2 each, so ann 8, bob 6.5, cy 4.5.
    r2: ann, bob and eve (5th, outside the top 4) share it: 1/3 each to ann and bob (0.333), eve's
    share is not paid to anyone else. ann 8 + 8.333, bob 6.5 + 6.333, cy 4.5 + 4, dan 3, eve 2."""
    rules = small_rules(points=[{"points": [8, 6, 4, 3, 2]}], bonuses=[{"kind": "fastest_lap", "points": 1, "top_n": 4}])
    r1 = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2), car("3", "cy", 3)])
    r2 = classified("r2", 2, [car("1", "ann", 1), car("2", "bob", 2), car("3", "cy", 3), car("4", "dan", 4),
                              car("5", "eve", 5)])
    shared_r1 = award("fastest_lap.set", "r1", 1, "2", "bob", shared_with=[{"car_number": "3", "driver_id": "cy"}])
    shared_r2 = award("fastest_lap.set", "r2", 2, "1", "ann",
                      shared_with=[{"car_number": "2", "driver_id": "bob"}, {"car_number": "5", "driver_id": "eve"}])
    assert points(season(rules, r1, shared_r1)) == {"ann": 8, "bob": 6.5, "cy": 4.5}
    facts = season(rules, r1, shared_r1, r2, shared_r2)
    assert points(facts) == {"ann": 16.333, "bob": 12.833, "cy": 8.5, "dan": 3, "eve": 2}
    rows = {r["id"]: r for r in standings(facts)["drivers/pro"]["rows"]}
    assert [r["bonus"] for r in rows["bob"]["results"]] == [0.5, 0.333]
    assert rows["bob"]["fastest_laps"] == 2 and rows["eve"]["fastest_laps"] == 1
