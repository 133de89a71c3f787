"""The incremental state gives exactly the tables of the pure specification, `standings(facts)`."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import parse_stored
from services.engine import Championship, RuleViolation, standings
from services.projector.stored import dump_event
from tests.builders import adjusted, award, car, classified, registered, small_rules
from tests.unit.test_properties import DRIVERS, RULES, seasons


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


# Tables that count only some races, drivers or cars, and a calendar revision that swaps the rounds
# of r2 and r3: the table remembered for a round must not outlive a change of what is still to run.
FILTERED = small_rules(
    drops=[{"drop_worst": 1, "protected_races": ["r4"]}],
    bonuses=[{"kind": "pole", "points": 2, "tables": ["drivers", "pairs", "odd"]}],
    tables=[
        {"id": "drivers", "name": "Drivers"},
        {"id": "teams", "name": "Teams", "kind": "teams", "cars_per_race": 1},
        {"id": "pairs", "name": "Pairs", "kind": "teams", "per_class": False, "cars_per_race": 2, "countback_cars": "all",
         "points": [{"points": [8, 5, 3]}, {"classes": ["am"], "points": [4, 2]}]},
        {"id": "junior", "name": "Junior", "drivers": ["ann", "cy", "eve"]},
        {"id": "tracks", "name": "Tracks", "tracks": ["a", "c"], "listing": "finishers"},
        {"id": "odd", "name": "Odd rounds", "rounds": [1, 3], "listing": "scorers"},
    ],
    ranking={"countback_depth": "points_places"},
)
SWAPPED = {**FILTERED, "calendar": [{"round": 1, "track": "a", "races": [{"race_id": "r1"}]},
                                    {"round": 2, "track": "c", "races": [{"race_id": "r3"}]},
                                    {"round": 3, "track": "b", "races": [{"race_id": "r2"}]},
                                    {"round": 4, "track": "d", "races": [{"race_id": "r4"}]}],
           "tables": [t for t in FILTERED["tables"] if t["id"] != "junior"]}  # and one table fewer
ROUNDS = {"r1": [1], "r2": [2, 3], "r3": [3, 2], "r4": [4]}


@st.composite
def filtered_sequences(draw):
    """Races in either calendar's round (the rules in force refuse the other), a driver in two cars."""
    events = [registered(FILTERED)]
    if draw(st.booleans()):
        events.append(registered(SWAPPED, revision=2))
    for race_id, rounds in ROUNDS.items():
        for revision in range(1, draw(st.integers(0, 2)) + 1):
            order = draw(st.permutations(DRIVERS))
            cars = [car(str(i), d, pos, team=("red", "blue", "green")[i % 3], class_id="am" if i > 4 else "pro")
                    for pos, d in enumerate(order, start=1) for i in [DRIVERS.index(d) + 1]]
            if draw(st.booleans()):  # ann also drives a second car
                cars.append(car("99", "ann", len(cars) + 1, team="green", class_id="am"))
            events.append(classified(race_id, draw(st.sampled_from(rounds)), cars, revision=revision))
        if draw(st.booleans()):
            events.append(award("pole.awarded", race_id, rounds[0], "2", "bob"))
    if draw(st.booleans()):
        events.append(adjusted("x", "result_excluded", draw(st.sampled_from(DRIVERS[:4])), race_id="r1"))
    rest = draw(st.permutations(events[1:]))
    return [events[0], *rest]


@settings(max_examples=200, deadline=None)
@given(filtered_sequences())
def test_each_update_names_exactly_the_tables_that_changed(sequence):
    """Event by event, against the pure engine: the tables, and what each update says changed."""
    state, facts = Championship(), {}
    for event in sequence:
        before = standings(facts)
        update = state.apply([event])
        facts = dict(state.facts)
        now = standings(facts)
        assert as_bytes(state.tables) == as_bytes(now)
        assert update.tables == {k: t for k, t in now.items() if before.get(k) != t}
        assert update.before == {k: before[k] for k in update.tables if k in before}
        assert update.dropped == sorted(k for k in before if k not in now)


def test_a_table_remembered_for_a_round_is_not_reused_once_what_is_left_to_run_changed():
    """A calendar revision postpones r2 to round 3 after r2 ran in round 2; then r2's revision moves it.

    The table of round 2 counts the same races before and after (rounds 1 and 3 only), but r2 is
    no longer behind it: the races left to run, so the drops and the positions, differ.
    """
    def rules(calendar):
        return {**small_rules(points=[{"points": [10, 6, 4]}], drops=[{"drop_worst": 1}],
                              tables=[{"id": "sub", "name": "Sub", "rounds": [1, 3]}]),
                "classes": [{"id": "pro", "name": "Pro"}],
                "calendar": [{"round": n, "track": t, "races": [{"race_id": r}]} for n, t, r in calendar]}

    batches = [
        [registered(rules([(1, "a", "r1"), (2, "b", "r2"), (3, "c", "r3")])),
         classified("r1", 1, [car("1", "ann", 1), car("2", "bob", 2)]),
         classified("r2", 2, [car("1", "ann", 2), car("2", "bob", 1)]),
         adjusted("d1", "points_deduction", "ann", points=3)],
        [registered(rules([(1, "a", "r1"), (2, "b", "r9"), (3, "c", "r2")]), revision=2)],
        [classified("r9", 2, [car("1", "ann", 1), car("2", "bob", 2)])],
        [classified("r2", 3, [car("1", "ann", 2), car("2", "bob", 1)], revision=2)],
    ]
    state = Championship()
    for batch in batches:
        assert not state.apply(batch).batch.violations
    assert as_bytes(state.tables) == as_bytes(standings(state.facts))


@settings(max_examples=50, deadline=None)
@given(live_sequences())
def test_a_state_loaded_from_stored_facts_and_tables_goes_on_as_the_live_one(sequence_and_cuts):
    sequence, cuts = sequence_and_cuts
    half = len(sequence) // 2
    live = applied_in_steps(sequence[:half], cuts)
    stored_facts = {key: parse_stored(dump_event(e).encode()) for key, e in live.facts.items()}  # as Redis gives them back
    reloaded = Championship(stored_facts, json.loads(json.dumps(live.tables)))
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
    # every table: rounds held changed
    assert set(race.tables) == {"drivers/pro", "drivers/am", "teams/overall", "makes/pro", "makes/am"} == set(race.before)
    assert {c["table"]: c["leader_change"] for c in race.changes}["drivers/pro"] == {"from": None, "to": "ann"}


def test_events_that_break_the_rules_leave_the_state_as_it_was():
    state = Championship()
    tables = state.apply([]).tables
    update = state.apply([classified("r1", 1, [car("1", "ann", 1)])])
    assert [type(v) for _, v in update.batch.violations] == [RuleViolation]
    assert update.batch.violations[0][1].__traceback__ is None  # its frames would pin this state
    assert state.facts == {} and state.tables == tables == {}
