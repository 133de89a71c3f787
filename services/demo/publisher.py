"""Replaying a simulated season onto the event stream at a chosen pace (plain JSON entries)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis

from services.demo.season import SimulatedRace, SimulatedSeason
from services.runtime import keys
from services.runtime.redis import entry
from services.runtime.settings import Settings

STEPS = ("pole positions from qualifying", "provisional classification", "fastest laps", "final classification")

OnStep = Callable[[SimulatedRace, int], None]  # (race, index of the step just published)


async def reset(client: Redis, championship_id: str, *, flush: bool) -> None:
    """Start the demo afresh: FLUSHALL on the demo's own server, else drop the championship's projection.

    The version key is kept so versions keep increasing for subscribers; the event log is never
    trimmed (on a shared Redis a later `standings rebuild` replays earlier demo runs too).
    """
    if flush:
        await client.flushall()
        return
    # The stamp goes too: a projector holding this championship in memory then reloads it.
    await client.delete(keys.facts_key(championship_id), keys.tables_key(championship_id),
                        keys.accepted_key(championship_id), keys.stamp_key(championship_id))


async def publish_season(client: Redis, settings: Settings, season: SimulatedSeason, pace: float,
                         on_step: OnStep | None = None) -> None:
    """Registration first, then each race's steps, `pace` seconds per race."""
    await client.xadd(settings.events_stream, entry(season.registration.model_dump_json()))
    for race in season.races:
        for index, step in enumerate(race.steps):
            async with client.pipeline(transaction=False) as pipe:
                for event in step:
                    pipe.xadd(settings.events_stream, entry(event.model_dump_json()))
                await pipe.execute()
            if on_step is not None:
                on_step(race, index)
            await asyncio.sleep(pace / len(race.steps))


async def wait_applied(client: Redis, season: SimulatedSeason, timeout: float = 60.0) -> bool:
    """Wait until the projector has accepted every event of the season; False on timeout."""
    ids = [e.event_id for e in season.events()]
    key = keys.accepted_key(season.championship_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if None not in await client.hmget(key, ids):
            return True
        await asyncio.sleep(0.1)
    return False
