"""Waiting for the projector to reach what was published before now (a registration on its way).

`while_projecting` asks a condition again and again while the projector's consumer group still has
entries published before the call to process (not delivered, or pending), for at most
`settings.admission_wait_seconds`. Without a projector group nothing would ever apply them, so it
does not wait at all. Used by admission (HTTP ingest, `standings publish`) and the importer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.runtime.settings import Settings

POLL_SECONDS = 0.1


async def while_projecting(client: Redis, settings: Settings, settled: Callable[[], Awaitable[bool]]) -> bool:
    """Whether `settled()` came true, asked every `POLL_SECONDS` while the projector's group still
    has entries published before this call to process, for at most `admission_wait_seconds`."""
    deadline = time.monotonic() + settings.admission_wait_seconds
    horizon = await _last_id(client, settings.events_stream)
    while not await settled():
        if time.monotonic() >= deadline or not await _behind(client, settings, horizon):
            return False
        await asyncio.sleep(POLL_SECONDS)
    return True


def _stream_id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


async def _last_id(client: Redis, stream: str) -> tuple[int, int]:
    """The last id of `stream` now (0-0 when there is no stream)."""
    try:
        return _stream_id((await client.xinfo_stream(stream))["last-generated-id"])
    except ResponseError:
        return (0, 0)


async def _behind(client: Redis, settings: Settings, horizon: tuple[int, int]) -> bool:
    """Whether the projector's group has entries up to `horizon` still to process (False: no group)."""
    try:
        groups = await client.xinfo_groups(settings.events_stream)
    except ResponseError:
        return False
    for group in groups:
        name = group["name"].decode() if isinstance(group["name"], bytes) else group["name"]
        if name == settings.projector_group:
            return _stream_id(group["last-delivered-id"]) < horizon or group["pending"] > 0
    return False
