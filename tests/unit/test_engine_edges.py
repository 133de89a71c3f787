"""Edges of the engine that `make mutation` found no test for (docs/testing.md lists the mutants).

Each expectation is worked out by hand from the rules in the test, not read back from the engine.
"""

import json

import pytest
from pydantic import ValidationError

from schemas.loading import describe
from services.engine import Championship, RuleViolation, apply_batch, standings
from tests.builders import adjusted, award, car, classified, facts_of, points, registered, small_rules


def finish(race_id: str, round_: int, *drivers: str, **kw):
    """A race finished in the given order (car numbers 1, 2, ...)."""
    return classified(race_id, round_, [car(str(i), d, i) for i, d in enumerate(drivers, start=1)], **kw)


def dropped(facts: dict, table: str = "drivers/pro") -> dict[str, list[str]]:
    rows = standings(facts)[table]["rows"]
    return {row["id"]: [r["race_id"] for r in row["results"] if r["dropped"]] for row in rows}


# --- scoring ---------------------------------------------------------------------------------------


def test_a_result_as_the_table_shows_it():
    # A guest ahead of ann: she is second on the road, first on points (10); round 3 of the calendar.
    race = classified("r3", 3, [car("9", "guest", 1, guest=True), car("1", "ann", 2, status="classified")])
    row = standings(facts_of(registered(small_rules()), race))["drivers/pro"]["rows"][0]
    assert row["results"] == [{
        "race_id": "r3", "round": 3, "class_position": 2, "place": 1, "status": "classified", "points": 10, "bonus": 0,
        "dropped": False, "excluded": False, "withheld": False, "provisional": False,
    }]


def test_a_team_result_is_its_cars_summed_and_placed_by_its_best_car():
    # team-a: ann second (6) and cy fourth (3) = 9, placed by ann; team-b: bob first (10).
    tables = [{"id": "teams", "name": "Teams", "kind": "teams"}]
    race = classified("r2", 2, [car("7", "bob", 1, team="team-b"), car("3", "ann", 2), car("5", "dan", 3, team="team-c"),
                                car("4", "cy", 4, status="classified")])
    rows = standings(facts_of(registered(small_rules(tables=tables)), race))["teams/pro"]["rows"]
    assert [(row["id"], row["points"]) for row in rows] == [("team-b", 10), ("team-a", 9), ("team-c", 4)]
    assert rows[1]["results"] == [{
        "race_id": "r2", "round": 2, "class_position": 2, "place": 2, "status": "classified", "points": 9, "bonus": 0,
        "dropped": False, "excluded": False, "withheld": False, "provisional": False,
    }]


def test_a_driver_row_names_the_car_of_their_last_race():
    facts = facts_of(registered(small_rules()), classified("r1", 1, [car("31", "ann", 1)]),
                     classified("r2", 2, [car("8", "ann", 1)]))
    [row] = standings(facts)["drivers/pro"]["rows"]
    assert (row["car_number"], row["team_name"]) == ("8", "Team A")


def test_a_car_just_short_of_the_minimum_distance_does_not_score():
    # 149 of the leader's 200 laps is 74.5%, under the 75% the rules ask for: bob takes nothing, cy moves up.
    rules = small_rules(eligibility={"min_distance_pct": 75})
    race = classified("r1", 1, [car("1", "ann", 1, laps=200), car("2", "bob", 2, laps=149), car("3", "cy", 3, laps=150)])
    assert points(facts_of(registered(rules), race)) == {"ann": 10, "cy": 6, "bob": 0}


def test_a_dead_heat_past_the_end_of_the_points_table_shares_the_floor():
    # 10-6 then 1 for everyone behind: bob and cy tie for second, sharing (6 + 1) / 2.
    rules = small_rules(points=[{"points": [10, 6], "floor": 1}])
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2, dead_heat=True), car("3", "cy", 2, dead_heat=True)])
    assert points(facts_of(registered(rules), race)) == {"ann": 10, "bob": 3.5, "cy": 3.5}


def test_points_are_whole_numbers_when_whole_and_thousandths_otherwise():
    # Three cars tie for the win: (10 + 6 + 4) / 3 = 6.667 each; dan, fourth, takes 3.
    race = classified("r1", 1, [car("1", "ann", 1, dead_heat=True), car("2", "bob", 1, dead_heat=True),
                                car("3", "cy", 1, dead_heat=True), car("4", "dan", 4)])
    table = standings(facts_of(registered(small_rules()), race))["drivers/pro"]
    assert {row["id"]: row["points"] for row in table["rows"]} == {"ann": 6.667, "bob": 6.667, "cy": 6.667, "dan": 3}
    assert '"points": 3,' in json.dumps(table["rows"][-1])  # 3, not 3.0


def test_a_race_outside_any_calendar_scores_at_factor_one():
    # A league without a published calendar: any race id, no calendar factor.
    facts = facts_of(registered(small_rules(calendar=[])), finish("heat-7", 1, "ann", "bob"))
    assert points(facts) == {"ann": 10, "bob": 6}


def test_the_shortest_race_tier_that_applies_wins_whatever_the_order_of_the_rules():
    # Below 75% half points, below 50% a quarter; listed longest tier first.
    rules = small_rules(short_race=[{"below_distance_pct": 75, "factor": 0.5}, {"below_distance_pct": 50, "factor": 0.25}])
    facts = facts_of(registered(rules), finish("r1", 1, "ann", distance_pct=40), finish("r2", 2, "ann", distance_pct=60),
                     finish("r3", 3, "ann", distance_pct=75))
    # 10 x 0.25 + 10 x 0.5 + 10 (75% is not below 75%)
    assert points(facts) == {"ann": 17.5}


def test_each_race_is_rounded_to_thousandths_before_the_season_adds_them_up():
    # The stewards' factor 0.12344 makes a win worth 1.2344, shown and counted as 1.234: three make 3.702.
    facts = facts_of(registered(small_rules()), *(finish(f"r{n}", n, "ann", points_factor=0.12344) for n in (1, 2, 3)))
    assert points(facts) == {"ann": 3.702}


def test_a_bonus_for_some_classes_only():
    rules = small_rules(bonuses=[{"kind": "pole", "points": 3, "classes": ["am"]}])
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "zed", 2, class_id="am")])
    facts = facts_of(registered(rules), race, award("pole.awarded", "r1", 1, "1", "ann"),
                     award("pole.awarded", "r1", 1, "2", "zed", class_id="am"))
    assert points(facts) == {"ann": 10}  # the pro pole earns nothing
    assert points(facts, "drivers/am") == {"zed": 13}  # first in am: 10 + 3


def test_one_lap_led_is_enough_for_both_laps_led_bonuses():
    rules = small_rules(bonuses=[{"kind": "laps_led", "points": 1}, {"kind": "most_laps_led", "points": 2}])
    race = classified("r1", 1, [car("1", "ann", 1, laps_led=1), car("2", "bob", 2)])
    assert points(facts_of(registered(rules), race)) == {"ann": 13, "bob": 6}


def test_nobody_earns_the_most_laps_led_bonus_when_no_lap_was_led():
    rules = small_rules(bonuses=[{"kind": "most_laps_led", "points": 2}])
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2)])  # no laps-led data: 0 each
    assert points(facts_of(registered(rules), race)) == {"ann": 10, "bob": 6}


# --- what a table counts ------------------------------------------------------------------------------


def test_an_overall_table_of_some_classes_counts_only_their_cars():
    tables = [{"id": "amateurs", "name": "Amateurs", "per_class": False, "classes": ["am"]}]
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "zed", 2, class_id="am"), car("3", "yan", 3, class_id="am")])
    # class positions: ann first in pro, zed and yan first and second in am
    assert points(facts_of(registered(small_rules(tables=tables)), race), "amateurs/overall") == {"zed": 10, "yan": 6}



def test_what_is_left_to_win_counts_the_tables_own_class_rounds_and_bonuses():
    # Pro scores 10-6, am 20-10; a pole is worth 5 in am only, a fastest lap 3 in sprints only (there are none).
    # After round 1 of 4, three races are left: pro can add 3 x 10, am 3 x (20 + 5); the overall table the
    # most of any class, 25 a race; the table of rounds 1 and 2 has r2 left.
    rules = small_rules(
        points=[{"points": [10, 6]}, {"classes": ["am"], "points": [20, 10]}],
        bonuses=[{"kind": "pole", "points": 5, "classes": ["am"]},
                 {"kind": "fastest_lap", "points": 3, "session_types": ["sprint"]}],
        tables=[{"id": "drivers", "name": "Drivers"}, {"id": "early", "name": "Early", "rounds": [1, 2]},
                {"id": "all", "name": "All", "per_class": False}],
    )
    facts = facts_of(registered(rules), classified("r1", 1, [car("1", "ann", 1), car("2", "zed", 2, class_id="am")]))
    left = {key: (table["races_remaining"], {row["id"]: row["max_points"] for row in table["rows"]})
            for key, table in standings(facts).items()}
    assert left["drivers/pro"] == (3, {"ann": 40})  # 10 + 3 x 10
    assert left["drivers/am"] == (3, {"zed": 95})  # 20 + 3 x 25
    assert left["early/pro"] == (1, {"ann": 20})  # 10 + 10 (r2 only)
    assert left["all/overall"] == (3, {"zed": 95, "ann": 85})  # 20 + 75, 10 + 75


TEAMS = [{"id": "teams", "name": "Teams", "kind": "teams"}]


def test_an_excluded_result_voids_the_car_in_the_team_table_of_its_class_only():
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2, team="team-b")])
    for scope, expected in (("pro", {"team-b": 6}), ("am", {"team-a": 10, "team-b": 6})):
        exclusion = adjusted(f"x-{scope}", "result_excluded", "ann", race_id="r1", from_round=1, class_id=scope)
        facts = facts_of(registered(small_rules(tables=TEAMS)), race, exclusion)
        assert points(facts, "teams/pro") == expected, scope


def test_two_results_excluded_from_one_race_both_void_their_cars():
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2, team="team-b"), car("3", "cy", 3, team="team-c")])
    facts = facts_of(registered(small_rules(tables=TEAMS)), race,
                     adjusted("x1", "result_excluded", "ann", race_id="r1", from_round=1),
                     adjusted("x2", "result_excluded", "bob", race_id="r1", from_round=1))
    assert points(facts, "teams/pro") == {"team-c": 4}



def test_a_team_limited_to_two_cars_can_still_win_two_cars_worth_a_race():
    tables = [{"id": "teams", "name": "Teams", "kind": "teams", "cars_per_race": 2}]
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2), car("3", "cy", 3)])  # all team-a: best two 10 + 6
    [row] = standings(facts_of(registered(small_rules(tables=tables)), race))["teams/pro"]["rows"]
    assert (row["points"], row["max_points"]) == (16, 16 + 3 * 2 * 10)


# --- ranking -------------------------------------------------------------------------------------


def test_nobody_is_shown_sharing_a_position_without_a_tie():
    facts = facts_of(registered(small_rules()), finish("r1", 1, "ann", "bob"))
    rows = standings(facts)["drivers/pro"]["rows"]  # ties are shared by default: there is none here
    assert [(r["position"], r["id"], r["shared"]) for r in rows] == [(1, "ann", False), (2, "bob", False)]
    assert json.dumps([r["shared"] for r in rows]) == "[false, false]"


# --- drops ---------------------------------------------------------------------------------------


def test_when_the_protected_races_fill_the_best_n_every_other_result_is_dropped():
    # best 1 of 4, r1 protected: r1 is the one result that counts, ann's r2 win is dropped.
    facts = facts_of(registered(small_rules(drops=[{"best_of": 1, "protected_races": ["r1"]}])),
                     finish("r1", 1, "ann", "bob"), finish("r2", 2, "ann", "bob"))
    assert points(facts) == {"ann": 10, "bob": 6}
    assert dropped(facts) == {"ann": ["r2"], "bob": ["r2"]}


def test_dropping_as_many_results_as_the_season_has_races_counts_none():
    calendar = [{"round": n, "track": t, "races": [{"race_id": f"r{n}"}]} for n, t in ((1, "a"), (2, "b"))]
    facts = facts_of(registered(small_rules(calendar=calendar, drops=[{"drop_worst": 2}])),
                     finish("r1", 1, "ann", "bob"), finish("r2", 2, "bob", "ann"))
    assert points(facts) == {"ann": 0, "bob": 0}
    assert dropped(facts) == {"ann": ["r1", "r2"], "bob": ["r1", "r2"]}


def test_between_equal_scores_the_earlier_race_is_dropped_whatever_the_race_ids():
    # Race ids sort the other way round from the running order: zolder (round 1) < assen (round 2) < brno.
    calendar = [{"round": n, "track": t, "races": [{"race_id": t}]} for n, t in enumerate(["zolder", "assen", "brno"], 1)]
    facts = facts_of(registered(small_rules(calendar=calendar, drops=[{"drop_worst": 1}])),
                     finish("zolder", 1, "ann"), finish("assen", 2, "ann"), finish("brno", 3, "ann"))
    assert points(facts) == {"ann": 20}  # three wins of 10, the worst one dropped
    assert dropped(facts) == {"ann": ["zolder"]}


# --- the incremental state (Championship.apply) ---------------------------------------------------


def test_a_state_started_from_stored_tables_keeps_them_until_an_event_changes_one():
    # The tables last announced are what the next update is compared with, even when they are stale.
    facts = facts_of(registered(small_rules()), finish("r1", 1, "ann", "bob"))
    announced = {"drivers/pro": standings(facts_of(registered(small_rules())))["drivers/pro"]}  # before r1
    state = Championship(facts, announced)
    assert state.tables == announced
    update = state.apply([finish("r2", 2, "bob")])
    assert update.before == announced  # the table announced, not the one r1 gave
    assert [r["id"] for r in update.tables["drivers/pro"]["rows"]] == ["bob", "ann"]  # bob 16, ann 10


def test_a_rules_revision_that_changes_nothing_moves_no_table():
    # Revision 2 repeats the rules: every table is computed afresh, equal to the one held.
    state = Championship()
    state.apply([registered(small_rules()), finish("r1", 1, "ann", "bob")])
    update = state.apply([registered(small_rules(), revision=2)])
    assert list(update.batch.changed) == ["rules"]
    assert (update.tables, update.before, update.dropped, update.changes) == ({}, {}, [], [])


def test_an_update_names_the_tables_the_rules_no_longer_keep():
    teams = {"id": "teams", "name": "Teams", "kind": "teams"}
    state = Championship()
    state.apply([registered(small_rules(tables=[{"id": "drivers", "name": "Drivers"}, teams])), finish("r1", 1, "ann")])
    assert set(state.tables) == {"drivers/pro", "drivers/am", "teams/pro", "teams/am"}
    update = state.apply([registered(small_rules(tables=[{"id": "drivers", "name": "Drivers"}]), revision=2)])
    assert update.dropped == ["teams/am", "teams/pro"]
    assert set(state.tables) == {"drivers/pro", "drivers/am"}


def test_the_changes_of_an_update_move_each_driver_from_the_position_before():
    # r1: ann 10, bob 6. r2: bob 10, cy 6. After r2: bob 16, ann 10, cy 6.
    state = Championship()
    state.apply([registered(small_rules()), finish("r1", 1, "ann", "bob")])
    update = state.apply([finish("r2", 2, "bob", "cy")])
    [change] = [c for c in update.changes if c["table"] == "drivers/pro"]
    assert change["moves"] == [
        {"id": "bob", "name": "Bob", "from": 2, "to": 1},
        {"id": "ann", "name": "Ann", "from": 1, "to": 2},
        {"id": "cy", "name": "Cy", "from": None, "to": 3},
    ]
    assert change["points_gained"] == [{"id": "bob", "name": "Bob", "points": 10}, {"id": "cy", "name": "Cy", "points": 6}]
    assert change["leader_change"] == {"from": "ann", "to": "bob"}


# --- the fact store (apply_batch) --------------------------------------------------------------------


def test_apply_batch_checks_the_rules_unless_told_not_to():
    race = finish("r1", 1, "ann")
    result = apply_batch({}, [race])  # no registration: an unknown championship
    assert [(e.event_id, type(v)) for e, v in result.violations] == [(race.event_id, RuleViolation)]


def test_a_race_at_another_track_than_the_calendar_names_is_a_violation_naming_the_field():
    race = classified("r1", 1, [car("1", "ann", 1)], track="z")  # the calendar runs r1 at track "a"
    [(event, violation)] = apply_batch(facts_of(registered(small_rules())), [race]).violations
    assert (violation.field, violation.reason) == ("payload.track", "race 'r1' is at 'a', not 'z'")


def test_a_session_without_a_points_table_is_a_violation_naming_the_field():
    # A league without a calendar takes any race id, but only sessions it has points for.
    race = classified("s1", 1, [car("1", "ann", 1)], session_type="sprint")
    [(event, violation)] = apply_batch(facts_of(registered(small_rules(calendar=[]))), [race]).violations
    assert (violation.field, violation.reason) == ("payload.session_type", "no points table for session type 'sprint'")


def test_an_award_or_adjustment_the_rules_do_not_know_is_a_violation_naming_the_field():
    facts = facts_of(registered(small_rules()))
    events = [award("pole.awarded", "r9", 9, "1", "ann"), award("fastest_lap.set", "r1", 1, "1", "ann", class_id="gt3"),
              adjusted("a1", "points_deduction", "ann", points=5, class_id="gt3")]
    assert [(v.field, v.reason) for _, v in apply_batch(facts, events).violations] == [
        ("payload.race_id", "race 'r9' is not in the calendar"),
        ("payload.class_id", "unknown class 'gt3' (known: am, pro)"),
        ("payload.class_id", "unknown class 'gt3' (known: am, pro)"),
    ]


def test_a_shared_award_is_a_fastest_lap_naming_each_car_once():
    facts = facts_of(registered(small_rules()))
    other = [{"car_number": "2", "driver_id": "bob"}]
    [(_, violation)] = apply_batch(facts, [award("pole.awarded", "r1", 1, "1", "ann", shared_with=other)]).violations
    assert (violation.field, violation.reason) == ("payload.shared_with", "a pole is not shared: name the one car that takes it")
    with pytest.raises(ValidationError) as caught:
        award("fastest_lap.set", "r1", 1, "1", "ann", shared_with=[*other, {"car_number": "1", "driver_id": "ann"}])
    assert describe(caught.value)[-1].endswith("shared_with.1.car_number: car '1' is named twice")


def test_an_event_id_repeated_in_one_batch_is_a_duplicate_and_the_batch_goes_on():
    facts = facts_of(registered(small_rules()))
    first, second = finish("r1", 1, "ann"), finish("r2", 2, "bob")
    result = apply_batch(facts, [first, first, second])
    assert result.duplicates == [first.event_id]
    assert result.handled == [first.event_id, second.event_id, first.event_id]
    assert sorted(result.changed) == ["race:r1", "race:r2"]


def test_an_event_id_reused_in_one_batch_for_other_content_keeps_the_first():
    facts = facts_of(registered(small_rules()))
    first = finish("r1", 1, "ann", "bob", event_id="same")
    other = finish("r1", 1, "bob", "ann", event_id="same", revision=2)
    result = apply_batch(facts, [first, other])
    assert result.duplicates == ["same"] and facts["race:r1"] is first
    assert points(facts) == {"ann": 10, "bob": 6}
