"""One championship's facts and standings, kept current event by event.

`Championship.apply(events)` records the events and recomputes only what they change: the
championship's `Memory` lends every race score and table whose input events are unchanged, so a
live event costs the race it touches and the tables that count that race. The pure function
`standings(facts)` stays the specification: after any sequence of `apply` calls, `tables` equals
`standings(facts)` byte for byte once serialized (tests/unit/test_championship.py checks it for
generated sequences: shuffled, duplicated, revised, with rules revisions and adjustments).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.events import Event
from services.engine.diff import diff_tables
from services.engine.facts import BatchResult, Facts, apply_batch
from services.engine.memory import Memory
from services.engine.projection import standings


@dataclass
class Update:
    """What one `Championship.apply` did: the facts it changed and the tables that moved."""

    batch: BatchResult
    tables: dict[str, dict] = field(default_factory=dict)  # key -> the table now, for each table that changed
    before: dict[str, dict] = field(default_factory=dict)  # key -> the table before, for those that existed
    dropped: list[str] = field(default_factory=list)  # tables the rules no longer keep

    @property
    def changes(self) -> list[dict]:
        """The diff a `standings.changed` announces (see `diff_tables`)."""
        return diff_tables(self.before, self.tables)


class Championship:
    """Facts and tables of one championship; `tables` are those last announced (or loaded)."""

    def __init__(self, facts: Mapping[str, Event] | None = None, tables: Mapping[str, dict] | None = None,
                 memory: Memory | None = None) -> None:
        """Start from stored `facts` and the `tables` stored with them (computed when not given).

        `memory` may be that of an earlier state of the same championship whose rules and
        adjustments are the very objects in `facts`: what it holds of unchanged facts is reused.
        """
        self.facts: Facts = dict(facts or {})
        self.memory = memory if memory is not None else Memory()
        self.tables: dict[str, dict] = dict(tables) if tables is not None else standings(self.facts, memory=self.memory)

    def apply(self, events: Iterable[Event], *, against_rules: bool = True) -> Update:
        """Record `events` (see `apply_batch`) and bring the tables up to date with them."""
        update = Update(apply_batch(self.facts, events, against_rules=against_rules))
        if not update.batch.changed:
            return update
        if any(key == "rules" or key.startswith("adjustment:") for key in update.batch.changed):
            # Rare, and touching every table: start afresh, so entries of tables or exclusions
            # that no longer apply do not pile up.
            self.memory = Memory()
        current = standings(self.facts, memory=self.memory)
        for key, table in current.items():
            old = self.tables.get(key)
            if old is not table and old != table:  # tables the memory lent are the very objects held
                update.tables[key] = table
                if old is not None:
                    update.before[key] = old
        update.dropped = sorted(key for key in self.tables if key not in current)
        self.tables = current
        return update
