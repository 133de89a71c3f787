"""The fact store: the latest revision of every fact a championship has been told.

Facts, not deltas: recording is idempotent (a duplicate changes nothing) and commutative
(the winner of two revisions of one fact does not depend on their arrival order), so any
permutation of the same events leaves the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from schemas.events import (
    ChampionshipRegistered,
    ClassAward,
    Event,
    RaceClassified,
    StandingsAdjusted,
    fact_key,
    supersedes,
)
from schemas.rules import Rules
from services.engine.errors import RuleViolation

Facts = dict[str, Event]


def record(facts: Facts, event: Event) -> bool:
    """Keep `event` if it supersedes the fact it states; return whether a fact changed.

    Raises RuleViolation, leaving `facts` untouched, when the event breaks the registered rules.
    """
    check(facts, event)
    key = fact_key(event)
    current = facts.get(key)
    if current is not None and not supersedes(event, current):
        return False
    facts[key] = event
    return True


def apply_events(facts: Mapping[str, Event], events: Iterable[Event]) -> Facts:
    """A new fact store with `events` recorded; events that break the rules are skipped."""
    result = dict(facts)
    for event in events:
        try:
            record(result, event)
        except RuleViolation:
            continue
    return result


def rules_of(facts: Mapping[str, Event]) -> Rules | None:
    registration = facts.get("rules")
    return registration.payload.rules if registration is not None else None


def check(facts: Mapping[str, Event], event: Event) -> None:
    """Raise RuleViolation when `event` contradicts the championship's registered rules."""
    if isinstance(event, ChampionshipRegistered):
        return
    rules = rules_of(facts)
    if rules is None:
        raise RuleViolation("championship_id", f"unknown championship {event.championship_id!r}: register its rules first")
    classes = {c.id for c in rules.classes}
    known = ", ".join(sorted(classes))
    calendar = {race.race_id: r for r in rules.calendar for race in r.races}
    p = event.payload
    if isinstance(event, RaceClassified):
        _check_race(calendar, p.race_id, p.round)
        if calendar and p.track is not None and p.track != calendar[p.race_id].track:
            raise RuleViolation("payload.track", f"race {p.race_id!r} is at {calendar[p.race_id].track!r}, not {p.track!r}")
        for i, car in enumerate(p.entries):
            if car.class_id not in classes:
                raise RuleViolation(f"payload.entries.{i}.class_id", f"unknown class {car.class_id!r} (known: {known})")
        if not any(table.session_type == p.session_type for table in rules.points):
            raise RuleViolation("payload.session_type", f"no points table for session type {p.session_type!r}")
    elif isinstance(p, ClassAward):
        _check_race(calendar, p.race_id, p.round)
        if p.class_id not in classes:
            raise RuleViolation("payload.class_id", f"unknown class {p.class_id!r} (known: {known})")
    elif isinstance(event, StandingsAdjusted) and p.class_id is not None and p.class_id not in classes:
        raise RuleViolation("payload.class_id", f"unknown class {p.class_id!r} (known: {known})")


def _check_race(calendar: dict, race_id: str, round_: int) -> None:
    if not calendar:
        return  # a league without a published calendar: any race id is accepted
    if race_id not in calendar:
        raise RuleViolation("payload.race_id", f"race {race_id!r} is not in the calendar")
    expected = calendar[race_id].round
    if expected != round_:
        raise RuleViolation("payload.round", f"race {race_id!r} belongs to round {expected}, not {round_}")
