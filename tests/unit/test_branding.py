"""Branding: validated in the rules, ignored by the engine, completed with defaults by the gateway."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas.rules import Rules
from services.engine import standings
from services.gateway.branding import default_code, generated_colour, resolve
from tests.builders import car, classified, f1_1975_season, facts_of, registered, rules_file

PCCNA = rules_file("pccna-2024.yaml")


@pytest.mark.parametrize("branding, where", [
    ({"classes": {"pro": {"colour": "red"}}}, "colour"),
    ({"classes": {"gt3": {"colour": "#ff0000"}}}, "unknown class 'gt3'"),
    ({"drivers": {"ann-lee": {"code": "ann"}}}, "code"),
    ({"drivers": {"ann-lee": {"code": "ABCDE"}}}, "code"),
    ({"teams": {"t": {"logo_url": "javascript:alert(1)"}}}, "logo_url"),
    ({"teams": {"t": {"logo_url": "ftp://example.com/a.png"}}}, "logo_url"),
    ({"logo_url": "https://example.com/a b.png"}, "logo_url"),
])
def test_bad_branding_is_refused_naming_the_field(branding, where):
    data = {**PCCNA.model_dump(mode="json", exclude={"branding"}), "branding": branding}
    with pytest.raises(ValidationError, match=where):
        Rules.model_validate(data)


def test_the_engine_ignores_branding():
    race = classified("r01", 1, [car("1", "ann-lee", 1), car("2", "bob-ray", 2)])
    plain = PCCNA.model_copy(update={"branding": None})
    assert standings(facts_of(registered(PCCNA), race)) == standings(facts_of(registered(plain), race))


def test_defaults_fill_what_branding_leaves_out():
    race = classified("r01", 1, [car("1", "ann-lee", 1, team="kellymoss"), car("2", "sam-hart", 2, team="new-team"),
                                 car("3", "sue-hart", 3, team="new-team")])
    out = resolve("c", PCCNA, facts_of(registered(PCCNA), race))
    assert [(c["id"], c["name"], c["colour"]) for c in out["classes"]] == [
        ("pro", "Pro", "#d5001c"), ("proam", "Pro-Am", "#0077c8"), ("masters", "Masters", "#8a8d91")]
    assert out["teams"]["kellymoss"]["colour"] == "#0a7e8c"  # branded
    assert out["teams"]["new-team"] == {"name": "New Team", "short_name": "New Team",
                                        "colour": generated_colour("new-team"), "logo_url": None}
    # HAR is Loek Hartog's (branded): Sam Hart gets his initial, Sue Hart a digit
    assert out["drivers"]["sam-hart"]["code"] == "HAS" and out["drivers"]["sue-hart"]["code"] == "HA2"
    assert out["drivers"]["sam-hart"]["short_name"] == "S. Hart"
    assert out["drivers"]["loek-hartog"]["code"] == "HAR"  # from the rules, though not in the results


def test_makes_in_the_results_are_branded_like_teams():
    out = resolve("f1-1975", rules_file("f1-1975.yaml"), facts_of(*f1_1975_season()))
    assert out["manufacturers"] == {make.lower(): {"name": make, "short_name": make, "colour": generated_colour(make.lower()),
                                                   "logo_url": None}
                                    for make in ("McLaren-Ford", "Hesketh-Ford", "Brabham-Ford")}
    assert "brabham-ford" not in out["teams"]  # the entrant is martini-racing
    # The rules can brand a make as they brand a team.
    rules = rules_file("f1-1975.yaml").model_dump(mode="json")
    rules["branding"] = {"manufacturers": {"brabham-ford": {"short_name": "Brabham", "colour": "#ffffff"}}}
    branded = resolve("f1-1975", Rules.model_validate(rules), facts_of(*f1_1975_season()))
    assert branded["manufacturers"]["brabham-ford"] == {"name": "Brabham-Ford", "short_name": "Brabham", "colour": "#ffffff",
                                                        "logo_url": None}


def test_without_any_branding_every_class_still_has_a_name_and_colour():
    out = resolve("c", PCCNA.model_copy(update={"branding": None}), {})
    assert {c["short_name"] for c in out["classes"]} == {"PRO", "PRO-AM", "MASTERS"}
    assert all(c["colour"].startswith("#") and len(c["colour"]) == 7 for c in out["classes"])


def test_codes_are_ascii_and_unique():
    assert default_code("Sabré Cook", set()) == "COO"
    assert default_code("Elias De La Torre", {"TOR"}) == "TOE"
    assert generated_colour("a") == generated_colour("a") != generated_colour("b")
