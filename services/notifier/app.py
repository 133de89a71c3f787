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

Stopping (`notifier_running` leaving its block) ends within `STOP_WITHIN_S + BLOCK_MS +
CANCEL_WITHIN_S + 2 * CLOSE_WITHIN_S` (8.5 s: under the services' 10 s), whatever webhooks and Redis do:

1. the readers and the discovery are told to stop (a flag each): they end after the batch, the read
   or the refresh in hand, without being cancelled;
2. a task still running after `STOP_WITHIN_S` (a webhook retrying, a Redis that stopped answering)
   is cancelled, and cancelled again every `CANCEL_EVERY_S`, for up to `CANCEL_WITHIN_S`: one
   cancellation is not enough on Python 3.11, whose `asyncio.wait_for` returns normally when the
   cancellation lands just as the call it wraps completes: the cancellation is lost. redis-py sends
   every command through it when its connection has a socket timeout (redis-py 8: 5 s by default).
   A task still running then is given up on (logged, never awaited);
3. the HTTP and Redis clients are closed, for at most `CLOSE_WITHIN_S` each.

What was read and not acknowledged stays pending and is reclaimed by the next notifier.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog

from services.notifier.groups import ensure_groups, since
from services.notifier.handler import Notifier
from services.notifier.reader import BLOCK_MS, SinkReader, stopped_within
from services.notifier.settings import NotifierSettings
from services.notifier.webhooks import redact
from services.runtime import keys, metrics, read_model
from services.runtime.redis import connect

log = structlog.get_logger("standings.notifier")
STOP_WITHIN_S = 5.0  # a batch still in hand then (a webhook retrying) is cancelled: it stays pending
CANCEL_WITHIN_S = 2.0  # how long a task that outlived it is cancelled again and again, then given up on
CANCEL_EVERY_S = 0.1
CLOSE_WITHIN_S = 0.5  # per client (HTTP, Redis)


class Discovery:
    """Adds every registered championship's changes stream to the sinks' readers, once each."""

    def __init__(self, notifier: Notifier, readers: list[SinkReader], settings: NotifierSettings) -> None:
        self.notifier, self.readers, self.settings = notifier, readers, settings
        self.known: set[str] = set()
        self.since: str | None = None
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        self.stopping.set()

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
        """Refresh every `discovery_interval_s` until `stop()`; errors are logged and retried.

        The loop ends on the flag: ended by a cancellation alone, it ran on for good whenever one was
        lost in a refresh (Python 3.11, see the module doc), and the notifier never stopped.
        """
        while not await stopped_within(self.stopping, self.settings.discovery_interval_s):
            try:
                await self.refresh()
            except Exception:
                log.exception("championship discovery failed; retrying")


async def stop_tasks(tasks: list[asyncio.Task], within_s: float) -> set[asyncio.Task]:
    """Wait up to `within_s` for `tasks` (already told to stop) to end, then cancel the rest, again
    every `CANCEL_EVERY_S` (a cancellation can be lost, see the module doc), for up to
    `CANCEL_WITHIN_S`; return the tasks still running then (given up on: never awaited)."""
    loop = asyncio.get_running_loop()
    pending = {t for t in tasks if not t.done()}
    if pending:
        _, pending = await asyncio.wait(pending, timeout=within_s)
    give_up = loop.time() + CANCEL_WITHIN_S
    while pending and loop.time() < give_up:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(CANCEL_EVERY_S, max(give_up - loop.time(), 0.0)))
    for task in tasks:  # retrieve their outcome (a cancellation or an error) so none is reported as lost
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("notifier task failed", task=task.get_name(), exc_info=task.exception())
    return pending


async def close_within(what: str, close, seconds: float = CLOSE_WITHIN_S) -> None:
    """`await close()`, given up on after `seconds` (logged): a client's close never holds the stop."""
    try:
        async with asyncio.timeout(seconds):
            await close()
    except TimeoutError:
        log.warning("closing a client took too long; left open", client=what, seconds=seconds)


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
        discovery.stop()
        stuck = await stop_tasks(tasks, STOP_WITHIN_S + BLOCK_MS / 1000)
        if stuck:
            log.error("notifier tasks did not stop; given up on", tasks=sorted(t.get_name() for t in stuck))
        await close_within("http", notifier.http.aclose)
        await close_within("redis", notifier.redis.aclose)
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
