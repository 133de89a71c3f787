"""The event contracts: validation that names the field, checked-in schema documents, stored forms."""

import json

import pytest
from pydantic import ValidationError

from schemas.documents import DOCUMENTS_DIR, render
from schemas.events import parse_event
from schemas.loading import RulesFileError, describe, load_rules
from schemas.standings import StandingsChanged, read_changed
from services.demo.season import simulate_season
from services.engine import RuleViolation, record, standings
from services.projector.outbox import dumps, standings_changed
from tests.builders import car, classified, envelope, facts_of, registered, rules_file, small_rules


def test_schema_documents_are_up_to_date():
    for name, text in render().items():
        assert (DOCUMENTS_DIR / name).read_text() == text, f"{name} is stale: run `make schemas`"


def problems(data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_event(data)
    return describe(caught.value)


def test_a_missing_field_is_named():
    data = envelope("race.classified", {"race_id": "r01", "track": "sebring", "entries": [car("1", "ann", 1)]})
    assert problems(data) == ["race.classified.payload.round: Field required"]


def test_an_unknown_event_type_is_named():
    (line,) = problems(envelope("race.started", {}))
    assert "race.started" in line and "type" in line


def test_two_cars_in_one_position_are_rejected_unless_a_dead_heat():
    cars = [car("1", "ann", 1), car("2", "bob", 1)]
    (line,) = problems(envelope("race.classified", {"race_id": "r01", "round": 1, "track": "x", "entries": cars}))
    assert line.endswith("entries.1.position: 1 is held by two cars (#1, #2); mark both dead_heat to share it")
    heat = [car("1", "ann", 1, dead_heat=True), car("2", "bob", 1, dead_heat=True), car("3", "cy", 3)]
    assert classified("r01", 1, heat).payload.class_positions() == {"1": 1, "2": 1, "3": 3}


def test_class_positions_are_derived_from_the_overall_order():
    cars = [car("1", "a", 1), car("2", "b", 2, class_id="am"), car("3", "c", 3), car("4", "d", 4, class_id="am")]
    race = classified("r01", 1, cars)
    assert race.payload.class_positions() == {"1": 1, "3": 2, "2": 1, "4": 2}


def test_events_that_break_the_rules_name_the_field():
    facts: dict = {}
    with pytest.raises(RuleViolation, match="championship_id: unknown championship 'test-cup'"):
        record(facts, classified("r01", 1, [car("1", "ann", 1)]))
    record(facts, registered(rules_file("pccna-2024.yaml")))
    with pytest.raises(RuleViolation, match=r"payload.entries.0.class_id: unknown class 'gt3' \(known: masters, pro, proam\)"):
        record(facts, classified("r01", 1, [car("1", "ann", 1, class_id="gt3")]))
    with pytest.raises(RuleViolation, match="payload.round: race 'r03' belongs to round 3, not 1"):
        record(facts, classified("r03", 1, [car("1", "ann", 1)]))
    with pytest.raises(RuleViolation, match="payload.race_id: race 'r99' is not in the calendar"):
        record(facts, classified("r99", 1, [car("1", "ann", 1)]))
    assert list(facts) == ["rules"], "a rejected event changes nothing"


def test_a_rules_file_error_names_the_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: X\nseason: 2024\nclasses: [{id: pro, name: Pro}]\n"
        "points: [{points: [10, 'many']}]\ntables: [{id: drivers, name: D, classes: [gt3]}]\n"
    )
    with pytest.raises(RulesFileError) as caught:
        load_rules(path)
    assert caught.value.problems[0].startswith("points.0.points.1: Input should be a valid number")
    path.write_text(path.read_text().replace("'many'", "8"))
    with pytest.raises(RulesFileError, match=r"tables.0.classes: unknown class 'gt3' \(known: pro\)"):
        load_rules(path)


def test_a_drop_rule_needs_exactly_one_kind():
    rules = rules_file("pccna-2023.yaml").model_dump(mode="json")
    rules["drops"] = [{"drop_worst": 2, "best_of": 10}]
    with pytest.raises(ValidationError, match="give exactly one of drop_worst, best_of or parts"):
        registered(rules)
    rules["drops"] = [{"parts": [{"first_round": 1, "last_round": 4, "best_of": 3}, {"first_round": 4, "last_round": 8}]}]
    with pytest.raises(ValidationError, match=r"drops\.0\.parts\.1\n.*give exactly one of drop_worst or best_of"):
        registered(rules)
    rules["drops"][0]["parts"][1]["best_of"] = 3
    with pytest.raises(ValidationError, match="parts.1: rounds 4-4 are in two parts"):
        registered(rules)
    rules["drops"] = [{"tables": ["nations"], "best_of": 3}]
    with pytest.raises(ValidationError, match="drops.0.tables: unknown table 'nations'"):
        registered(rules)


def test_a_given_class_position_cannot_collide_with_a_derived_one():
    cars = [car("1", "ann", 1, class_position=2), car("2", "bob", 2)]  # bob's derived class position is 2 too
    (line,) = problems(envelope("race.classified", {"race_id": "r01", "round": 1, "entries": cars}))
    assert line.endswith("entries.1.class_position: 2 in class 'pro' is held by two cars (#1, #2); "
                         "mark both dead_heat to share it")


@pytest.mark.parametrize("field, value", [("points_factor", "Infinity"), ("distance_pct", "NaN")])
def test_infinite_or_nan_numbers_are_refused(field, value):
    text = (
        '{"event_id": "e1", "type": "race.classified", "championship_id": "test-cup", "occurred_at": "2024-06-21T20:00:00Z",'
        f' "payload": {{"race_id": "r01", "round": 1, "{field}": {value}, "entries": []}}}}'
    )
    with pytest.raises(ValidationError) as caught:
        parse_event(text)
    expected = f"race.classified.payload.{field}: Input should be a finite number"
    assert any(line.startswith(expected) for line in describe(caught.value))


def test_a_session_type_must_match_the_calendar():
    calendar = [{"round": 1, "track": "a", "races": [{"race_id": "s1", "session_type": "sprint"}]}]
    facts: dict = {}
    points = [{"points": [10]}, {"session_type": "sprint", "points": [3]}]
    record(facts, registered({**small_rules(calendar=calendar), "points": points}))
    with pytest.raises(RuleViolation, match="payload.session_type: race 's1' is a 'sprint' session, not 'race'"):
        record(facts, classified("s1", 1, [car("1", "ann", 1)]))


def test_drop_the_worst_needs_a_calendar():
    with pytest.raises(ValidationError, match="drops.0.drop_worst: needs a calendar"):
        registered({**small_rules(calendar=[]), "drops": [{"drop_worst": 2}]})


def test_points_are_bounded_so_totals_stay_finite():
    with pytest.raises(ValidationError, match="less than or equal to 100000"):
        registered(small_rules(points=[{"points": [1e308]}]))


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def test_stored_json_is_canonical_utf8():
    season = simulate_season(rules_file("pccna-2024.yaml"), seed=3, races=4)
    tables = standings(facts_of(*season.events()))
    assert all(dumps(table) == canonical_json(table).encode() for table in tables.values())  # byte for byte
    assert "Sabré Cook".encode() in dumps(tables["drivers/pro"])  # non-ASCII as UTF-8, not escaped
    assert dumps({"b": [1, (2.5, None)], "a": 2**70}) == b'{"a":1180591620717411303424,"b":[1,[2.5,null]]}'


def test_a_change_record_is_compact_and_a_version_1_record_is_upcast_when_read():
    diff = {"table": "drivers/pro", "table_id": "drivers", "class_id": "pro", "moves": [], "points_gained": [],
            "leader_change": None, "clinched": None}
    record_ = standings_changed("test-cup", 4, [classified("r01", 1, [car("1", "ann", 1)])], [diff])
    assert record_["schema_version"] == 2 and set(record_["payload"]) == {"version", "causes", "changes"}
    read = read_changed(dumps(record_))
    assert (read.event, read.carried, read.version) == (record_, None, 4)

    table = {"table_id": "drivers", "class_id": "pro", "rows": []}
    old = {**record_, "schema_version": 1, "payload": {**record_["payload"], "tables": [table]}}
    read = read_changed(dumps(old))
    assert read.event == record_ and read.carried == {"drivers/pro": table}
    StandingsChanged.model_validate(read.event)

    for bad in ({**old, "payload": {**old["payload"], "tables": [{"rows": []}]}}, {**record_, "schema_version": 3}):
        with pytest.raises(ValueError):
            read_changed(dumps(bad))


@pytest.mark.parametrize("field, value, reason", [
    ("position", "1", "entries.0.position: Input should be a valid integer"),
    ("guest", "yes", "entries.0.guest: Input should be a valid boolean"),
    ("laps", 20.0, "entries.0.laps: Input should be a valid integer"),
])
def test_producers_types_are_not_coerced(field, value, reason):
    data = envelope("race.classified", {"race_id": "r01", "round": 1, "entries": [{**car("1", "ann", 1), field: value}]})
    (line,) = problems(json.dumps(data))
    assert line == f"race.classified.payload.{reason}"


def test_a_revision_is_not_a_boolean():
    data = envelope("race.classified", {"race_id": "r01", "round": 1, "revision": True, "entries": [car("1", "ann", 1)]})
    assert problems(json.dumps(data)) == ["race.classified.payload.revision: Input should be a valid integer"]


def test_names_are_bounded():
    data = envelope("race.classified", {"race_id": "r01", "round": 1, "entries": [car("1", "ann", 1, team_name="x" * 121)]})
    expected = "race.classified.payload.entries.0.team_name: String should have at most 120 characters"
    assert problems(json.dumps(data)) == [expected]


def test_an_event_over_the_size_limit_is_refused_before_parsing():
    from schemas.events import MAX_EVENT_BYTES, EventTooLarge

    data = envelope("race.classified", {"race_id": "r01", "round": 1, "entries": [car("1", "ann", 1)]})
    text = json.dumps(data) + " " * MAX_EVENT_BYTES  # valid JSON, only too big
    with pytest.raises(EventTooLarge, match=f"over the maximum of {MAX_EVENT_BYTES}"):
        parse_event(text)
    with pytest.raises(EventTooLarge):  # counted in bytes: 2-byte characters under the limit in characters
        parse_event(json.dumps(data, ensure_ascii=False).replace("Ann", "é" * (MAX_EVENT_BYTES // 2)))


@pytest.mark.parametrize("when, reason", [
    ("2024-05-05 17:30:00", "needs a timezone"),
    ("9999-12-31T23:59:59Z", "is outside the years 1900-2199"),
    ("1066-10-14T09:00:00Z", "is outside the years 1900-2199"),
])
def test_occurred_at_needs_a_timezone_and_a_plausible_year(when, reason):
    data = {**envelope("race.classified", {"race_id": "r01", "round": 1, "entries": [car("1", "ann", 1)]}), "occurred_at": when}
    (line,) = problems(json.dumps(data))
    assert line.startswith("race.classified.occurred_at: ") and reason in line


def test_an_event_stored_without_a_timezone_is_read_as_utc():
    from schemas.events import parse_stored

    data = {**envelope("race.classified", {"race_id": "r01", "round": 1, "entries": [car("1", "ann", 1)]}),
            "occurred_at": "2024-05-05T17:30:00"}
    assert parse_stored(json.dumps(data).encode()).occurred_at.isoformat() == "2024-05-05T17:30:00+00:00"


@pytest.mark.parametrize("suffix, text", [(".yaml", "name: " + "[" * 5000 + "]" * 5000), (".json", "[" * 50000 + "]" * 50000)])
def test_a_rules_file_nested_too_deeply_is_a_clear_error(tmp_path, suffix, text):
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    with pytest.raises(RulesFileError) as caught:
        load_rules(path)
    assert caught.value.problems == ["cannot read: nested too deeply"]


def rules_problems(rules: dict) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        registered(rules)
    return describe(caught.value)


def test_a_table_listing_must_be_one_of_the_three():
    (line,) = rules_problems(small_rules(tables=[{"id": "d", "name": "D", "listing": "everyone"}]))
    assert line.endswith("rules.tables.0.listing: Input should be 'entrants', 'finishers' or 'scorers'")


def test_countback_depth_must_be_all_or_points_places():
    (line,) = rules_problems(small_rules(ranking={"countback_depth": "podium"}))
    assert line.endswith("rules.ranking.countback_depth: Input should be 'all' or 'points_places'")


def test_a_table_points_table_must_name_known_classes():
    table = {"id": "teams", "name": "Teams", "kind": "teams", "points": [{"points": [8]}, {"classes": ["gt3"], "points": [5]}]}
    (line,) = rules_problems(small_rules(tables=[table]))
    assert line.endswith("rules: tables.0.points.1.classes: unknown class 'gt3' (known: pro, am)")


def test_countback_cars_is_best_or_all_and_only_for_team_tables():
    teams = {"id": "t", "name": "T", "kind": "teams", "countback_cars": "some"}
    (line,) = rules_problems(small_rules(tables=[teams]))
    assert line.endswith("rules.tables.0.countback_cars: Input should be 'best' or 'all'")
    (line,) = rules_problems(small_rules(tables=[{"id": "d", "name": "D", "countback_cars": "all"}]))
    assert line.endswith("rules: tables.0.countback_cars: only a team or manufacturer table counts its cars")
    (line,) = rules_problems(small_rules(tables=[{"id": "d", "name": "D", "places": "counted_cars"}]))
    assert line.endswith("rules: tables.0.places: only a team or manufacturer table counts places among its cars")


def test_a_bonus_names_only_tables_of_the_rules():
    bonus = {"kind": "fastest_lap", "points": 1, "tables": ["drivers", "teams"]}
    (line,) = rules_problems(small_rules(bonuses=[bonus]))
    assert line.endswith("rules: bonuses.0.tables: unknown table 'teams' (known: drivers)")
