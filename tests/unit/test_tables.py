"""Tables: drops, teams, sub-championships, ranking, adjustments, time travel and the title fight."""

from services.engine import record, standings
from tests.builders import adjusted, award, car, classified, facts_of, points, registered, small_rules


def wins_for(*drivers: str, round_: int, race_id: str | None = None, **kw):
    """A race finished in the given order."""
    return classified(race_id or f"r{round_}", round_, [car(str(i), d, i) for i, d in enumerate(drivers, start=1)], **kw)


def test_drop_the_worst_results_but_never_a_protected_race():
    rules = small_rules(drops=[{"drop_worst": 1, "protected_races": ["r4"]}])
    facts = facts_of(
        registered(rules),
        wins_for("ann", "bob", round_=1), wins_for("bob", "ann", round_=2),
        wins_for("ann", "bob", round_=3), wins_for("bob", "ann", round_=4),
    )
    # ann 10+6+10+6, drops a 6 from r2 (r4 is protected): 26; bob 6+10+6+10 drops r1: 26
    table = standings(facts)["drivers/pro"]
    assert {r["id"]: r["points"] for r in table["rows"]} == {"ann": 26, "bob": 26}
    dropped = {row["id"]: [r["race_id"] for r in row["results"] if r["dropped"]] for row in table["rows"]}
    assert dropped == {"ann": ["r2"], "bob": ["r1"]}


def test_a_missed_race_is_the_first_result_dropped():
    rules = small_rules(drops=[{"drop_worst": 1}])
    facts = facts_of(registered(rules), wins_for("ann", "bob", round_=1), wins_for("bob", round_=2),
                     wins_for("ann", "bob", round_=3), wins_for("ann", "bob", round_=4))
    # the best 3 of 4 count: ann drops the race she missed (30), bob his worst 6 (10+6+6)
    assert points(facts) == {"ann": 30, "bob": 22}


def test_drop_the_worst_is_about_the_season_so_early_results_all_count():
    rules = small_rules(drops=[{"drop_worst": 2}])
    facts = facts_of(registered(rules), wins_for("ann", "bob", round_=1), wins_for("bob", "ann", round_=2))
    # 4 races, the best 2 count: after two races nothing is dropped yet
    assert points(facts) == {"ann": 16, "bob": 16}
    facts = facts_of(*facts.values(), wins_for("ann", "bob", round_=3))
    assert points(facts) == {"ann": 20, "bob": 16}  # now each drops their worst


def test_best_n_of_m_counts_protected_races_first():
    rules = small_rules(drops=[{"best_of": 2, "protected_races": ["r1"]}])
    facts = facts_of(
        registered(rules), wins_for("bob", "ann", round_=1), wins_for("ann", round_=2), wins_for("ann", round_=3)
    )
    assert points(facts) == {"ann": 16, "bob": 10}  # ann: r1 (6, protected) + one 10


def test_drops_apply_per_class():
    rules = small_rules(drops=[{"classes": ["am"], "drop_worst": 1}])
    race = lambda n: classified(f"r{n}", n, [car("1", "ann", 1), car("2", "zed", 2, class_id="am")])  # noqa: E731
    facts = facts_of(registered(rules), race(1), race(2), race(3), race(4))
    assert points(facts) == {"ann": 40}
    assert points(facts, "drivers/am") == {"zed": 30}


def test_teams_sum_every_car_or_the_best_k_per_race():
    tables = [{"id": "teams", "name": "Teams", "kind": "teams", "per_class": False},
              {"id": "best", "name": "Best car", "kind": "teams", "cars_per_race": 1}]
    rules = small_rules(tables=tables)
    race = classified("r1", 1, [car("1", "ann", 1, team="red"), car("2", "bob", 2, team="red"),
                                car("3", "cy", 3, team="blue"), car("4", "dan", 4, team="blue", class_id="am")])
    facts = facts_of(registered(rules), race)
    assert points(facts, "teams/overall") == {"red": 16, "blue": 14}  # blue: 4 (pro) + 10 (am)
    assert points(facts, "best/pro") == {"red": 10, "blue": 4}


def test_sub_championships_over_tracks_rounds_and_drivers():
    tables = [{"id": "drivers", "name": "Drivers"},
              {"id": "legacy", "name": "Legacy Cup", "tracks": ["a", "c"]},
              {"id": "late", "name": "Second half", "rounds": [3, 4]},
              {"id": "junior", "name": "Junior", "drivers": ["bob", "cy"]}]
    facts = facts_of(
        registered(small_rules(tables=tables)),
        wins_for("ann", "bob", "cy", round_=1), wins_for("bob", "ann", "cy", round_=2), wins_for("cy", "ann", "bob", round_=3),
    )
    assert points(facts, "legacy/pro") == {"ann": 16, "cy": 14, "bob": 10}  # tracks a (r1) and c (r3)
    assert points(facts, "late/pro") == {"cy": 10, "ann": 6, "bob": 4}
    assert points(facts, "junior/pro") == {"bob": 20, "cy": 18}
    assert standings(facts)["legacy/pro"]["races_remaining"] == 0  # track d is not a legacy track


def test_ties_break_by_countback_then_share_or_name():
    facts = facts_of(registered(small_rules()), wins_for("bob", "ann", "cy", round_=1), wins_for("cy", "dan", "bob", round_=2))
    # bob 10+4=14, cy 4+10=14, ann 6, dan 6: bob and cy have one win each and one third: shared
    rows = standings(facts)["drivers/pro"]["rows"]
    assert [(r["position"], r["id"], r["shared"]) for r in rows] == [
        (1, "bob", True), (1, "cy", True), (3, "ann", True), (3, "dan", True)
    ]
    facts = facts_of(registered(small_rules(ranking={"tie": "name"})), *list(facts.values())[1:])
    rows = standings(facts)["drivers/pro"]["rows"]
    assert [(r["position"], r["id"], r["shared"]) for r in rows] == [
        (1, "bob", False), (2, "cy", False), (3, "ann", False), (4, "dan", False)
    ]
    facts = facts_of(registered(small_rules()), wins_for("ann", "cy", "bob", round_=1), wins_for("bob", round_=2),
                     wins_for("cy", "dan", "eve", "fay", "bob", round_=3))
    # cy 6+10 and bob 4+10+2 both 16 with a win each: cy's second beats bob's third
    assert list(points(facts))[:3] == ["cy", "bob", "ann"]


def test_adjustments_deduct_exclude_and_disqualify():
    base = [registered(small_rules()), wins_for("ann", "bob", "cy", round_=1), wins_for("ann", "bob", "cy", round_=2)]
    assert points(facts_of(*base, adjusted("a1", "points_deduction", "ann", points=5, reason="track limits"))) == {
        "ann": 15, "bob": 12, "cy": 8
    }
    excluded = facts_of(*base, adjusted("a2", "result_excluded", "ann", race_id="r2"))
    assert points(excluded) == {"bob": 12, "ann": 10, "cy": 8}
    assert points(facts_of(*base, adjusted("a3", "disqualified", "ann"))) == {"bob": 12, "cy": 8}
    kept = facts_of(*base, adjusted("a4", "disqualified", "ann", from_round=2, keep_points=True))
    rows = standings(kept)["drivers/pro"]["rows"]  # ann keeps 10 but ranks below everyone eligible
    assert [(r["id"], r["points"], r["disqualified"], r["can_still_win"]) for r in rows] == [
        ("bob", 12, False, True), ("cy", 8, False, True), ("ann", 10, True, False)
    ]
    withdrawn = facts_of(*base, adjusted("a1", "points_deduction", "ann", points=5),
                         adjusted("a1", "points_deduction", "ann", points=5, revision=2, withdrawn=True))
    assert points(withdrawn)["ann"] == 20


def test_a_deduction_applies_from_its_round_on():
    facts = facts_of(registered(small_rules()), wins_for("ann", round_=1), wins_for("ann", round_=2),
                     adjusted("a1", "points_deduction", "ann", points=3, from_round=2))
    assert points(facts, after_round=1) == {"ann": 10}
    assert points(facts) == {"ann": 17}


def test_standings_as_of_any_round_with_the_change_since_the_round_before():
    facts = facts_of(registered(small_rules()), wins_for("ann", "bob", "cy", round_=1), wins_for("cy", "bob", round_=2),
                     wins_for("ann", round_=3))
    assert points(facts, after_round=1) == {"ann": 10, "bob": 6, "cy": 4}
    rows = standings(facts, after_round=2)["drivers/pro"]["rows"]
    assert [(r["id"], r["previous_position"], r["change"]) for r in rows] == [("cy", 3, 2), ("bob", 2, 0), ("ann", 1, -2)]


def test_the_latest_revision_of_a_race_wins_whatever_the_arrival_order():
    first, amended = wins_for("ann", "bob", round_=1), wins_for("bob", "ann", round_=1, revision=2)
    assert points(facts_of(registered(small_rules()), amended, first)) == {"bob": 10, "ann": 6}
    assert points(facts_of(registered(small_rules()), first, amended)) == {"bob": 10, "ann": 6}


def test_provisional_results_flag_the_table():
    facts = facts_of(registered(small_rules()), wins_for("ann", round_=1, provisional=True))
    assert standings(facts)["drivers/pro"]["provisional"] is True
    facts = facts_of(*facts.values(), wins_for("ann", round_=1, revision=2))
    assert standings(facts)["drivers/pro"]["provisional"] is False


def test_clinched_eliminated_and_can_still_win():
    facts = facts_of(registered(small_rules()), wins_for("ann", "bob", "cy", round_=1), wins_for("ann", "bob", "cy", round_=2),
                     wins_for("ann", "cy", "bob", round_=3))
    rows = {r["id"]: r for r in standings(facts)["drivers/pro"]["rows"]}
    # one race left (10 points): ann 30; bob 16 can reach 26, cy 14 can reach 24: ann has clinched
    assert {k: (r["max_points"], r["can_still_win"], r["clinched"]) for k, r in rows.items()} == {
        "ann": (40, True, True), "bob": (26, False, False), "cy": (24, False, False)
    }
    rows = {r["id"]: r for r in standings(facts, after_round=2)["drivers/pro"]["rows"]}
    assert (rows["bob"]["can_still_win"], rows["ann"]["clinched"]) == (True, False)  # 12 + 20 >= 20


def test_gaps_to_the_leader_and_to_the_car_ahead():
    facts = facts_of(registered(small_rules()), wins_for("ann", "bob", "cy", round_=1))
    rows = standings(facts)["drivers/pro"]["rows"]
    assert [(r["gap_to_leader"], r["gap_to_ahead"]) for r in rows] == [(0, None), (4, 4), (6, 2)]


def test_no_title_is_clinched_while_a_newcomer_could_still_take_it():
    facts = facts_of(registered(small_rules()), wins_for("ann", round_=1))
    row = standings(facts)["drivers/pro"]["rows"][0]
    # alone in the table, but 3 races (30 points) are left for anyone who turns up
    assert (row["id"], row["can_still_win"], row["clinched"]) == ("ann", True, False)


def test_an_event_id_reused_for_another_race_does_not_share_its_scores():
    first = wins_for("ann", "bob", round_=1, event_id="same-id")
    second = wins_for("bob", "ann", round_=2, event_id="same-id")
    assert points(facts_of(registered(small_rules()), first, second)) == {"ann": 16, "bob": 16}


def test_a_rules_revision_does_not_undo_results_accepted_before_it():
    rules = small_rules()
    renamed = {**rules, "classes": [{"id": "pro", "name": "Pro"}, {"id": "masters", "name": "Masters"}]}
    race = classified("r1", 1, [car("1", "ann", 1), car("2", "zed", 2, class_id="am")])
    facts = facts_of(registered(rules), race, registered(renamed, revision=2))
    assert points(facts) == {"ann": 10} and "drivers/am" not in standings(facts)
    replayed = {}
    for event in [registered(renamed, revision=2), race, registered(rules)]:
        record(replayed, event, against_rules=False)  # a rebuild replays what was accepted
    assert standings(replayed) == standings(facts)


def test_two_contents_under_one_event_id_and_revision_never_share_a_result():
    """A faulty producer reuses an id for another classification: each is scored as what it says."""
    first = wins_for("ann", "bob", round_=1, event_id="same-id")
    other = wins_for("bob", "ann", round_=1, event_id="same-id")
    assert points(facts_of(registered(small_rules()), first)) == {"ann": 10, "bob": 6}
    assert points(facts_of(registered(small_rules()), other)) == {"bob": 10, "ann": 6}


def test_championships_never_share_a_table():
    def cup(name: str, **kw):
        return standings(facts_of(registered(small_rules(tables=[{"id": "drivers", "name": name}]), event_id="reg", **kw)))

    assert cup("Drivers of A")["drivers/pro"]["name"] == "Drivers of A"
    assert cup("Drivers of B", championship_id="other-cup")["drivers/pro"]["name"] == "Drivers of B"


def test_a_disqualified_driver_keeps_what_they_scored_before_under_drops():
    # ann 10, 6 then disqualified from round 3 keeping points; the best 3 of 4 count, her season is r1-r2
    # bob 6, 10, 6, 6: his best three are 22
    rules = small_rules(drops=[{"best_of": 3}])
    facts = facts_of(registered(rules), *(wins_for("ann", "bob", round_=n) for n in (1, 3, 4)), wins_for("bob", "ann", round_=2),
                     adjusted("d", "disqualified", "ann", from_round=3, keep_points=True))
    assert points(facts) == {"bob": 22, "ann": 16}


def test_a_team_without_a_car_limit_has_no_title_fight():
    tables = [{"id": "teams", "name": "Teams", "kind": "teams", "per_class": False}]
    facts = facts_of(registered(small_rules(tables=tables)), wins_for("ann", round_=1), wins_for("ann", round_=2))
    row = standings(facts)["teams/overall"]["rows"][0]
    assert (row["max_points"], row["can_still_win"], row["clinched"]) == (None, True, False)


def test_provisional_only_when_the_table_counts_a_provisional_result():
    race = classified("r1", 1, [car("1", "ann", 1, class_id="am")], provisional=True)
    tables = standings(facts_of(registered(small_rules()), race, wins_for("bob", round_=2)))
    assert (tables["drivers/am"]["provisional"], tables["drivers/pro"]["provisional"]) == (True, False)


def test_a_newcomer_cannot_win_what_the_drop_rule_will_not_count():
    # best 2 of 4, r1 protected: ann 10 (r1) + 10 (r2) = 20 with two races left.
    # bob 6 + his best other 10 = 16 at most; a newcomer: 0 (r1, protected) + one 10 = 10 at most.
    facts = facts_of(registered(small_rules(drops=[{"best_of": 2, "protected_races": ["r1"]}])),
                     wins_for("ann", "bob", round_=1), wins_for("ann", "bob", round_=2))
    rows = standings(facts)["drivers/pro"]["rows"]
    fight = [(r["id"], r["points"], r["max_points"], r["clinched"]) for r in rows]
    assert fight == [("ann", 20, 20, True), ("bob", 12, 16, False)]


def test_an_exclusion_reaches_the_team_table_from_its_round_on():
    tables = [{"id": "drivers", "name": "Drivers"}, {"id": "teams", "name": "Teams", "kind": "teams"}]
    facts = facts_of(registered(small_rules(tables=tables)), wins_for("ann", round_=1), wins_for("ann", round_=2),
                     wins_for("ann", round_=3), adjusted("x", "result_excluded", "ann", race_id="r1", from_round=3))
    assert points(facts, "teams/pro", after_round=2) == {"team-a": 20}
    assert points(facts, "teams/pro") == {"team-a": 20}  # 30 - the excluded 10


def test_a_class_specific_drop_rule_beats_the_general_one():
    rules = small_rules(drops=[{"best_of": 1}, {"classes": ["pro"], "best_of": 4}])
    facts = facts_of(registered(rules), wins_for("ann", round_=1), wins_for("ann", round_=2))
    assert points(facts) == {"ann": 20}


def test_who_a_table_lists_entrants_finishers_or_scorers():
    """Points 10-6-4 only. r1: ann 1st, bob 2nd, cy 3rd, dan 4th (classified, no points), eve DNF.
    r2: bob 1st, ann 2nd, eve DNF again, dan 4th, cy DNF.
    entrants: everyone; finishers: eve (only DNFs) left out; scorers: dan (0 points) left out too.
    The team table sums every car whatever its drivers' listing."""
    tables = [{"id": "all", "name": "All"},
              {"id": "fin", "name": "Finishers", "listing": "finishers"},
              {"id": "pts", "name": "Scorers", "listing": "scorers"},
              {"id": "teams", "name": "Teams", "kind": "teams", "per_class": False, "listing": "scorers"}]
    rules = small_rules(points=[{"points": [10, 6, 4]}], tables=tables)
    r1 = [car("1", "ann", 1, team="red"), car("2", "bob", 2), car("3", "cy", 3), car("4", "dan", 4, team="blue"),
          car("5", "eve", 5, team="blue", status="dnf")]
    r2 = [car("2", "bob", 1), car("1", "ann", 2, team="red"), car("4", "dan", 3, team="blue"),
          car("5", "eve", 4, team="blue", status="dnf"), car("3", "cy", 5, status="dnf")]
    facts = facts_of(registered(rules), classified("r1", 1, r1), classified("r2", 2, r2))
    # r2: dan is 3rd and scores 4, so dan is a scorer after all; r1 alone shows him out
    after_r1 = standings(facts, after_round=1)
    assert [(r["position"], r["id"]) for r in after_r1["all/pro"]["rows"]] == [
        (1, "ann"), (2, "bob"), (3, "cy"), (4, "dan"), (5, "eve")]
    assert [(r["position"], r["id"]) for r in after_r1["fin/pro"]["rows"]] == [(1, "ann"), (2, "bob"), (3, "cy"), (4, "dan")]
    assert [(r["position"], r["id"]) for r in after_r1["pts/pro"]["rows"]] == [(1, "ann"), (2, "bob"), (3, "cy")]
    assert points(facts, "pts/pro") == {"bob": 16, "ann": 16, "cy": 4, "dan": 4}
    # contiguous among those listed; dan's unpaid 4th in r1 puts him ahead of cy on countback
    final = standings(facts)["pts/pro"]["rows"]
    assert [(r["position"], r["id"]) for r in final] == [(1, "ann"), (1, "bob"), (3, "dan"), (4, "cy")]
    # blue: dan's 4 (r2); eve's DNFs count nothing but she is still blue's: team-a 6+4+10 = 20, red 10+6 = 16
    assert points(facts, "teams/overall", after_round=1) == {"team-a": 10, "red": 10}
    assert points(facts, "teams/overall") == {"team-a": 20, "red": 16, "blue": 4}


def test_the_title_is_not_clinched_while_someone_left_out_could_still_win_it():
    rules = small_rules(points=[{"points": [10, 6]}], tables=[{"id": "pts", "name": "Scorers", "listing": "scorers"}])
    facts = facts_of(registered(rules), wins_for("ann", "bob", "cy", round_=1), wins_for("ann", "bob", "cy", round_=2),
                     wins_for("ann", "bob", "cy", round_=3))
    table = standings(facts)["pts/pro"]
    assert [r["id"] for r in table["rows"]] == ["ann", "bob"] and table["rows"][0]["clinched"]
    assert not any(r["clinched"] for r in standings(facts, after_round=2)["pts/pro"]["rows"])  # cy could still reach 20


def test_countback_through_every_place_or_only_the_places_that_paid():
    """Points 10-6-4. r1: ann, bob, cy 3rd, dan 4th (unpaid); r2: bob, ann, dan 3rd, cy out.
    cy and dan have 4 points each. Every place: dan's 4th beats nothing, so dan is ahead.
    Only the paid places: one 3rd each, level, so the fallback decides (name: cy; share: both 3rd)."""
    def table(**ranking):
        rules = small_rules(points=[{"points": [10, 6, 4]}], ranking=ranking)
        facts = facts_of(registered(rules), wins_for("ann", "bob", "cy", "dan", round_=1),
                         classified("r2", 2, [car("2", "bob", 1), car("1", "ann", 2), car("4", "dan", 3)]))
        return [(r["position"], r["id"]) for r in standings(facts)["drivers/pro"]["rows"]][2:]

    assert table(tie="name") == [(3, "dan"), (4, "cy")]
    assert table(tie="name", countback_depth="all") == [(3, "dan"), (4, "cy")]
    assert table(tie="name", countback_depth="points_places") == [(3, "cy"), (4, "dan")]
    assert table(countback_depth="points_places") == [(3, "cy"), (3, "dan")]


def test_a_floor_pays_every_place_so_countback_goes_through_them_all():
    rules = small_rules(points=[{"points": [10, 6, 4], "floor": 1}], ranking={"countback_depth": "points_places"})
    facts = facts_of(registered(rules), wins_for("ann", "bob", "cy", "dan", round_=1),
                     classified("r2", 2, [car("2", "bob", 1), car("1", "ann", 2), car("4", "dan", 3)]))
    assert points(facts) == {"bob": 16, "ann": 16, "dan": 5, "cy": 4}  # dan's 4th pays the floor
    rules = small_rules(points=[{"points": [10, 6, 4, 0, 0]}], ranking={"countback_depth": "points_places", "tie": "name"})
    facts = facts_of(registered(rules), *list(facts.values())[1:])
    assert list(points(facts))[2:] == ["cy", "dan"]  # trailing zeros pay nothing


def test_a_table_can_score_with_its_own_points_tables():
    """Drivers score 9-6-4-3-2-1; constructors 8-6-4-3-2-1 with their best car, and 5-3 in the Am class.
    r1: ann (red) 1st, bob (blue) 2nd, cy (red) 3rd, pole to ann (+1, a bonus: every table has it); dan (am, blue) 1st."""
    own = [{"points": [8, 6, 4, 3, 2, 1]}, {"classes": ["am"], "points": [5, 3]}]
    tables = [{"id": "drivers", "name": "Drivers"},
              {"id": "makes", "name": "Constructors", "kind": "teams", "cars_per_race": 1, "points": own},
              {"id": "teams", "name": "Teams", "kind": "teams", "per_class": False, "points": own}]
    rules = small_rules(points=[{"points": [9, 6, 4, 3, 2, 1]}], bonuses=[{"kind": "pole", "points": 1}], tables=tables)
    race = classified("r1", 1, [car("1", "ann", 1, team="red"), car("2", "bob", 2, team="blue"), car("3", "cy", 3, team="red"),
                                car("4", "dan", 4, team="blue", class_id="am")])
    facts = facts_of(registered(rules), race, award("pole.awarded", "r1", 1, "1", "ann"))
    assert points(facts) == {"ann": 10, "bob": 6, "cy": 4}
    assert points(facts, "drivers/am") == {"dan": 9}
    assert points(facts, "makes/pro") == {"red": 9, "blue": 6}  # ann's 8 + her pole
    assert points(facts, "makes/am") == {"blue": 5}
    assert points(facts, "teams/overall") == {"red": 13, "blue": 11}  # red 8+1+4; blue 6 + dan's 5
    # what is left to win is the table's own: three more rounds of 8 (+1 pole) for the best car
    assert standings(facts)["makes/pro"]["rows"][0]["max_points"] == 9 + 3 * 9


def test_team_countback_over_the_best_car_or_every_car():
    """Points 10-6-4-3-2-1, one overall team table. Red: ann, bob; blue: cy, dan; green: eve, fay, gus.
    r1: cy, dan (blue 1-2), ann 3rd, eve, fay, gus, bob 7th: blue 16, red 4, green 6.
    r2: ann 1st, eve, fay, cy 4th, dan 5th, bob 6th: red 11, green 10, blue 5.
    Green 16; red 15; blue 21 less a 6-point deduction, 15.
    Best car only (the default): red's best places 1st and 3rd beat blue's 1st and 4th, so red is 2nd.
    Every car: red has 1st, 3rd, 6th, 7th and blue 1st, 2nd, 4th, 5th: blue's second place puts it 2nd."""
    r1 = [car("3", "cy", 1, team="blue"), car("4", "dan", 2, team="blue"), car("1", "ann", 3, team="red"),
          car("5", "eve", 4, team="green"), car("6", "fay", 5, team="green"), car("7", "gus", 6, team="green"),
          car("2", "bob", 7, team="red")]
    r2 = [car("1", "ann", 1, team="red"), car("5", "eve", 2, team="green"), car("6", "fay", 3, team="green"),
          car("3", "cy", 4, team="blue"), car("4", "dan", 5, team="blue"), car("2", "bob", 6, team="red")]

    def order(**table):
        teams = {"id": "teams", "name": "Teams", "kind": "teams", "per_class": False, **table}
        rules = small_rules(points=[{"points": [10, 6, 4, 3, 2, 1]}], tables=[{"id": "drivers", "name": "Drivers"}, teams])
        facts = facts_of(registered(rules), classified("r1", 1, r1), classified("r2", 2, r2),
                         adjusted("a1", "points_deduction", "blue", subject="team", points=6))
        return [(r["position"], r["id"], r["points"]) for r in standings(facts)["teams/overall"]["rows"]]

    assert order() == [(1, "green", 16), (2, "red", 15), (3, "blue", 15)]
    assert order(countback_cars="best") == order()
    assert order(countback_cars="all") == [(1, "green", 16), (2, "blue", 15), (3, "red", 15)]


def test_a_bonus_can_count_in_some_tables_only():
    """Points 10-6-4; pole 2 in every table, fastest lap 1 in the drivers' table only.
    r1: ann (red) 1st, bob (blue) 2nd with the fastest lap, cy (red) 3rd from pole.
    Drivers: ann 10, bob 6 + 1 = 7, cy 4 + 2 = 6. Teams: red 10 + 4 + 2 = 16, blue 6 (no fastest-lap point).
    Makes, with its own points 8-5-3: red 8 + 3 + 2 = 13, blue 5."""
    tables = [{"id": "drivers", "name": "Drivers"},
              {"id": "teams", "name": "Teams", "kind": "teams", "per_class": False},
              {"id": "makes", "name": "Makes", "kind": "teams", "per_class": False, "points": [{"points": [8, 5, 3]}]}]
    rules = small_rules(points=[{"points": [10, 6, 4]}], tables=tables,
                        bonuses=[{"kind": "pole", "points": 2}, {"kind": "fastest_lap", "points": 1, "tables": ["drivers"]}])
    race = classified("r1", 1, [car("1", "ann", 1, team="red"), car("2", "bob", 2, team="blue"), car("3", "cy", 3, team="red")])
    facts = facts_of(registered(rules), race, award("pole.awarded", "r1", 1, "3", "cy"),
                     award("fastest_lap.set", "r1", 1, "2", "bob"))
    assert points(facts) == {"ann": 10, "bob": 7, "cy": 6}
    assert points(facts, "teams/overall") == {"red": 16, "blue": 6}
    assert points(facts, "makes/overall") == {"red": 13, "blue": 5}
    blue = next(r for r in standings(facts)["teams/overall"]["rows"] if r["id"] == "blue")
    assert blue["results"][0]["bonus"] == 0
