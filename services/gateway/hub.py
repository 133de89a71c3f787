"""The fan-out: one Redis reader per process, one bounded queue per live client.

Guarantees:

- One ``XREAD BLOCK`` loop reads the ``standings:{cid}:changes`` streams of every championship
  that has at least one subscriber; each entry is parsed once and offered to every subscriber.
- A subscription sees every change appended after :meth:`Hub.subscribe` returned (the reader's
  position for a championship is taken when its first subscriber arrives), in stream order.
- Offering never waits: a subscriber whose queue is full loses its queued changes and receives
  :data:`RESYNC` instead, then the changes that follow; it re-reads a snapshot, the others never
  notice (a slow client never slows the rest).
- Redis errors are logged and retried after a pause from the same positions: nothing is skipped
  unless the stream was trimmed meanwhile (subscribers detect that as a version gap).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.runtime.keys import changes_stream
from services.runtime.redis import entry_json

log = structlog.get_logger("standings.gateway.hub")

RESYNC = object()  # put in a queue that overflowed: "re-read a snapshot"


@dataclass(eq=False)
class Change:
    """One ``standings.changed`` entry, parsed once, serialized once per distinct filter."""

    version: int
    raw: str
    event: dict
    _by_filter: dict = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: dict) -> Change:
        """Parse a changes-stream entry; KeyError/ValueError when it is not a standings.changed."""
        raw = entry_json(fields)
        raw = raw.decode() if isinstance(raw, bytes) else raw
        event = json.loads(raw)
        return cls(int(event["payload"]["version"]), raw, event)

    def data_for(self, table: str | None, class_id: str | None) -> str | None:
        """The event's JSON keeping only the tables the filter matches; None when none does."""
        if table is None and class_id is None:
            return self.raw
        if (table, class_id) not in self._by_filter:
            payload = self.event["payload"]
            tables = [t for t in payload["tables"] if matches(t, table, class_id)]
            changes = [c for c in payload["changes"] if matches(c, table, class_id)]
            filtered = {**self.event, "payload": {**payload, "tables": tables, "changes": changes}}
            self._by_filter[(table, class_id)] = json.dumps(filtered, separators=(",", ":")) if tables else None
        return self._by_filter[(table, class_id)]


def matches(item: dict, table: str | None, class_id: str | None) -> bool:
    """Whether a table (or a table change) passes the filter; None matches anything."""
    return table in (None, item["table_id"]) and class_id in (None, item["class_id"])


class Subscription:
    """A client's bounded queue of :class:`Change` (or :data:`RESYNC`) for one championship."""

    def __init__(self, championship_id: str, size: int) -> None:
        self.championship_id = championship_id
        self.queue: asyncio.Queue[Change | object] = asyncio.Queue(size)

    def offer(self, change: Change) -> None:
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)
            log.info("slow client dropped to resync", championship_id=self.championship_id)


class Hub:
    """Fans each championship's changes stream out to its subscribers; run :meth:`run` as a task."""

    def __init__(self, redis: Redis, queue_size: int = 64, batch: int = 100, block_ms: int = 250) -> None:
        """``redis`` should be a client of its own: its reads block for up to ``block_ms``."""
        self._redis, self._queue_size, self._batch, self._block_ms = redis, queue_size, batch, block_ms
        self._subscribers: dict[str, set[Subscription]] = {}
        self._positions: dict[str, bytes] = {}
        self._idle = asyncio.Event()  # set when a subscriber arrives
        self._stopped = False

    async def subscribe(self, championship_id: str) -> Subscription:
        if championship_id not in self._subscribers:
            latest = await self._redis.xrevrange(changes_stream(championship_id), count=1)
            if championship_id not in self._subscribers:  # another subscribe won the race
                self._positions[championship_id] = latest[0][0] if latest else b"0-0"
                self._subscribers[championship_id] = set()
                self._idle.set()
        subscription = Subscription(championship_id, self._queue_size)
        self._subscribers[championship_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        cid = subscription.championship_id
        subscribers = self._subscribers.get(cid, set())
        subscribers.discard(subscription)
        if not subscribers:
            self._subscribers.pop(cid, None)
            self._positions.pop(cid, None)

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
            except RedisError as exc:
                log.warning("changes read failed; retrying", error=str(exc))
                await asyncio.sleep(1)
                continue
            for stream, entries in reply or []:
                self._dispatch(stream.decode().split("{", 1)[1].split("}", 1)[0], entries)

    def _dispatch(self, cid: str, entries: list) -> None:
        if cid not in self._positions:
            return  # its last subscriber left meanwhile
        for entry_id, fields in entries:
            self._positions[cid] = entry_id
            try:
                change = Change.from_fields(fields)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("unreadable change skipped", championship_id=cid, entry_id=entry_id.decode(), error=repr(exc))
                continue
            for subscription in tuple(self._subscribers.get(cid, ())):
                subscription.offer(change)
