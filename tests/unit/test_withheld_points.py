"""Points withheld without moving anyone, and decisions that reach the drivers' or the teams' tables only."""

import pydantic
import pytest

from services.engine import standings
from tests.builders import adjusted, car, classified, facts_of, registered, small_rules

TABLES = [{"id": "drivers", "name": "Drivers"}, {"id": "teams", "name": "Teams", "kind": "teams"}]


def season(*decisions):
    """r1: ann (team-a) 10, bob (team-b) 6, cy (team-a) 4; r2: bob 10, ann 6, cy 4.
    Untouched: ann 16, bob 16, cy 8; team-a 24, team-b 16."""
    return facts_of(
        registered(small_rules(tables=TABLES)),
        classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2, team="team-b"), car("3", "cy", 3)]),
        classified("r2", 2, [car("2", "bob", 1, team="team-b"), car("1", "ann", 2), car("3", "cy", 3)]),
        *decisions,
    )


@pytest.mark.parametrize(("kind", "applies_to", "drivers", "teams"), [
    # ann's r1 win withheld: she scores 0 there, team-a scores the car's place without points (0 + 4, 6 + 4).
    ("points_withheld", "all", {"bob": 16, "cy": 8, "ann": 6}, {"team-b": 16, "team-a": 14}),
    ("points_withheld", "drivers", {"bob": 16, "cy": 8, "ann": 6}, {"team-a": 24, "team-b": 16}),
    # counts for the driver, not for the team
    ("points_withheld", "teams", {"ann": 16, "bob": 16, "cy": 8}, {"team-b": 16, "team-a": 14}),
    ("result_excluded", "teams", {"ann": 16, "bob": 16, "cy": 8}, {"team-b": 16, "team-a": 14}),
    ("result_excluded", "drivers", {"bob": 16, "cy": 8, "ann": 6}, {"team-a": 24, "team-b": 16}),
])
def test_a_decision_reaches_the_tables_it_names(kind, applies_to, drivers, teams):
    tables = standings(season(adjusted("a1", kind, "ann", race_id="r1", applies_to=applies_to)))
    assert {r["id"]: r["points"] for r in tables["drivers/pro"]["rows"]} == drivers
    assert {r["id"]: r["points"] for r in tables["teams/pro"]["rows"]} == teams


def test_withheld_points_leave_every_place_as_it_was():
    once = standings(season(adjusted("a1", "points_withheld", "ann", race_id="r1")))["drivers/pro"]["rows"]
    rows = {r["id"]: r for r in once}
    r1 = rows["ann"]["results"][0]
    assert (r1["place"], r1["points"], r1["withheld"], r1["excluded"]) == (1, 0, True, False)
    assert rows["ann"]["wins"] == 1  # the result stands: countback still reads the win
    assert rows["bob"]["results"][0]["place"] == 2  # nobody moves up
    # A second decision withholding the same result changes nothing more.
    again = standings(season(adjusted("a1", "points_withheld", "ann", race_id="r1"),
                             adjusted("a2", "points_withheld", "ann", race_id="r1")))
    assert again["drivers/pro"]["rows"] == once


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "points_withheld"}, "race_id: a points_withheld needs the race it concerns"),
    ({"kind": "points_deduction", "points": 5, "applies_to": "teams"}, "applies_to: only a driver's result_excluded"),
    ({"kind": "result_excluded", "race_id": "r1", "subject": "team", "applies_to": "drivers"}, "applies_to: only a driver's"),
])
def test_decisions_that_cannot_be_applied_are_refused_naming_the_field(fields, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        adjusted("a1", subject_id="ann", **fields)
