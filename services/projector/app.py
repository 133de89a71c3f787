"""The projector service: a FastStream RedisBroker with two batch subscribers on the event log.

- `events`: XREADGROUP ">" as consumer `settings.consumer_name`, `batch=True`,
  `max_records=settings.batch_size`: new entries, one handler call per batch.
- `claim`: XAUTOCLAIM as consumer `<consumer_name>-claim` with `min_idle_time=claim_idle_ms`:
  entries left pending by a dead (or stuck) consumer of the group, this one's own included.
  FastStream claims them one per call; their delivery counts are checked (XPENDING) and entries
  past `max_deliveries` are dead-lettered.

Ack policy: `AckPolicy.MANUAL` on both. The handler (`Projector.handle`) acknowledges an entry
itself, after the atomic commit of its championship (or after writing its dead letter); an
exception leaves the entries pending for the claimer. FastStream's nack/reject would send nothing
to Redis anyway (DESIGN.md), so nothing depends on them.

The group is created at id 0 with MKSTREAM before the broker starts (a group FastStream creates
starts at `$` and would skip everything published before the first start). Input entries are
plain JSON in one field `data`; the handler is given the message ids and the raw field dicts
(`services.runtime.streams`), never FastStream's own body decoding.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from faststream import FastStream
from faststream.redis import RedisBroker

from services.projector.handler import Projector
from services.runtime import metrics
from services.runtime.broker import quiesce, redis_broker, stop_draining
from services.runtime.redis import connect, ensure_group
from services.runtime.settings import Settings
from services.runtime.streams import subscribe_group

log = structlog.get_logger("standings.projector")


def claimer_name(settings: Settings) -> str:
    return f"{settings.consumer_name}-claim"


def build_broker(url: str, settings: Settings) -> tuple[RedisBroker, Projector]:
    """The broker with both subscribers wired to one `Projector` (whose client is the broker's own)."""
    broker = redis_broker(url, tracing=settings.tracing)
    projector = Projector(connect(url, client_name=f"projector:{settings.consumer_name}"), settings)

    subscribe_group(broker, settings.events_stream, settings.projector_group, settings.consumer_name,
                    lambda ids, entries, claimed: projector.handle(ids, entries, claimed=claimed),
                    max_records=settings.batch_size, claim_idle_ms=settings.claim_idle_ms, title="projector")
    return broker, projector


async def prepare(url: str, settings: Settings) -> None:
    """Create the projector group at id 0 (and the stream) unless it exists."""
    client = connect(url)
    try:
        await ensure_group(client, settings.events_stream, settings.projector_group, "0")
    finally:
        await client.aclose()


@asynccontextmanager
async def projector_running(url: str, settings: Settings) -> AsyncIterator[Projector]:
    """Run the projector's broker in this event loop for the block (tests, benchmarks, `up`)."""
    await prepare(url, settings)
    metrics.watch_streams(url, settings.events_stream, settings.dead_letter_stream)
    broker, projector = build_broker(url, settings)
    await broker.start()
    log.info("projector started", consumer=settings.consumer_name, stream=settings.events_stream,
             group=settings.projector_group, batch_size=settings.batch_size)
    try:
        yield projector
    finally:
        await stop_draining(broker)
        await projector.redis.aclose()
        log.info("projector stopped", consumer=settings.consumer_name)


async def run_projector(settings: Settings) -> None:
    """Run the projector until SIGINT/SIGTERM (or cancellation): `standings projector` / `up`.

    Without `settings.redis_url` it starts the embedded server for its lifetime.
    """
    from services.runtime.embedded import redis_url_for
    from services.runtime.logging import configure_logging

    configure_logging(settings)
    with redis_url_for(settings) as url:
        await prepare(url, settings)
        metrics.watch_streams(url, settings.events_stream, settings.dead_letter_stream)
        metrics.serve_metrics(settings)
        broker, projector = build_broker(url, settings)
        app = FastStream(broker, logger=structlog.get_logger("faststream.app"), on_shutdown=[lambda: quiesce(broker)])
        log.info("projector starting", consumer=settings.consumer_name, claimer=claimer_name(settings),
                 stream=settings.events_stream, group=settings.projector_group, batch_size=settings.batch_size,
                 claim_idle_ms=settings.claim_idle_ms, max_deliveries=settings.max_deliveries)
        try:
            await app.run()
        finally:
            await projector.redis.aclose()


def main() -> None:
    asyncio.run(run_projector(Settings()))
