"""The notifier service: a FastStream RedisBroker with two batch subscribers per championship and sink.

Championships are discovered from the `standings:championships` set, at start and then every
`discovery_interval_s`. For each new one, `Discovery.refresh` creates the missing consumer groups
on `standings:{cid}:changes` (MKSTREAM), one per sink: `settings.notifier_group` (the log sink)
and `<notifier_group>:<webhook_key(url)>` per webhook, at the position `services.notifier.groups`
decides (a first deploy starts "now" by default), then starts, on the running broker, per group:

- `changes`: XREADGROUP ">" as `settings.consumer_name`, `batch=True`, `max_records=notifier_batch_size`;
- `claims`: XAUTOCLAIM as `<consumer_name>-claim`, `min_idle_time=claim_idle_ms`: changes left
  pending by a dead consumer (or by a failed batch); past `max_deliveries` they are dead-lettered.

Ack policy: `AckPolicy.MANUAL`; `Notifier.handle` acknowledges each entry in the sink's group
once its message was accepted or dead-lettered. Each (championship, webhook) pair has its own
group and subscribers, so each webhook gets each championship's changes in order, and a slow or
dead webhook delays only itself (2 x (webhooks + 1) subscribers per championship).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
import structlog
from faststream import FastStream
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from services.notifier.groups import ensure_groups, since
from services.notifier.handler import Notifier, Sink
from services.notifier.settings import NotifierSettings
from services.notifier.webhooks import redact
from services.runtime import keys, metrics, read_model
from services.runtime.broker import quiesce, redis_broker, stop_draining
from services.runtime.redis import connect
from services.runtime.streams import subscribe_group

log = structlog.get_logger("standings.notifier")


class Discovery:
    """Subscribes the broker to every registered championship's changes stream, once each."""

    def __init__(self, broker: RedisBroker, notifier: Notifier, settings: NotifierSettings) -> None:
        self.broker, self.notifier, self.settings = broker, notifier, settings
        self.known: set[str] = set()
        self.since: str | None = None

    async def refresh(self) -> list[str]:
        """Subscribe to championships not seen before; returns their ids."""
        if self.since is None:
            self.since = await since(self.notifier.redis, self.settings)
        new = [cid for cid in await read_model.championship_ids(self.notifier.redis) if cid not in self.known]
        for cid in new:
            await self._subscribe(cid)
            self.known.add(cid)
            log.info("watching championship", championship_id=cid, stream=keys.changes_stream(cid),
                     groups=[sink.group for sink in self.notifier.sinks])
        return new

    async def run(self) -> None:
        """Refresh every `discovery_interval_s` until cancelled; errors are logged and retried."""
        while True:
            await asyncio.sleep(self.settings.discovery_interval_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("championship discovery failed; retrying")

    async def _subscribe(self, cid: str) -> None:
        s, stream, sinks = self.settings, keys.changes_stream(cid), self.notifier.sinks
        created = await ensure_groups(self.notifier.redis, stream, s.notifier_group, [k.group for k in sinks], self.since)
        for group in (g for g, new in created.items() if new):
            log.info("consumer group created", championship_id=cid, group=group)
        for sink in sinks:
            await self._subscribe_sink(cid, stream, sink)

    async def _subscribe_sink(self, cid: str, stream: str, sink: Sink) -> None:
        s = self.settings

        async def handle(ids, entries, claimed: bool) -> None:
            consumer = f"{s.consumer_name}-claim" if claimed else s.consumer_name
            await self.notifier.handle(stream, sink, consumer, ids, entries, claimed=claimed)

        title = f"notifier.{cid}.{sink.webhook.key if sink.webhook else 'log'}"
        for sub in subscribe_group(self.broker, stream, sink.group, s.consumer_name, handle,
                                   max_records=s.notifier_batch_size, claim_idle_ms=s.claim_idle_ms,
                                   title=title, persistent=False):
            await sub.start()


def build(url: str, settings: NotifierSettings) -> tuple[RedisBroker, Notifier, Discovery]:
    """The broker (no subscribers until discovery), the `Notifier` and its `Discovery`."""
    broker = redis_broker(url, tracing=settings.tracing)
    redis: Redis = connect(url, client_name=f"notifier:{settings.consumer_name}")
    notifier = Notifier(redis, httpx.AsyncClient(), settings)
    return broker, notifier, Discovery(broker, notifier, settings)


async def _close(notifier: Notifier) -> None:
    await notifier.http.aclose()
    await notifier.redis.aclose()


@asynccontextmanager
async def notifier_running(url: str, settings: NotifierSettings) -> AsyncIterator[Notifier]:
    """Run the notifier in this event loop for the block (tests, `up`)."""
    broker, notifier, discovery = build(url, settings)
    metrics.watch_streams(url, settings.events_stream, settings.notifier_dead_letter_stream)
    await broker.start()
    await discovery.refresh()
    task = asyncio.create_task(discovery.run())
    log.info("notifier started", consumer=settings.consumer_name, group=settings.notifier_group,
             webhooks=[w.name for w in notifier.webhooks], format=settings.webhook_format, since=discovery.since)
    try:
        yield notifier
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await stop_draining(broker)
        await _close(notifier)
        log.info("notifier stopped", consumer=settings.consumer_name)


async def run_notifier(settings: NotifierSettings) -> None:
    """Run the notifier until SIGINT/SIGTERM (or cancellation): `python -m services.notifier`.

    Without `settings.redis_url` it starts the embedded server for its lifetime.
    """
    from services.runtime.embedded import redis_url_for
    from services.runtime.logging import configure_logging

    configure_logging(settings)
    if not settings.webhook_urls:
        log.warning("no STANDINGS_WEBHOOK_URLS: announcements are only logged")
    with redis_url_for(settings) as url:
        broker, notifier, discovery = build(url, settings)
        metrics.watch_streams(url, settings.events_stream, settings.notifier_dead_letter_stream)
        metrics.serve_metrics(settings)
        app = FastStream(broker, logger=structlog.get_logger("faststream.app"))
        tasks: list[asyncio.Task] = []

        @app.after_startup
        async def start_discovery() -> None:
            await discovery.refresh()
            tasks.append(asyncio.create_task(discovery.run()))

        @app.on_shutdown
        async def stop_discovery() -> None:
            for task in tasks:
                task.cancel()
            await quiesce(broker)
        log.info("notifier starting", consumer=settings.consumer_name, group=settings.notifier_group,
                 webhooks=[redact(u) for u in settings.webhook_urls], format=settings.webhook_format,
                 max_attempts=settings.webhook_max_attempts, dead_letters=settings.notifier_dead_letter_stream,
                 signed=bool(settings.webhook_secret.get_secret_value()), interval_s=settings.interval_s,
                 start=settings.notifier_start)
        try:
            await app.run()
        finally:
            await _close(notifier)


def main() -> None:
    asyncio.run(run_notifier(NotifierSettings()))
