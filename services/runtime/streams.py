"""Consumer-group plumbing shared by the projector and the notifier.

Both read a stream as one consumer of a group plus a claimer (XAUTOCLAIM of entries left pending
by a dead or stuck consumer), acknowledge by hand, count deliveries against a limit and write
dead letters. What is the same for both lives here:

- `subscribe_group`: the consumer and the claimer as FastStream batch subscribers, manual ack,
  given the raw entries (`raw_entries`), so no entry can fail before the handler sees it;
- `delivery_counts`: deliveries per entry (XPENDING), for the delivery limit;
- `kept_claimed`: re-claims a batch's entries while they are being worked on, so a slow batch
  is not handed to the claimer as if its consumer had died;
- `dead_letter_fields` and `fields_json`: the common fields of a dead letter.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from redis.asyncio import Redis

Handle = Callable[[Sequence[bytes], Sequence[dict], bool], Awaitable[None]]  # (ids, entries, claimed)


async def raw_entries(message: Mapping[str, Any], original: Callable[[Mapping[str, Any]], Awaitable[Any]]) -> Any:
    """The batch as FastStream's parser makes it, but without its decoding of the entries.

    That decoding turns every field into text, so one field that is not UTF-8 raised before the
    handler and left the entry pending forever. Handlers read the raw entries from `raw_message`
    themselves (and dead-letter what they cannot read), so the parser is given none.
    """
    parsed = await original({**message, "data": []})
    parsed.raw_message = message
    return parsed


def subscribe_group(broker: RedisBroker, stream: str, group: str, consumer: str, handle: Handle, *,
                    max_records: int, claim_idle_ms: int, title: str, persistent: bool = True) -> list:
    """Subscribe `consumer` (new entries) and `<consumer>-claim` (entries idle past `claim_idle_ms`)."""
    subscribers = []
    for name, idle in ((consumer, None), (f"{consumer}-claim", claim_idle_ms)):
        sub = broker.subscriber(
            stream=StreamSub(stream, group=group, consumer=name, batch=True, max_records=max_records, min_idle_time=idle),
            ack_policy=AckPolicy.MANUAL, parser=raw_entries, persistent=persistent,
            title=f"{title}.{'claims' if idle else 'events'}")
        sub(_calling(handle, claimed=idle is not None))
        subscribers.append(sub)
    return subscribers


def _calling(handle: Handle, *, claimed: bool):
    async def on_batch(msg: RedisBatchStreamMessage) -> None:
        await handle(msg.raw_message["message_ids"], msg.raw_message["data"], claimed)
    return on_batch


async def delivery_counts(client: Redis, stream: str, group: str, ids: Sequence[bytes]) -> dict[bytes, int]:
    """Times each entry has been delivered (one pipeline); 1 for entries not pending."""
    async with client.pipeline(transaction=False) as pipe:
        for sid in ids:
            pipe.xpending_range(stream, group, min=sid, max=sid, count=1)
        replies = await pipe.execute()
    return {sid: int(r[0]["times_delivered"]) if r else 1 for sid, r in zip(ids, replies, strict=True)}


@asynccontextmanager
async def kept_claimed(client: Redis, stream: str, group: str, consumer: str, ids: Sequence[bytes],
                       interval_s: float) -> AsyncIterator[set[bytes]]:
    """Yield the set of ids still being worked on (discard them when done); keep them claimed.

    Every `interval_s` the ids still in the set are re-claimed (XCLAIM ... JUSTID resets their
    idle time without counting a delivery). A failed heartbeat is ignored: the next one retries.

    The heartbeat ends on a flag set when the block ends, and is cancelled too: on Python 3.11 a
    cancellation can be lost (`asyncio.wait_for`, which redis-py sends commands through, returns
    normally when it lands as the send completes), and a heartbeat ended by cancellation alone then
    ran for good, holding the batch's handler forever in its wait for it. The wait never swallows
    a cancellation of the caller either (a stopping service gets its task back).
    """
    pending = set(ids)
    done = asyncio.Event()

    async def heartbeat() -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=interval_s)
            if done.is_set():
                return
            with suppress(Exception):
                if pending:
                    await client.xclaim(stream, group, consumer, 0, list(pending), justid=True)

    task = asyncio.create_task(heartbeat())
    try:
        yield pending
    finally:
        done.set()
        task.cancel()
        await asyncio.wait([task])  # at once, or after the XCLAIM in hand if the cancellation was lost


def dead_letter_fields(*, reason: str, stream_id: bytes | str, payload: bytes | str,
                       **context: bytes | str | int | None) -> dict[str, bytes | str]:
    """One dead letter: why, which entry, its payload, when (`failed_at`, ISO 8601 UTC), and the
    `context` the service knows (event_id, championship_id, ...; None becomes empty)."""
    failed_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    values = {"reason": reason, "stream_id": stream_id, "payload": payload, **context, "failed_at": failed_at}
    return {k: "" if v is None else v if isinstance(v, bytes | str) else str(v) for k, v in values.items()}


def fields_json(fields: Mapping[bytes | str, bytes | str]) -> str:
    """An entry's fields as JSON text (bytes that are not UTF-8 replaced), for an entry with no `data`."""
    def text(v: bytes | str) -> str:
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)

    return json.dumps({text(k): text(v) for k, v in fields.items()}, sort_keys=True)
