"""The fan-out: one Redis reader per process, one bounded queue per live client.

Guarantees:

- One ``XREAD BLOCK`` loop reads the ``standings:{cid}:changes`` streams of every championship
  that has at least one subscriber; each entry is parsed once and offered to every subscriber.
- Records are compact (schema version 2: the diff, no tables); clients get the changed tables in
  full all the same. They are read once per process, not per client: one HMGET of the tables
  hash per championship and read batch, so at most one per change (:func:`read_model.with_tables`).
  The hash may be at a later version than the change when it is read (a later commit landed):
  the change then carries those newer tables, and the next change follows as usual.
- A subscription sees every change appended after :meth:`Hub.subscribe` returned (the reader's
  position for a championship is taken when its first subscriber arrives), in stream order.
- Offering never waits: a subscriber whose queue is full loses its queued changes and receives
  :data:`RESYNC` instead, then the changes that follow; it re-reads a snapshot, the others never
  notice (a slow client never slows the rest).
- Redis errors (of the read, or of the tables' read) are logged and retried after a pause from
  the same positions: nothing is skipped unless the stream was trimmed meanwhile (subscribers
  detect that as a version gap).
- :meth:`Hub.close` (the server is stopping) replaces what every queue holds with :data:`CLOSED`,
  which nothing displaces, and every later subscription starts closed: each live feed ends at
  once, so the server's drain does not wait on clients that would otherwise stay forever.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from schemas.standings import ChangeRecord, read_changed
from services.runtime import read_model
from services.runtime.keys import changes_stream
from services.runtime.read_model import ChangeWithTables
from services.runtime.redis import entry_json

log = structlog.get_logger("standings.gateway.hub")

RESYNC = object()  # put in a queue that overflowed: "re-read a snapshot"
CLOSED = object()  # the last item of a closed subscription: "end the feed, the server is stopping"


@dataclass(eq=False)
class Change:
    """One ``standings.changed`` with its changed tables in full, serialized once per distinct filter."""

    version: int
    event: dict  # schema version 2: no payload.tables
    tables: dict[str, dict]  # "table_id/class_id" -> table, for the tables payload.changes names
    _by_filter: dict = field(default_factory=dict)

    @classmethod
    def of(cls, change: ChangeWithTables) -> Change:
        return cls(change.event["payload"]["version"], change.event, change.tables)

    def data_for(self, table: str | None, class_id: str | None) -> str | None:
        """The event with ``payload.tables``, both tables and changes narrowed to the filter; None when no table matches."""
        if (table, class_id) not in self._by_filter:
            payload = self.event["payload"]
            tables = [t for _, t in sorted(self.tables.items()) if matches(t, table, class_id)]
            changes = [c for c in payload["changes"] if matches(c, table, class_id)]
            filtered = {**self.event, "payload": {**payload, "tables": tables, "changes": changes}}
            self._by_filter[(table, class_id)] = orjson.dumps(filtered).decode() if tables else None
        return self._by_filter[(table, class_id)]


def read_entry(fields: dict) -> ChangeRecord:
    """The record of a changes-stream entry; KeyError/TypeError/ValueError when it is not a standings.changed."""
    return read_changed(entry_json(fields))


async def with_tables(redis: Redis, cid: str, records: list[ChangeRecord]) -> list[Change]:
    """``records`` of ``cid`` as :class:`Change`, their tables read once for all of them."""
    return [Change.of(change) for change in await read_model.with_tables(redis, cid, records)]


def matches(item: dict, table: str | None, class_id: str | None) -> bool:
    """Whether a table (or a table change) passes the filter; None matches anything."""
    return table in (None, item["table_id"]) and class_id in (None, item["class_id"])


class Subscription:
    """A client's bounded queue of :class:`Change` (or :data:`RESYNC`) for one championship."""

    def __init__(self, championship_id: str, size: int) -> None:
        self.championship_id = championship_id
        self.queue: asyncio.Queue[Change | object] = asyncio.Queue(size)
        self.closed = False

    def offer(self, change: Change) -> None:
        if self.closed:  # an overflow would otherwise replace CLOSED with RESYNC
            return
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)
            log.info("slow client dropped to resync", championship_id=self.championship_id)

    def close(self) -> None:
        """Drop what is queued (the feed is ending anyway) and queue :data:`CLOSED`."""
        if not self.closed:
            self.closed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(CLOSED)


class Hub:
    """Fans each championship's changes stream out to its subscribers; run :meth:`run` as a task."""

    def __init__(self, redis: Redis, queue_size: int = 64, batch: int = 100, block_ms: int = 250) -> None:
        """``redis`` should be a client of its own: its reads block for up to ``block_ms``."""
        self._redis, self._queue_size, self._batch, self._block_ms = redis, queue_size, batch, block_ms
        self._subscribers: dict[str, set[Subscription]] = {}
        self._positions: dict[str, bytes] = {}
        self._idle = asyncio.Event()  # set when a subscriber arrives
        self._stopped = False
        self._closed = False

    async def subscribe(self, championship_id: str) -> Subscription:
        if championship_id not in self._subscribers:
            latest = await self._redis.xrevrange(changes_stream(championship_id), count=1)
            if championship_id not in self._subscribers:  # another subscribe won the race
                self._positions[championship_id] = latest[0][0] if latest else b"0-0"
                self._subscribers[championship_id] = set()
                self._idle.set()
        subscription = Subscription(championship_id, self._queue_size)
        self._subscribers[championship_id].add(subscription)
        if self._closed:  # connected while the server stops: snapshot, then the end
            subscription.close()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        cid = subscription.championship_id
        subscribers = self._subscribers.get(cid, set())
        subscribers.discard(subscription)
        if not subscribers:
            self._subscribers.pop(cid, None)
            self._positions.pop(cid, None)

    def close(self) -> None:
        """End every live feed, now and from now on (see the module docstring); synchronous, for a signal handler."""
        self._closed = True
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.close()

    def stop(self) -> None:
        """Make :meth:`run` return after its current read."""
        self._stopped = True
        self._idle.set()

    async def run(self) -> None:
        """Read and fan out until cancelled.

        Each XREAD blocks at most ``block_ms``: a championship whose first subscriber arrives
        meanwhile joins the next read (its position is already fixed, so nothing is missed).
        Stop it with :meth:`stop` (returns within ``block_ms``), not by cancelling the task:
        redis-py 8 may swallow a cancellation that lands as a command starts, and the loop would
        go on. For the same reason a blocked read is never cancelled to add a stream sooner.
        """
        while not self._stopped:
            if not self._positions:
                await self._idle.wait()
                self._idle.clear()
                continue
            streams = {changes_stream(cid): position for cid, position in self._positions.items()}
            try:
                reply = await self._redis.xread(streams, count=self._batch, block=self._block_ms)
                for stream, entries in reply or []:
                    await self._dispatch(stream.decode().split("{", 1)[1].split("}", 1)[0], entries)
            except RedisError as exc:
                log.warning("changes read failed; retrying", error=str(exc))
                await asyncio.sleep(1)

    async def _dispatch(self, cid: str, entries: list) -> None:
        """Offer the entries, with their tables, to ``cid``'s subscribers; the position moves only then."""
        if cid not in self._positions:
            return  # its last subscriber left meanwhile
        records = []
        for entry_id, fields in entries:
            try:
                records.append(read_entry(fields))
            except (KeyError, TypeError, ValueError) as exc:
                log.error("unreadable change skipped", championship_id=cid, entry_id=entry_id.decode(), error=repr(exc))
        changes = await with_tables(self._redis, cid, records)
        if cid not in self._positions:
            return
        self._positions[cid] = entries[-1][0]
        for change in changes:
            for subscription in tuple(self._subscribers.get(cid, ())):
                subscription.offer(change)
