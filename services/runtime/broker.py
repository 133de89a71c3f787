"""The FastStream Redis broker of the services: made alike, stopped without a shutdown traceback.

`redis_broker` gives the broker the clients' connection options (`redis.resilience`): its reads
ride out a Redis restart by reconnecting within about a second, instead of FastStream's fixed
5-second pause after a failed read.

`RedisBroker.stop()` closes the connection pool while a subscriber's XREADGROUP BLOCK may still
be in flight; that read then fails with "Connection closed by server" and FastStream logs a
"Message fetch error" with a traceback, although nothing is wrong. Stopping the subscribers
first (no new reads) and waiting one polling interval lets every read in flight return on its
own; only then is the connection closed. Messages being handled are waited for by the
subscribers' own stop (FastStream's graceful timeout), and unacknowledged entries stay pending.
"""

from __future__ import annotations

import asyncio
import logging

import structlog
from faststream.redis import RedisBroker

from services.runtime.redis import resilience

POLLING_INTERVAL_S = 0.1  # FastStream's default XREADGROUP BLOCK for stream subscribers


def redis_broker(url: str, *, tracing: bool = False) -> RedisBroker:
    """A broker for `url` logging through structlog, with the clients' reconnect and retry options;
    with `tracing`, every batch consumed is an OpenTelemetry span (FastStream's middleware, on the
    global tracer provider: run the service under `opentelemetry-instrument`, or configure one)."""
    middlewares = (_telemetry(),) if tracing else ()
    return RedisBroker(url, logger=structlog.get_logger("faststream"), log_level=logging.DEBUG, middlewares=middlewares,
                       **resilience())


def _telemetry():
    try:
        from faststream.redis.opentelemetry import RedisTelemetryMiddleware
    except ImportError as exc:  # an optional extra: off by default
        raise RuntimeError("STANDINGS_TRACING needs the tracing extra: pip install 'standings[tracing]'") from exc
    return RedisTelemetryMiddleware()


async def stop_draining(broker: RedisBroker) -> None:
    await quiesce(broker)
    await broker.stop()


async def quiesce(broker: RedisBroker) -> None:
    """Stop every subscriber's reading and let the reads in flight end (a FastStream on_shutdown hook)."""
    for subscriber in broker.subscribers:
        await subscriber.stop()
    await asyncio.sleep(POLLING_INTERVAL_S * 1.5)
