"""Reading the event log back, and replaying it as the live projector applied it (for rebuilds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from redis.asyncio import Redis

from schemas.events import ChampionshipRegistered, Event, EventTooLarge, parse_event
from services.engine import apply_batch
from services.runtime.accepted import Entry
from services.runtime.redis import DATA_FIELD
from services.runtime.settings import Settings

Progress = Callable[[int, int], None]  # (entries read, entries in the log when the rebuild started)


@dataclass
class EventLog:
    """The event log as read so far: each championship's valid entries, in stream order."""

    client: Redis
    settings: Settings
    progress: Progress | None
    page_size: int
    total: int = 0
    read: int = 0
    invalid: int = 0
    last_id: str | None = None
    entries: dict[str, list[Entry]] = field(default_factory=dict)

    async def read_on(self) -> None:
        """Read from after the last entry read to the current end of the stream."""
        while True:
            start = "-" if self.last_id is None else f"({self.last_id}"
            page = await self.client.xrange(self.settings.events_stream, min=start, count=self.page_size)
            if not page:
                return
            for sid, fields in page:
                self.last_id = sid.decode() if isinstance(sid, bytes) else sid
                raw = fields.get(DATA_FIELD.encode(), fields.get(DATA_FIELD))
                try:
                    event = parse_event(raw) if raw is not None else None
                except (ValidationError, EventTooLarge):
                    event = None
                if event is None:
                    self.invalid += 1
                    continue
                self.entries.setdefault(event.championship_id, []).append(Entry(self.last_id, event))
            self.read += len(page)
            if self.progress is not None:
                self.progress(self.read, max(self.total, self.read))


    async def dead_lettered(self) -> set[str]:
        """The stream ids of the entries the live projector dead-lettered (as the dead letters keep them)."""
        ids: set[str] = set()
        start = "-"
        while page := await self.client.xrange(self.settings.dead_letter_stream, min=start, count=self.page_size):
            ids.update(fields.get(b"stream_id", b"").decode() for _, fields in page)
            start = f"({page[-1][0].decode()}"
        return ids


def first_of_each_id(entries: list[Entry]) -> list[Entry]:
    """Log order, each event id once: a reused id is a duplicate live, so it is here."""
    seen: set[str] = set()
    return [e for e in entries if not (e.event.event_id in seen or seen.add(e.event.event_id))]


def replay_as_live(facts: dict[str, Event], events: list[Event]) -> tuple[list[str], int]:
    """Apply `events` in log order as the live projector would: each checked against the rules in
    force when it comes, and one that breaks them retried after every later registration (live
    retries it until the rules it needs arrive, see handler.py). Returns the ids handled and how
    many still break the rules at the end (live dead-letters those)."""
    handled: list[str] = []
    waiting: list[Event] = []
    for event in events:
        batch = apply_batch(facts, [event])
        handled += batch.handled
        waiting += [e for e, _ in batch.violations]
        if isinstance(event, ChampionshipRegistered) and waiting:
            retried = apply_batch(facts, waiting)
            handled += retried.handled
            waiting = [e for e, _ in retried.violations]
    return handled, len(waiting)
