"""The live feed of one championship as Server-Sent Events.

Event types (every ``id:`` is the championship's projection version):

- ``snapshot``: ``{"championship_id", "version", "tables": [...]}``, the current tables that
  match the filter. Sent on connect, and again whenever the client must resynchronise.
- ``change``: a ``standings.changed`` event (schemas.standings.StandingsChanged), its
  ``payload.tables`` and ``payload.changes`` narrowed to the filter; changes touching none of the
  filtered tables are not sent (their version is still accounted for).

Guarantees: versions sent only increase and none is skipped silently. A client that reconnects
with ``Last-Event-ID: N`` gets every change after N replayed from the changes stream, or a fresh
``snapshot`` when those changes are no longer all in the stream (trimmed) or more than
:data:`MAX_REPLAY` behind. A gap seen live (or a queue overflow) also yields a fresh snapshot.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from sse_starlette import ServerSentEvent

from services.gateway import store
from services.gateway.hub import RESYNC, Change, Hub, matches
from services.runtime.keys import changes_stream

MAX_REPLAY = 1_000
RETRY_MS = 1_000  # tells EventSource to reconnect after 1 s (browsers default to about 3 s)


class Feed:
    """The SSE events for one client; ``sent`` is the last version it has."""

    def __init__(self, redis: Redis, cid: str, table: str | None, class_id: str | None) -> None:
        self.redis, self.cid, self.table, self.class_id = redis, cid, table, class_id
        self.sent = 0

    async def events(self, hub: Hub, last_event_id: int | None) -> AsyncIterator[ServerSentEvent]:
        """Resume or snapshot, then follow the hub until the client leaves."""
        subscription = await hub.subscribe(self.cid)
        try:
            replay = await self._replay(last_event_id) if last_event_id is not None else None
            if replay is None:
                yield await self.snapshot()
            for change in replay or ():
                if (event := self.change(change)) is not None:
                    yield event
            while True:
                item = await subscription.queue.get()
                if item is RESYNC or item.version > self.sent + 1:
                    yield await self.snapshot()
                elif item.version > self.sent and (event := self.change(item)) is not None:
                    yield event
        finally:
            hub.unsubscribe(subscription)

    async def snapshot(self) -> ServerSentEvent:
        snap = await store.snapshot(self.redis, self.cid)
        self.sent = snap.version
        tables = [t for _, t in sorted(snap.tables.items()) if matches(t, self.table, self.class_id)]
        data = {"championship_id": self.cid, "version": snap.version, "tables": tables}
        return ServerSentEvent(json.dumps(data, separators=(",", ":")), event="snapshot", id=str(snap.version),
                               retry=RETRY_MS)

    def change(self, change: Change) -> ServerSentEvent | None:
        """The event for ``change`` (None when the filter keeps nothing); advances ``sent``."""
        self.sent = change.version
        data = change.data_for(self.table, self.class_id)
        return None if data is None else ServerSentEvent(data, event="change", id=str(change.version))

    async def _replay(self, after: int) -> list[Change] | None:
        """The changes after version ``after``, or None when they cannot all be replayed."""
        current = await store.version(self.redis, self.cid)
        behind = current - after
        if behind < 0 or behind > MAX_REPLAY:
            return None
        self.sent = after
        entries = await self.redis.xrevrange(changes_stream(self.cid), count=behind) if behind else []
        changes = sorted((Change.from_fields(fields) for _, fields in entries), key=lambda c: c.version)
        changes = [c for c in changes if c.version > after]
        if [c.version for c in changes] != list(range(after + 1, after + 1 + len(changes))) or len(changes) < behind:
            return None
        return changes

