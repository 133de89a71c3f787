"""The live feed of one championship as Server-Sent Events.

Event types (every ``id:`` is the championship's projection version):

- ``snapshot``: ``{"championship_id", "version", "tables": [...]}``, the current tables that
  match the filter. Sent on connect, and again whenever the client must resynchronise.
- ``change``: a ``standings.changed`` event (schemas.standings.StandingsChanged) plus
  ``payload.tables``, the changed tables in full (read from the tables hash, see :mod:`.hub`),
  both narrowed to the filter; changes touching none of the filtered tables are not sent (their
  version is still accounted for).

Guarantees: versions sent only increase and none is skipped silently. A client that reconnects
with ``Last-Event-ID: N`` gets every change after N replayed from the changes stream, or a fresh
``snapshot`` when those changes are no longer all in the stream (trimmed) or more than
:data:`MAX_REPLAY` behind. A gap seen live (or a queue overflow) also yields a fresh snapshot.
When the server stops (:meth:`Hub.close`), the feed sends a last comment with ``retry:`` and ends
the response cleanly; EventSource then reconnects by itself, with ``Last-Event-ID``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from redis.asyncio import Redis
from sse_starlette import ServerSentEvent

from services.gateway.hub import CLOSED, RESYNC, Change, Hub, matches, read_entry, with_tables
from services.runtime import metrics, read_model
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
        metrics.SSE_CLIENTS.inc()
        try:
            replay = await self._replay(last_event_id) if last_event_id is not None else None
            if replay is None:
                yield await self.snapshot()
            for change in replay or ():
                if (event := self.change(change)) is not None:
                    yield event
            while True:
                item = await subscription.queue.get()
                if item is CLOSED:
                    yield ServerSentEvent(comment="server stopping; reconnect", retry=RETRY_MS)
                    return
                if item is RESYNC or item.version > self.sent + 1:
                    yield await self.snapshot()
                elif item.version > self.sent and (event := self.change(item)) is not None:
                    yield event
        finally:
            metrics.SSE_CLIENTS.dec()
            hub.unsubscribe(subscription)

    async def snapshot(self) -> ServerSentEvent:
        snap = await read_model.snapshot(self.redis, self.cid)
        self.sent = snap.version
        tables = [t for _, t in sorted(snap.tables.items()) if matches(t, self.table, self.class_id)]
        data = {"championship_id": self.cid, "version": snap.version, "tables": tables}
        metrics.SSE_MESSAGES.labels("snapshot").inc()
        return ServerSentEvent(orjson.dumps(data).decode(), event="snapshot", id=str(snap.version),
                               retry=RETRY_MS)

    def change(self, change: Change) -> ServerSentEvent | None:
        """The event for ``change`` (None when the filter keeps nothing); advances ``sent``."""
        self.sent = change.version
        data = change.data_for(self.table, self.class_id)
        if data is None:
            return None
        metrics.SSE_MESSAGES.labels("change").inc()
        return ServerSentEvent(data, event="change", id=str(change.version))

    async def _replay(self, after: int) -> list[Change] | None:
        """The changes after version ``after``, or None when they cannot all be replayed.

        Their tables are read once for all of them: the current ones (see :mod:`.hub`).
        """
        current = await read_model.current_version(self.redis, self.cid)
        behind = current - after
        if behind < 0 or behind > MAX_REPLAY:
            return None
        self.sent = after
        entries = await self.redis.xrevrange(changes_stream(self.cid), count=behind) if behind else []
        records = sorted((read_entry(fields) for _, fields in entries), key=lambda r: r.version)
        records = [r for r in records if r.version > after]
        if [r.version for r in records] != list(range(after + 1, after + 1 + len(records))) or len(records) < behind:
            return None
        return await with_tables(self.redis, self.cid, records)

