"""Consumer-group bookkeeping for the notifier: delivery counts and keeping entries claimed.

- `delivery_counts`: how many times each entry was delivered (XPENDING), for the delivery limit.
- `held`: while a batch is being worked on, its owner re-claims the entries still pending every
  `interval_s` (XCLAIM ... JUSTID, which resets the idle time without counting a delivery), so a
  claimer (XAUTOCLAIM with `min_idle_time`) never hands out an entry that is merely slow, e.g.
  waiting on webhook retries. Failures of the heartbeat itself are ignored (the next one retries).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis


async def delivery_counts(client: Redis, stream: str, group: str, ids: Sequence[bytes]) -> dict[bytes, int]:
    """Times each entry has been delivered (one pipeline); 1 for entries not pending."""
    async with client.pipeline(transaction=False) as pipe:
        for sid in ids:
            pipe.xpending_range(stream, group, min=sid, max=sid, count=1)
        replies = await pipe.execute()
    return {sid: int(r[0]["times_delivered"]) if r else 1 for sid, r in zip(ids, replies, strict=True)}


@asynccontextmanager
async def held(client: Redis, stream: str, group: str, consumer: str, ids: Sequence[bytes],
               interval_s: float) -> AsyncIterator[set[bytes]]:
    """Yield the set of ids still being worked on (discard them when done); keep them claimed."""
    pending = set(ids)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(interval_s)
            with suppress(Exception):
                if pending:
                    await client.xclaim(stream, group, consumer, 0, list(pending), justid=True)

    task = asyncio.create_task(heartbeat())
    try:
        yield pending
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
