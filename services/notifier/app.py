"""The notifier service: one reader per sink over every championship's changes stream.

Championships are discovered from the `standings:championships` set, at start and then every
`discovery_interval_s`. For each new one, `Discovery.refresh` creates the missing consumer groups
on `standings:{cid}:changes` (MKSTREAM), one per sink: `settings.notifier_group` (the log sink)
and `<notifier_group>:<webhook_key(url)>` per webhook, at the position `services.notifier.groups`
decides (a first deploy starts "now" by default), then adds the stream to every sink's reader
(`services.notifier.reader`): one XREADGROUP over all the streams per sink, and a claim sweep.

`Notifier.handle` acknowledges each entry in the sink's group once its message was accepted or
dead-lettered. Each sink has its own group and reader, so each webhook gets each championship's
changes in order, and a slow or dead webhook delays only itself. The readers, connections and
Redis commands do not grow with the number of championships (only the streams named per read).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
import structlog

from services.notifier.groups import ensure_groups, since
from services.notifier.handler import Notifier
from services.notifier.reader import BLOCK_MS, SinkReader
from services.notifier.settings import NotifierSettings
from services.notifier.webhooks import redact
from services.runtime import keys, metrics, read_model
from services.runtime.redis import connect

log = structlog.get_logger("standings.notifier")
STOP_WITHIN_S = 5.0  # a batch still in hand then (a webhook retrying) is cancelled: it stays pending


class Discovery:
    """Adds every registered championship's changes stream to the sinks' readers, once each."""

    def __init__(self, notifier: Notifier, readers: list[SinkReader], settings: NotifierSettings) -> None:
        self.notifier, self.readers, self.settings = notifier, readers, settings
        self.known: set[str] = set()
        self.since: str | None = None

    async def refresh(self) -> list[str]:
        """Start reading championships not seen before; returns their ids."""
        if self.since is None:
            self.since = await since(self.notifier.redis, self.settings)
        new = [cid for cid in await read_model.championship_ids(self.notifier.redis) if cid not in self.known]
        for cid in new:
            stream, groups = keys.changes_stream(cid), [sink.group for sink in self.notifier.sinks]
            created = await ensure_groups(self.notifier.redis, stream, self.settings.notifier_group, groups, self.since)
            for group in (g for g, made in created.items() if made):
                log.info("consumer group created", championship_id=cid, group=group)
            for reader in self.readers:
                reader.streams.append(stream)
            self.known.add(cid)
            log.info("watching championship", championship_id=cid, stream=stream, groups=groups)
        return new

    async def run(self) -> None:
        """Refresh every `discovery_interval_s` until cancelled; errors are logged and retried."""
        while True:
            await asyncio.sleep(self.settings.discovery_interval_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("championship discovery failed; retrying")


@asynccontextmanager
async def notifier_running(url: str, settings: NotifierSettings) -> AsyncIterator[Notifier]:
    """Run the notifier in this event loop for the block (tests, `up`, the service)."""
    notifier = Notifier(connect(url, client_name=f"notifier:{settings.consumer_name}"), httpx.AsyncClient(), settings)
    readers = [SinkReader(notifier.redis, notifier, sink, settings) for sink in notifier.sinks]
    discovery = Discovery(notifier, readers, settings)
    metrics.watch_streams(url, settings.events_stream, settings.notifier_dead_letter_stream)
    await discovery.refresh()
    tasks = [asyncio.create_task(r.run(), name=f"notifier:{r.sink.group}") for r in readers]
    tasks.append(asyncio.create_task(discovery.run(), name="notifier:discovery"))
    log.info("notifier started", consumer=settings.consumer_name, group=settings.notifier_group,
             webhooks=[w.name for w in notifier.webhooks], format=settings.webhook_format, since=discovery.since)
    try:
        yield notifier
    finally:
        for reader in readers:
            reader.stop()
        tasks[-1].cancel()
        _, late = await asyncio.wait(tasks, timeout=STOP_WITHIN_S + BLOCK_MS / 1000)
        for task in late:
            task.cancel()
        with suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        await notifier.http.aclose()
        await notifier.redis.aclose()
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
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    with redis_url_for(settings) as url:
        metrics.serve_metrics(settings)
        log.info("notifier starting", consumer=settings.consumer_name, group=settings.notifier_group,
                 webhooks=[redact(u) for u in settings.webhook_urls], format=settings.webhook_format,
                 max_attempts=settings.webhook_max_attempts, dead_letters=settings.notifier_dead_letter_stream,
                 signed=bool(settings.webhook_secret.get_secret_value()), interval_s=settings.interval_s,
                 start=settings.notifier_start)
        async with notifier_running(url, settings):
            await stop.wait()


def main() -> None:
    asyncio.run(run_notifier(NotifierSettings()))
