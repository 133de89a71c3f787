"""The notifier stops within 10 s whatever its webhooks, Redis and asyncio do (real Redis, real receiver).

The case that hung CI: on Python 3.11, `asyncio.wait_for` returns normally when a cancellation
lands just as the call it wraps completes, and redis-py sends every command through it (its
connections have a socket timeout by default). The discovery loop was ended by cancellation alone,
so a cancellation lost in one of its refreshes left it running for good and the notifier's stop
waited for it forever (`Task cancelling name='notifier:discovery'`, back at its sleep). Here a
refresh loses cancellations on purpose, deterministically; the other tests bound the stop with a
webhook that never answers and a Redis that stops answering, and show the pieces (`stop_tasks`,
`kept_claimed`) against tasks that lose cancellations.

Each stop is run as its own task and waited for with a bound, so a regression fails the test
instead of hanging it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from contextlib import suppress

from services.notifier import notifier_running
from services.notifier.app import CANCEL_WITHIN_S, Discovery, stop_tasks
from services.notifier.webhooks import webhook_key
from services.runtime import keys
from services.runtime.redis import connect
from services.runtime.streams import kept_claimed
from tests.integration import notifier_support
from tests.integration.notifier_support import CID, notifier_settings, project, race, registration, wait_for

receiver = notifier_support.receiver  # the fixture
STOP_WITHIN_S = 10.0  # the services' bound for a stop


async def stop_time(running) -> float:
    """Leave `running` (an entered `notifier_running`) and return how long it took; fails past the bound."""
    started = time.monotonic()
    stopping = asyncio.create_task(running.__aexit__(None, None, None))
    done, _ = await asyncio.wait([stopping], timeout=STOP_WITHIN_S)
    assert done, f"the notifier did not stop within {STOP_WITHIN_S} s"
    stopping.result()
    return time.monotonic() - started


async def lose_cancellations(seconds: float, losing: list[bool]) -> None:
    """Take `seconds`, and lose every cancellation meanwhile while `losing[0]` (Python 3.11's
    `asyncio.wait_for` loses one that lands as the call it wraps completes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            await asyncio.sleep(left)
        except asyncio.CancelledError:
            if not losing[0]:
                raise


async def test_the_notifier_stops_although_its_discovery_loses_cancellations(redis_url, redis_client, receiver,
                                                                             monkeypatch) -> None:
    await redis_client.sadd(keys.CHAMPIONSHIPS_KEY, CID)
    losing, refreshes = [True], []
    refresh = Discovery.refresh

    async def refresh_losing_cancellations(self: Discovery) -> list[str]:
        refreshes.append(time.monotonic())
        await lose_cancellations(0.2, losing)
        return await refresh(self)

    monkeypatch.setattr(Discovery, "refresh", refresh_losing_cancellations)
    # Discovery all but always in a refresh: a cancellation of it is all but always lost.
    s = notifier_settings(redis_url, [receiver.url("/ok")], discovery_interval_s=0.001)
    running = notifier_running(redis_url, s)
    await running.__aenter__()
    try:
        await wait_for(lambda: asyncio.sleep(0, len(refreshes) >= 3))  # the discovery loop is running
        assert await stop_time(running) < STOP_WITHIN_S
    finally:
        losing[0] = False  # a failed stop must not hang the event loop's own teardown too


async def test_a_webhook_that_never_answers_does_not_hold_the_stop(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    receiver.hold("/hung")  # accepts the POST, answers nothing
    s = notifier_settings(redis_url, [receiver.url("/hung")], webhook_timeout_s=60)
    stream, group = keys.changes_stream(CID), f"{s.notifier_group}:{webhook_key(receiver.url('/hung'))}"

    async def race_1_in_hand() -> bool:
        return (await redis_client.xpending(stream, group))["pending"] >= 1

    running = notifier_running(redis_url, s)
    await running.__aenter__()
    await wait_for(race_1_in_hand)
    assert await stop_time(running) < STOP_WITHIN_S
    assert (await redis_client.xpending(stream, group))["pending"] == 1  # not sent: left for the next notifier


async def test_a_redis_that_stops_answering_does_not_hold_the_stop(start_redis, receiver) -> None:
    server = start_redis()
    client = connect(server.url)
    try:
        await client.sadd(keys.CHAMPIONSHIPS_KEY, CID)
    finally:
        await client.aclose()
    s = notifier_settings(server.url, [receiver.url("/ok")])
    running = notifier_running(server.url, s)
    await running.__aenter__()  # the readers now block in XREADGROUP on the championship's stream
    os.kill(server.process.pid, signal.SIGSTOP)  # every reply lost from here on
    try:
        assert await stop_time(running) < STOP_WITHIN_S
    finally:
        os.kill(server.process.pid, signal.SIGCONT)


async def test_stop_tasks_cancels_again_and_gives_up_on_a_task_that_never_ends() -> None:
    losing = [True]

    async def loses_one_cancellation() -> None:
        with suppress(asyncio.CancelledError):
            await asyncio.sleep(60)
        await asyncio.sleep(60)  # the second cancellation ends it

    async def loses_every_cancellation() -> None:
        await lose_cancellations(60, losing)

    once, always = asyncio.create_task(loses_one_cancellation()), asyncio.create_task(loses_every_cancellation())
    try:
        started = time.monotonic()
        stuck = await stop_tasks([once, always], 0.1)
        took = time.monotonic() - started
        assert stuck == {always} and once.cancelled()
        assert took < 0.1 + CANCEL_WITHIN_S + 0.5
    finally:
        losing[0] = False
        always.cancel()
        await asyncio.wait([always])


async def test_kept_claimed_ends_although_its_heartbeat_loses_the_cancellation() -> None:
    """The heartbeat in an XCLAIM that loses the cancellation: the block still ends at once after it."""
    inside, losing = asyncio.Event(), [True]

    class Client:  # the one command the heartbeat sends
        async def xclaim(self, *args, **kwargs) -> list:
            inside.set()
            await lose_cancellations(0.2, losing)
            return []

    async def batch() -> float:
        async with kept_claimed(Client(), "s", "g", "c", [b"1-0"], interval_s=0.01):  # type: ignore[arg-type]
            await inside.wait()
            started = time.monotonic()
        return time.monotonic() - started

    handling = asyncio.create_task(batch())
    try:
        done, _ = await asyncio.wait([handling], timeout=5)
    finally:
        losing[0] = False
    assert done, "the batch never ended: it waited for a heartbeat that never ended"
    assert handling.result() < 1.0
