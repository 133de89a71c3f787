"""Gateway benchmark: XADD of a race.classified → SSE `change` at the clients, through the real pipeline.

Run: python -m bench.bench_gateway [--events 1000 --rate 100 --clients 1000 --changes 10]

A private redis-server, the projector and the gateway run as processes (as in production); the
clients and the producer run here, on one clock. Reported, each with a baseline from the same run:

1. latency at `--rate` events/s, one SSE client: p50/p99 of XADD → `change` event received,
   next to bare XADD → XREAD on a Redis stream (the floor) and XADD → the projector's record on
   `standings:{cid}:changes` (the projector's share);
2. fan-out: `--clients` SSE clients, `--changes` changes one second apart; p50/p99 over every
   (client, change) of XADD → received, next to the single-client p99 of part 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import httpx

from services.runtime import keys
from services.runtime.redis import connect, entry
from services.runtime.server import RedisProcess, free_port, server_binary

CID, DRIVERS = "bench-cup", [f"driver-{n:02d}" for n in range(1, 11)]
EVENT_ID = re.compile(rb'"causes":\[([^\]]*)\]')
ROOT = Path(__file__).resolve().parents[1]


def registration() -> str:
    rules = {"name": "Bench Cup", "season": 2025, "classes": [{"id": "pro", "name": "Pro"}],
             "calendar": [{"round": 1, "track": "t1", "races": [{"race_id": "r01"}]}],
             "points": [{"points": [25, 20, 17, 14, 12, 10, 9, 8, 7, 6]}], "tables": [{"id": "drivers", "name": "Drivers"}]}
    return json.dumps({"event_id": "bench-rules", "type": "championship.registered", "championship_id": CID,
                       "occurred_at": "2025-01-01T00:00:00Z", "payload": {"rules": rules}})


def race(n: int) -> tuple[str, str]:
    """Revision n of race r01 with the order rotated by n: every revision reorders the table."""
    order = DRIVERS[n % len(DRIVERS):] + DRIVERS[:n % len(DRIVERS)]
    cars = [{"car_number": str(i), "driver_id": d, "driver_name": d, "team_id": "t", "team_name": "T",
             "class_id": "pro", "position": i} for i, d in enumerate(order, start=1)]
    event_id = f"bench-{n}"
    return event_id, json.dumps({"event_id": event_id, "type": "race.classified", "championship_id": CID,
                                 "occurred_at": "2025-01-01T00:00:00Z", "payload": {
                                     "race_id": "r01", "round": 1, "track": "t1", "revision": n, "entries": cars}})


async def sse_client(port: int, received: dict[str, list[float]], ready: asyncio.Event | None = None) -> None:
    """A bare HTTP/1.1 SSE client: records when each cause's `change` arrives (no JSON parsing)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /championships/{CID}/live?table=drivers&class_id=pro HTTP/1.1\r\nHost: b\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    buffer = b""
    while chunk := await reader.read(65536):
        now, buffer = time.perf_counter(), buffer + chunk
        *events, buffer = buffer.split(b"\r\n\r\n")
        for event in events:
            if b"event: snapshot" in event and ready is not None:
                ready.set()
            for causes in EVENT_ID.findall(event):
                for cause in json.loads(b"[" + causes + b"]"):
                    received.setdefault(cause, []).append(now)


async def baseline(url: str, events: int, rate: float) -> list[float]:
    """Bare XADD → XREAD BLOCK latency on a scratch stream, at the same rate."""
    writer, reader = connect(url), connect(url)
    latencies: list[float] = []

    async def read() -> None:
        last = "0-0"
        while len(latencies) < events:
            for _, entries in await reader.xread({"bench:baseline": last}, block=1000) or []:
                for last, fields in entries:  # noqa: B007 - `last` is where the next XREAD starts
                    latencies.append(time.perf_counter() - float(fields[b"t"]))

    task = asyncio.create_task(read())
    for _ in range(events):
        await writer.xadd("bench:baseline", {"t": repr(time.perf_counter())})
        await asyncio.sleep(1 / rate)
    await asyncio.wait_for(task, 10)
    await writer.aclose(), await reader.aclose()
    return latencies


async def publish(url: str, first: int, count: int, rate: float) -> dict[str, float]:
    """XADD `count` revisions at `rate`; event_id -> when it was added; projector records noted too."""
    client, sent = connect(url), {}
    for n in range(first, first + count):
        event_id, data = race(n)
        sent[event_id] = time.perf_counter()
        await client.xadd("standings:events", entry(data))
        await asyncio.sleep(1 / rate)
    await client.aclose()
    return sent


async def watch_changes(url: str, received: dict[str, list[float]], stop: asyncio.Event) -> None:
    """The projector's share: when each cause's record lands on the changes stream."""
    client, last = connect(url), "$"
    while not stop.is_set():
        for _, entries in await client.xread({keys.changes_stream(CID): last}, block=200) or []:
            for last, fields in entries:  # noqa: B007 - `last` is where the next XREAD starts
                now = time.perf_counter()
                for cause in json.loads(fields[b"data"])["payload"]["causes"]:
                    received.setdefault(cause, []).append(now)
    await client.aclose()


def lags(sent: dict[str, float], received: dict[str, list[float]]) -> list[float]:
    return [t - sent[k] for k, times in received.items() if k in sent for t in times]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else float("nan")


class Pipeline:
    """redis-server, projector and gateway processes on free ports; stopped on exit."""

    def __init__(self, folder: Path) -> None:
        self.redis = RedisProcess(server_binary(prefer_path=True), folder / "redis", ("--save", "", "--appendonly", "no"))
        self.folder, self.port, self.procs = folder, free_port(), []

    def __enter__(self) -> Self:
        self.redis.start()
        env = {**os.environ, "REDIS_URL": self.redis.url, "STANDINGS_GATEWAY_PORT": str(self.port),
               "STANDINGS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        for name in ("projector", "gateway"):
            log = (self.folder / f"{name}.log").open("w")
            self.procs.append(subprocess.Popen([sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env,
                                               stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz").status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"gateway not ready; see {self.folder}")

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(10)
        self.redis.stop()


async def clients(port: int, count: int, received: dict) -> list[asyncio.Task]:
    """`count` SSE clients, connected in batches of 100, each past its snapshot."""
    tasks = []
    for start in range(0, count, 100):
        readies = [asyncio.Event() for _ in range(min(100, count - start))]
        tasks += [asyncio.create_task(sse_client(port, received, ready)) for ready in readies]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
    return tasks


async def run(args: argparse.Namespace, pipe: Pipeline) -> dict:
    url = pipe.redis.url
    floor = await baseline(url, args.events, args.rate)
    admin = connect(url)
    await admin.xadd("standings:events", entry(registration()))
    while not await admin.sismember(keys.CHAMPIONSHIPS_KEY, CID):
        await asyncio.sleep(0.05)

    at_client, at_stream, stop = {}, {}, asyncio.Event()
    tasks = await clients(pipe.port, 1, at_client)
    watcher = asyncio.create_task(watch_changes(url, at_stream, stop))
    sent = await publish(url, 1, args.events, args.rate)
    await asyncio.sleep(1)
    stop.set()
    await watcher
    for task in tasks:
        task.cancel()
    one, projector = lags(sent, at_client), lags(sent, at_stream)

    fanned: dict[str, list[float]] = {}
    tasks = await clients(pipe.port, args.clients, fanned)
    sent = {}
    for k in range(args.changes):
        sent |= await publish(url, args.events + 1 + k, 1, 1.0)
    await asyncio.sleep(2)
    for task in tasks:
        task.cancel()
    await admin.aclose()
    fan = lags(sent, fanned)
    return {
        "events": args.events, "rate": args.rate, "clients": args.clients, "changes": args.changes,
        "baseline_xadd_xread_ms": {"p50": pct(floor, 50), "p99": pct(floor, 99)},
        "projector_xadd_to_changes_ms": {"p50": pct(projector, 50), "p99": pct(projector, 99), "received": len(projector)},
        "one_client_xadd_to_sse_ms": {"p50": pct(one, 50), "p99": pct(one, 99), "received": len(one)},
        "fanout_xadd_to_sse_ms": {"p50": pct(fan, 50), "p99": pct(fan, 99), "received": len(fan),
                                  "expected": args.clients * args.changes},
    }


def report(r: dict) -> str:
    floor = r["baseline_xadd_xread_ms"]
    lines = ["| measure | p50 ms | p99 ms | p50 / baseline | p99 / baseline |", "|---|---|---|---|---|"]
    for label, key in (("bare XADD → XREAD (baseline)", "baseline_xadd_xread_ms"),
                       ("XADD → projector's changes record", "projector_xadd_to_changes_ms"),
                       (f"XADD → SSE, 1 client, {r['rate']:g} events/s", "one_client_xadd_to_sse_ms"),
                       (f"XADD → SSE, {r['clients']} clients", "fanout_xadd_to_sse_ms")):
        m = r[key]
        ratios = f"{m['p50'] / floor['p50']:.0f}× | {m['p99'] / floor['p99']:.0f}×"
        lines.append(f"| {label} | {m['p50']:.2f} | {m['p99']:.2f} | {ratios} |")
    fan = r["fanout_xadd_to_sse_ms"]
    lines.append(f"\nfan-out delivered {fan['received']} of {fan['expected']} (client, change) pairs; causes seen of "
                 f"{r['events']} events: {r['projector_xadd_to_changes_ms']['received']} on the changes stream, "
                 f"{r['one_client_xadd_to_sse_ms']['received']} at the client (a revision superseded inside one "
                 "projector batch is not a cause)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Pipeline(Path(folder)) as pipe:
        result = asyncio.run(run(args, pipe))
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
