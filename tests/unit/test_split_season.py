"""Drops per part of the season (best N of rounds A-B plus best M of rounds C-D), per table: hand-worked."""

import pytest

from services.engine import standings
from tests.builders import car, classified, facts_of, registered, small_rules

TABLES = [{"id": "drivers", "name": "Drivers"}, {"id": "teams", "name": "Teams", "kind": "teams"}]


def race(round_: int, *drivers: str):
    teams = {"ann": "team-a", "bob": "team-b", "cy": "team-c"}
    return classified(f"r{round_}", round_, [car(str(i), d, i, team=teams[d]) for i, d in enumerate(drivers, start=1)])


# 10-6-4-3-2-1. ann: 10, 10 | 4, 4.  bob: 6, 6 | 10, 6.  cy: -, - | 6, 10.
SEASON = [race(1, "ann", "bob"), race(2, "ann", "bob"), race(3, "bob", "cy", "ann"), race(4, "cy", "bob", "ann")]


def table(drops, *races, key="drivers/pro"):
    return standings(facts_of(registered(small_rules(drops=drops, tables=TABLES)), *races))[key]["rows"]


@pytest.mark.parametrize(("drops", "expected"), [
    # best 2 of the season: ann 10+10, bob 10+6, cy 6+10.
    ([{"best_of": 2}], [("ann", 20), ("bob", 16), ("cy", 16)]),
    # best 1 of rounds 1-2 plus best 1 of rounds 3-4: ann 10+4, bob 6+10, cy 0+10.
    ([{"parts": [{"first_round": 1, "last_round": 2, "best_of": 1}, {"first_round": 3, "last_round": 4, "best_of": 1}]}],
     [("bob", 16), ("ann", 14), ("cy", 10)]),
    # drop the worst 1 of rounds 1-2 only; rounds 3-4, in no part, always count: ann 10+4+4, bob 6+10+6, cy 6+10.
    ([{"parts": [{"first_round": 1, "last_round": 2, "drop_worst": 1}]}], [("bob", 22), ("ann", 18), ("cy", 16)]),
])
def test_best_of_the_season_or_of_each_part(drops, expected):
    assert [(r["id"], r["points"]) for r in table(drops, *SEASON)] == expected


def test_each_part_drops_its_own_results_and_bounds_what_is_still_reachable():
    parts = [{"parts": [{"first_round": 1, "last_round": 2, "best_of": 1}, {"first_round": 3, "last_round": 4, "best_of": 1}]}]
    rows = {r["id"]: r for r in table(parts, *SEASON)}
    dropped = [(x["race_id"], x["dropped"]) for x in rows["ann"]["results"]]
    assert dropped == [("r1", True), ("r2", False), ("r3", True), ("r4", False)]
    # After round 2: part one is done (ann 10, bob 6); part two can add one win at most.
    after_two = {r["id"]: r["max_points"] for r in table(parts, *SEASON[:2])}
    assert after_two == {"ann": 20, "bob": 16}


def test_a_drop_rule_can_name_its_tables():
    # Drivers count their best 2; teams count every result, unless a rule names them (best 1).
    drivers_only = [{"best_of": 2, "tables": ["drivers"]}]
    assert [(r["id"], r["points"]) for r in table(drivers_only, *SEASON, key="teams/pro")] == [
        ("team-a", 28), ("team-b", 28), ("team-c", 16)]  # level: team-a's two wins to one
    assert [r["points"] for r in table(drivers_only, *SEASON)] == [20, 16, 16]
    teams_best_one = [*drivers_only, {"best_of": 1, "tables": ["teams"]}]
    assert [r["points"] for r in table(teams_best_one, *SEASON, key="teams/pro")] == [10, 10, 10]
