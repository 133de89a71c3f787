"""One reader per sink over every championship's changes stream: a cost flat in championships.

A FastStream stream subscriber reads one stream, and each blocks a connection in XREADGROUP:
with a subscriber pair per (championship, sink) the notifier needed 2 x (webhooks + 1)
connections per championship and ran out of them at 100 championships. Here each sink's group
is read by one task, whatever the number of championships:

- new entries: one `XREADGROUP GROUP <sink group> <consumer> BLOCK ... STREAMS s1 s2 ... > > ...`
  over every stream discovered so far (a championship registered later is added on the next
  round), each stream's batch handed to `Notifier.handle` in stream order;
- entries left pending by a dead consumer (or a failed batch): every `claim_idle_ms / 2`, an
  `XAUTOCLAIM ... min-idle claim_idle_ms` sweep of each stream as `<consumer>-claim`, handled as
  claimed (delivery counts checked against `max_deliveries`).

A sink's task handles one batch at a time, so a slow webhook slows only its own sink, and each
webhook gets each championship's changes in order. `stop()` ends the rounds after the batch in
hand (a read in flight returns within `BLOCK_MS`); what was read and not handled stays pending.
The loop ends on that flag, not on a cancellation alone: on Python 3.11 a `Task.cancel()` can be
lost (see `services.notifier.app`), so every wait here is a wait for the flag (`stopped_within`).
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

import structlog
from redis.asyncio import Redis

from services.notifier.handler import Notifier, Sink
from services.notifier.settings import NotifierSettings

log = structlog.get_logger("standings.notifier")
BLOCK_MS = 500


async def stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait until `stopping` is set or `seconds` have passed; True if it is set (a pause that a stop ends)."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    return stopping.is_set()


class SinkReader:
    def __init__(self, client: Redis, notifier: Notifier, sink: Sink, settings: NotifierSettings) -> None:
        self.client, self.notifier, self.sink, self.settings = client, notifier, sink, settings
        self.streams: list[str] = []
        self.stopping = asyncio.Event()
        self._swept_at = 0.0

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> None:
        """Read and handle until `stop()`; a failed round is logged and retried after a pause."""
        while not self.stopping.is_set():
            try:
                await self._round()
            except Exception:
                log.exception("reading changes failed; retrying", group=self.sink.group)
                await stopped_within(self.stopping, 1)

    async def _round(self) -> None:
        s, group = self.settings, self.sink.group
        if not self.streams:  # nothing registered yet: wait for discovery (or the stop)
            await stopped_within(self.stopping, BLOCK_MS / 1000)
            return
        if time.monotonic() - self._swept_at >= s.claim_idle_ms / 2000:
            self._swept_at = time.monotonic()
            await self._sweep()
        replies = await self.client.xreadgroup(group, s.consumer_name, dict.fromkeys(self.streams, ">"),
                                               count=s.notifier_batch_size, block=BLOCK_MS)
        for stream, entries in replies or []:
            name = stream.decode() if isinstance(stream, bytes) else stream
            await self.notifier.handle(name, self.sink, s.consumer_name, [i for i, _ in entries],
                                       [f for _, f in entries])

    async def _sweep(self) -> None:
        """Claim and handle what other consumers left pending past `claim_idle_ms`, stream by stream."""
        s, consumer = self.settings, f"{self.settings.consumer_name}-claim"
        for stream in list(self.streams):
            start = "0-0"
            while not self.stopping.is_set():
                start, claimed, *_ = await self.client.xautoclaim(stream, self.sink.group, consumer, s.claim_idle_ms,
                                                                  start_id=start, count=s.notifier_batch_size)
                if claimed:
                    await self.notifier.handle(stream, self.sink, consumer, [i for i, _ in claimed],
                                               [f for _, f in claimed], claimed=True)
                if start in (b"0-0", "0-0"):
                    break
