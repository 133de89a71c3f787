"""The fact store: the latest revision of every fact a championship has been told.

Facts, not deltas: recording is idempotent (a duplicate changes nothing) and commutative
(the winner of two revisions of one fact does not depend on their arrival order), so any
permutation of the same events leaves the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.events import ChampionshipRegistered, Event, RaceClassified, StandingsAdjusted, fact_key, supersedes
from schemas.payloads import ClassAward
from schemas.rules import Rules
from services.engine.errors import RuleViolation

Facts = dict[str, Event]


def record(facts: Facts, event: Event, *, against_rules: bool = True) -> bool:
    """Keep `event` if it supersedes the fact it states; return whether a fact changed.

    Raises RuleViolation, leaving `facts` untouched, when the event breaks the registered rules.
    `against_rules=False` records an event that was accepted under the rules of its time (a
    rebuild replaying what the live projector took): a later rules revision does not undo it,
    the tables simply leave out what the current rules do not know.
    """
    if against_rules:
        check(facts, event)
    key = fact_key(event)
    current = facts.get(key)
    if current is not None and not supersedes(event, current):
        return False
    facts[key] = event
    return True


@dataclass
class BatchResult:
    """What recording a batch of events did to a fact store."""

    changed: dict[str, Event] = field(default_factory=dict)  # fact key -> the event now stating it
    causes: list[Event] = field(default_factory=list)  # events that changed a fact and still state it
    duplicates: list[str] = field(default_factory=list)  # event ids that changed nothing
    violations: list[tuple[Event, RuleViolation]] = field(default_factory=list)

    @property
    def handled(self) -> list[str]:
        """Ids of the events that are done with: applied or duplicate (not the violations)."""
        return [e.event_id for e in self.causes] + self.duplicates


def apply_batch(facts: Facts, events: Iterable[Event], *, against_rules: bool = True) -> BatchResult:
    """Record `events` in order into `facts` (in place).

    A fact changed twice in one batch is caused by its survivor alone: the other event changed
    nothing that anyone will see, so it counts as a duplicate. Events that break the rules are
    returned as violations and leave `facts` untouched.
    """
    result = BatchResult()
    changing: list[Event] = []
    seen: set[str] = set()
    for event in events:
        if event.event_id in seen:
            result.duplicates.append(event.event_id)
            continue
        try:
            changed = record(facts, event, against_rules=against_rules)
        except RuleViolation as violation:
            # Kept without its traceback: the frames it holds would keep the caller's state alive.
            result.violations.append((event, violation.with_traceback(None)))
            continue
        seen.add(event.event_id)
        if changed:
            result.changed[fact_key(event)] = event
            changing.append(event)
        else:
            result.duplicates.append(event.event_id)
    survivors = {e.event_id for e in result.changed.values()}
    result.causes = [e for e in changing if e.event_id in survivors]
    result.duplicates += [e.event_id for e in changing if e.event_id not in survivors]
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
    classes, calendar = rules.class_ids, rules.schedule
    p = event.payload
    if isinstance(event, RaceClassified):
        _check_race(calendar, p.race_id, p.round)
        at = calendar.get(p.race_id)
        if at and p.track is not None and p.track != at.track:
            raise RuleViolation("payload.track", f"race {p.race_id!r} is at {at.track!r}, not {p.track!r}")
        if at and p.session_type != at.race.session_type:
            kind = at.race.session_type
            raise RuleViolation("payload.session_type", f"race {p.race_id!r} is a {kind!r} session, not {p.session_type!r}")
        for i, car in enumerate(p.entries):
            if car.class_id not in classes:
                raise _unknown_class(f"payload.entries.{i}.class_id", car.class_id, classes)
        if not any(table.session_type == p.session_type for table in rules.points):
            raise RuleViolation("payload.session_type", f"no points table for session type {p.session_type!r}")
    elif isinstance(p, ClassAward):
        if p.shared_with and event.type == "pole.awarded":
            raise RuleViolation("payload.shared_with", "a pole is not shared: name the one car that takes it")
        _check_race(calendar, p.race_id, p.round)
        if p.class_id not in classes:
            raise _unknown_class("payload.class_id", p.class_id, classes)
    elif isinstance(event, StandingsAdjusted) and p.class_id is not None and p.class_id not in classes:
        raise _unknown_class("payload.class_id", p.class_id, classes)


def _unknown_class(field: str, class_id: str, classes: frozenset[str]) -> RuleViolation:
    return RuleViolation(field, f"unknown class {class_id!r} (known: {', '.join(sorted(classes))})")


def _check_race(calendar: dict, race_id: str, round_: int) -> None:
    if not calendar:
        return  # a league without a published calendar: any race id is accepted
    if race_id not in calendar:
        raise RuleViolation("payload.race_id", f"race {race_id!r} is not in the calendar")
    expected = calendar[race_id].round
    if expected != round_:
        raise RuleViolation("payload.round", f"race {race_id!r} belongs to round {expected}, not {round_}")
