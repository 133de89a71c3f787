"""Prometheus metrics of every service, in one registry per process.

What the services count as they work (the projector's events by outcome and commit latency, the
change records published, the gateway's SSE clients and messages, the notifier's webhook
deliveries) is defined here, so one process running several services (`standings up`) exposes
them all at once. What Redis knows better than any process (consumer lag, pending entries, dead
letters) is read from the streams at scrape time (`StreamCollector`), so it is right whichever
replica is scraped, and garbage-collector pauses are timed through `gc.callbacks`.

Exposed on the gateway's `/metrics`, and by `serve_metrics` on `settings.metrics_port` by a
projector or notifier running as its own process.
"""

from __future__ import annotations

import gc
import time

import redis
import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.runtime.settings import Settings

log = structlog.get_logger("standings.metrics")
REGISTRY = CollectorRegistry()

EVENTS = Counter("standings_events", "Event-stream entries handled by the projector, by outcome (applied: "
                 "changed a fact; duplicate; dead_lettered; retrying: left pending for the rules it needs).",
                 ["outcome"], registry=REGISTRY)
COMMIT_SECONDS = Histogram("standings_commit_seconds", "One championship's atomic commit, read to EXEC.",
                           buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5), registry=REGISTRY)
CHANGES = Counter("standings_change_records", "standings.changed records published.", registry=REGISTRY)
SSE_CLIENTS = Gauge("standings_sse_clients", "Live-feed (SSE) clients connected.", registry=REGISTRY)
SSE_MESSAGES = Counter("standings_sse_messages", "Live-feed messages sent, by event (snapshot, change, resync).",
                       ["event"], registry=REGISTRY)
WEBHOOKS = Counter("standings_webhook_deliveries", "Webhook deliveries by result (delivered, failed).",
                   ["result"], registry=REGISTRY)
WEBHOOK_SECONDS = Histogram("standings_webhook_seconds", "One webhook delivery, retries included.", registry=REGISTRY)
GC_PAUSE = Histogram("standings_gc_pause_seconds", "Garbage-collector pauses, by generation.", ["generation"],
                     buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1), registry=REGISTRY)


class StreamCollector(Collector):
    """Lag and pending of every group on the events stream, and the lengths of the dead-letter
    streams the services of this process write, read from Redis at scrape time (a scrape that
    cannot reach Redis reports none of them)."""

    def __init__(self, url: str, events_stream: str) -> None:
        self.client, self.url = redis.Redis.from_url(url, socket_timeout=2), url
        self.events_stream = events_stream
        self.dead_letter_streams: set[str] = set()

    def collect(self):
        lag = GaugeMetricFamily("standings_consumer_lag", "Entries not yet delivered to the group.", labels=["stream", "group"])
        pending = GaugeMetricFamily("standings_consumer_pending", "Entries delivered, not yet acknowledged.",
                                    labels=["stream", "group"])
        dead = GaugeMetricFamily("standings_dead_letters", "Entries in a dead-letter stream.", labels=["stream"])
        stream = self.events_stream
        try:
            last = self.client.xinfo_stream(stream)["last-generated-id"] if self.client.exists(stream) else None
            for group in self.client.xinfo_groups(stream) if last else []:
                caught_up = group["last-delivered-id"] == last  # Redis's own lag can stay stale (AOF restart)
                name = group["name"].decode()
                lag.add_metric([stream, name], 0 if caught_up else group["lag"] or 1)
                pending.add_metric([stream, name], group["pending"])
            for letters in sorted(self.dead_letter_streams):
                dead.add_metric([letters], self.client.xlen(letters))
        except redis.RedisError:
            return
        yield from (lag, pending, dead)


_streams: StreamCollector | None = None


def watch_streams(url: str, events_stream: str, dead_letter_stream: str) -> None:
    """Report the events stream's groups and `dead_letter_stream` in this process's registry."""
    global _streams
    if _streams is None:
        _streams = StreamCollector(url, events_stream)
        REGISTRY.register(_streams)
    elif _streams.url != url:  # a process serves one Redis; tests start one after another
        _streams.client.close()
        _streams.client, _streams.url = redis.Redis.from_url(url, socket_timeout=2), url
        _streams.dead_letter_streams.clear()
    _streams.dead_letter_streams.add(dead_letter_stream)


_gc_started: dict[int, float] = {}


def _time_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started[info["generation"]] = time.perf_counter()
    elif (began := _gc_started.pop(info["generation"], None)) is not None:
        GC_PAUSE.labels(str(info["generation"])).observe(time.perf_counter() - began)


if _time_gc not in gc.callbacks:
    gc.callbacks.append(_time_gc)


def serve_metrics(settings: Settings) -> None:
    """Serve this registry on `settings.metrics_host:metrics_port` (a thread; port 0 turns it off).
    A port already taken is logged, not fatal: the service runs without its own endpoint."""
    if not settings.metrics_port:
        return
    try:
        start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=REGISTRY)
    except OSError as exc:
        log.warning("metrics endpoint not started", port=settings.metrics_port, reason=str(exc))
        return
    log.info("metrics served", url=f"http://{settings.metrics_host}:{settings.metrics_port}/metrics")
