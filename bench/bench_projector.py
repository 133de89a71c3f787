"""Projector throughput (events/s) against a bare consumer-group loop measured in the same run.

Run: python -m bench.bench_projector [--events 4000] [--batch 100]

A private redis-server (free loopback port, no persistence) is started for the run. Workloads:

- baseline: the same number of plain `data` entries read by a bare redis-py asyncio loop,
  XREADGROUP COUNT <batch> + XACK, doing nothing else (the ceiling for any consumer here);
- projector, many championships: 16 championships' seasons interleaved (each batch touches
  most of them: one atomic commit per championship per batch);
- projector, one championship: the same number of events for one championship (race revisions).

Each projector run starts from an empty Redis with the whole backlog published, runs the real
service (FastStream broker, batch subscriber + claimer) in-process, and stops the clock when the
group has no lag and nothing pending.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path

from services.projector import projector_running
from services.runtime import keys
from services.runtime.logging import configure_logging
from services.runtime.redis import connect
from services.runtime.server import RedisProcess, server_binary
from services.runtime.settings import Settings
from tests.integration.projector_events import publish, race, registration, season, wait_drained


def many_championships(total: int) -> list[dict]:
    cids = [f"bench-{i:02d}" for i in range(16)]
    per = max(1, round((total / len(cids) - 33) / 16))  # registration + 32 poles + 16 races x revisions
    events = [e for i, cid in enumerate(cids) for e in season(cid, revisions=per, seed=i)]
    head = [e for e in events if e["type"] == "championship.registered"]
    rest = [e for e in events if e["type"] != "championship.registered"]
    random.Random(1).shuffle(rest)
    return (head + rest)[:total]


def one_championship(total: int) -> list[dict]:
    events = [registration("solo")]
    revision = 0
    while len(events) < total:
        revision += 1
        events += [race("solo", r, i, revision=revision) for r in range(1, 9) for i in (1, 2)]
    return events[:total]


async def baseline(url: str, total: int, batch: int) -> float:
    client = connect(url)
    await client.flushall()
    payload = json.dumps(race("base", 1, 1))
    async with client.pipeline(transaction=False) as pipe:
        for _ in range(total):
            pipe.xadd("bench:base", {"data": payload})
        await pipe.execute()
    await client.xgroup_create("bench:base", "g", id="0")
    start, done = time.perf_counter(), 0
    while done < total:
        reply = await client.xreadgroup("g", "c", {"bench:base": ">"}, count=batch, block=100)
        for _, entries in reply:
            await client.xack("bench:base", "g", *[i for i, _ in entries])
            done += len(entries)
    elapsed = time.perf_counter() - start
    await client.aclose()
    return total / elapsed


async def projector(url: str, events: list[dict], batch: int) -> tuple[float, int]:
    client = connect(url)
    await client.flushall()
    settings = Settings(redis_url=url, consumer_name="bench", batch_size=batch, log_level="WARNING")
    await publish(client, settings, events)
    start = time.perf_counter()
    async with projector_running(url, settings):
        await wait_drained(client, settings, timeout=600)
        elapsed = time.perf_counter() - start
    cids = {e["championship_id"] for e in events}
    changes = sum([await client.xlen(keys.changes_stream(c)) for c in cids])
    await client.aclose()
    return len(events) / elapsed, changes


async def run(total: int, batch: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        server = RedisProcess(server_binary(prefer_path=True), Path(data), ("--save", "", "--appendonly", "no"))
        server.start()
        try:
            base = await baseline(server.url, total, batch)
            rows = [(f"baseline: XREADGROUP COUNT {batch} + XACK (redis-py asyncio)", total, base, None)]
            for name, events in (("projector: 16 championships interleaved", many_championships(total)),
                                 ("projector: 1 championship", one_championship(total))):
                rate, changes = await projector(server.url, events, batch)
                rows.append((name, len(events), rate, changes))
        finally:
            server.stop()
    print(f"projector throughput, batch {batch}, one process, Redis on loopback")
    print(f"{'workload':<58}{'events':>8}{'events/s':>11}{'vs baseline':>13}{'changed':>9}")
    for name, count, rate, changes in rows:
        print(f"{name:<58}{count:>8}{rate:>11.0f}{rate / base:>12.2f}x{'' if changes is None else changes:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    configure_logging(Settings(log_level="WARNING"))  # per-batch logs off: measure the work, not the console
    asyncio.run(run(args.events, args.batch))


if __name__ == "__main__":
    main()
