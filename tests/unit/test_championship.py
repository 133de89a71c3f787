"""The incremental state gives exactly the tables of the pure specification, `standings(facts)`."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from services.engine import Championship, RuleViolation, standings
from tests.builders import car, classified, registered
from tests.unit.test_properties import RULES, seasons


def as_bytes(tables: dict) -> str:
    return json.dumps(tables, sort_keys=True)


def applied_in_steps(events, cuts: list[int]) -> Championship:
    """A state fed `events` in consecutive batches cut at `cuts`, each recomputed as live."""
    state = Championship()
    bounds = [0, *sorted(set(cuts)), len(events)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        state.apply(events[start:end])
    return state


@st.composite
def live_sequences(draw):
    """A season's events shuffled (registration first), some delivered twice, cut into batches."""
    events = draw(seasons())
    rest = draw(st.permutations(events[1:]))
    again = draw(st.lists(st.sampled_from(events), max_size=4))
    sequence = [events[0], *rest, *again]
    cuts = draw(st.lists(st.integers(1, len(sequence)), max_size=len(sequence)))
    return sequence, cuts


@settings(max_examples=200, deadline=None)
@given(live_sequences())
def test_applying_events_in_any_batches_gives_the_tables_of_the_pure_engine(sequence_and_cuts):
    sequence, cuts = sequence_and_cuts
    state = applied_in_steps(sequence, cuts)
    assert as_bytes(state.tables) == as_bytes(standings(state.facts))


@settings(max_examples=50, deadline=None)
@given(live_sequences())
def test_a_state_loaded_from_stored_facts_and_tables_goes_on_as_the_live_one(sequence_and_cuts):
    sequence, cuts = sequence_and_cuts
    half = len(sequence) // 2
    live = applied_in_steps(sequence[:half], cuts)
    reloaded = Championship(live.facts, json.loads(json.dumps(live.tables)))
    for state in (live, reloaded):
        state.apply(sequence[half:])
    assert as_bytes(reloaded.tables) == as_bytes(live.tables) == as_bytes(standings(live.facts))


def test_an_update_reports_only_the_tables_that_changed():
    registration = registered(RULES)
    state = Championship()
    first = state.apply([registration])
    assert set(first.tables) == set(standings(state.facts)) and not first.before
    again = state.apply([registration])
    assert not again.tables and not again.batch.changed and again.batch.duplicates == [registration.event_id]
    race = state.apply([classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2)])])
    assert set(race.tables) == {"drivers/pro", "drivers/am", "teams/overall"} == set(race.before)  # rounds held, too
    assert {c["table"]: c["leader_change"] for c in race.changes}["drivers/pro"] == {"from": None, "to": "ann"}


def test_events_that_break_the_rules_leave_the_state_as_it_was():
    state = Championship()
    tables = state.apply([]).tables
    update = state.apply([classified("r1", 1, [car("1", "ann", 1)])])
    assert [type(v) for _, v in update.batch.violations] == [RuleViolation]
    assert state.facts == {} and state.tables == tables == {}
