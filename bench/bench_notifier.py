"""Notifier benchmark: what an idle notifier costs Redis as the championships grow.

Run: python -m bench.bench_notifier [--championships 10,100,1000] [--webhooks 2] [--seconds 5]
For each count, on a fresh redis-server: N championships registered (their changes streams
empty), the notifier running with the given webhooks; after discovery settles, over `--seconds`:
the clients connected and the commands Redis processed per second (INFO), each as a ratio to a
baseline measured in the same run: one bare XREADGROUP BLOCK loop on one empty stream, the least
any consumer costs. Claim sweeps (every claim_idle_ms / 2, 15 s by default) fall outside the
window at the default settings, so the figure is the steady reading cost.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from redis.asyncio import Redis

from services.notifier import NotifierSettings, notifier_running
from services.runtime import keys
from services.runtime.server import RedisProcess, server_binary


async def idle_cost(client: Redis, seconds: float) -> tuple[int, float]:
    """(clients connected, commands per second over `seconds`), the measuring client excluded."""
    before, started = (await client.info("stats"))["total_commands_processed"], time.monotonic()
    await asyncio.sleep(seconds)
    after, elapsed = (await client.info("stats"))["total_commands_processed"], time.monotonic() - started
    clients = (await client.info("clients"))["connected_clients"] - 1
    return clients, (after - before - 2) / elapsed


async def bare_reader(url: str, seconds: float) -> tuple[int, float]:
    async with Redis.from_url(url) as client, Redis.from_url(url) as reader:
        await reader.xgroup_create("bench:bare", "g", id="0", mkstream=True)

        async def loop() -> None:
            while True:
                await reader.xreadgroup("g", "c", {"bench:bare": ">"}, block=500)

        task = asyncio.create_task(loop())
        await asyncio.sleep(0.5)
        try:
            return await idle_cost(client, seconds)
        finally:
            task.cancel()


async def notifier_cost(url: str, championships: int, webhooks: int, seconds: float) -> tuple[int, float]:
    async with Redis.from_url(url) as client:
        await client.sadd(keys.CHAMPIONSHIPS_KEY, *(f"bench-{n}" for n in range(championships)))
        settings = NotifierSettings(redis_url=url, consumer_name="bench", metrics_port=0,
                                    webhook_urls=[f"http://127.0.0.1:9/hook-{n}" for n in range(webhooks)])
        async with notifier_running(url, settings):
            await asyncio.sleep(1)  # discovery done at start; let the readers settle
            return await idle_cost(client, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--championships", default="10,100,1000", type=lambda v: [int(x) for x in v.split(",")])
    parser.add_argument("--webhooks", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print("| championships | clients | commands/s | / bare XREADGROUP loop (clients, commands/s) |")
    print("|---|---|---|---|")
    for count in args.championships:
        with tempfile.TemporaryDirectory() as data:
            server = RedisProcess(server_binary(prefer_path=True), Path(data), ("--save", "", "--appendonly", "no"))
            server.start()
            try:
                base_clients, base_rate = asyncio.run(bare_reader(server.url, args.seconds))
                clients, rate = asyncio.run(notifier_cost(server.url, count, args.webhooks, args.seconds))
            finally:
                server.stop()
        print(f"| {count:,} | {clients} | {rate:.0f} | {clients / base_clients:.1f}x, {rate / base_rate:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
