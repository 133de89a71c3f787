"""The projector on a realistic log: N simulated PCCNA-2024 seasons, interleaved race by race.

Run: python -m bench.bench_season [--championships 100,1000] [--races 16] [--batch 500]
                                  [--probes 10] [--live-seconds 30] [--rate 20] [--quick]

The log: for each of N championships, `simulate_season` on rules/pccna-2024.yaml (3 classes,
~35 cars and a guest; per race 3 poles, a provisional classification, 3 fastest laps, a final
revision: 129 events for 16 races, registration included). All registrations come first, then
race 1 of every championship (each championship's race 1 events in turn), then race 2, and so
on. Entries are plain JSON `data` fields. Each N gets a fresh private redis-server (no
persistence); the projector runs in this process (`projector_running`, batch size `--batch`).

Figures per N, each next to a baseline from the same run:

1. catch-up: the whole log is published, then the projector runs until its group has no lag and
   nothing pending. Events/s and CPU ms per event (`time.process_time`, this whole process).
   Baselines over a copy of the same entries: (a) XREADGROUP COUNT <batch> + XACK; (b) the same
   plus json.loads of each entry and a pipelined HSET of it to a hash per championship.
2. rebuild: projector stopped, `rebuild(client, settings)` over the whole log (which by then also
   holds the events of 3 and 4), against XRANGE pages + json.loads + pipelined HSET.
3. one commit as the season grows: `--probes` more championships are played race by race on the
   warm projector; each race's provisional classification is XADDed alone, one championship at a
   time, and timed until the `standings.changed` record citing it appears (median over the
   probes; CPU ms in the same window). The first race against the last.
4. live: final classifications re-issued as a higher revision with two cars of a class swapped
   (so tables change), XADDed at `--rate` events/s to random races of random championships for
   `--live-seconds`; XADD → the record citing it on `standings:{cid}:changes`, p50/p99/max,
   against a bare XADD → XREAD at the same rate on the same server. Full (generation 2) garbage
   collections in this process in that window, seen through `gc.callbacks`: count, longest pause.
5. bytes, right after the catch-up: MEMORY USAGE (SAMPLES 0) of every `standings:{cid}:changes`
   stream against the event log's, and the Redis used_memory the catch-up added, per championship.

Latencies are taken in this process, whose event loop the projector shares: an XADD is sent and a
record's arrival is seen only when the projector yields.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from redis.asyncio import Redis

from bench.bench_gateway import baseline as bare_xadd_to_xread
from bench.bench_gateway import pct
from schemas.loading import load_rules
from services.demo.season import simulate_season
from services.projector import projector_running, rebuild
from services.runtime import keys
from services.runtime.logging import configure_logging
from services.runtime.redis import entry
from services.runtime.server import RedisProcess, server_binary
from services.runtime.settings import Settings
from tests.integration.projector_events import publish, wait_drained

RULES = Path(__file__).resolve().parents[1] / "rules" / "pccna-2024.yaml"
SCRATCH = "bench:scratch"  # the baselines' copy of the log
CHUNK = 10_000  # entries per publishing pipeline
DRAIN_TIMEOUT = 4 * 3600
RECORD_TIMEOUT = 120
CAUSES = re.compile(rb'"causes"\s*:\s*\[([^\]]*)\]')
POLES, PROVISIONAL, FASTEST_LAPS, FINAL = range(4)  # a race's steps (services.demo.season)


@dataclass(frozen=True)
class Season:
    """One simulated championship as JSON texts: its registration and, per race, per step, the events."""

    cid: str
    registration: str
    races: list[list[list[str]]]


@dataclass(frozen=True)
class Run:
    """Work over `events` entries: wall and CPU seconds."""

    events: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / self.events

    def __str__(self) -> str:
        return f"{self.rate:,.0f}/s, {self.cpu_ms:.3f} ms CPU"


@dataclass
class Figures:
    """What one N measured (times in seconds, sizes in bytes)."""

    championships: int
    events: int = 0
    catch_up: Run | None = None
    bare_ack: Run | None = None
    bare_store: Run | None = None
    rebuild: Run | None = None
    bare_replay: Run | None = None
    catch_up_gc: list[float] = field(default_factory=list)
    first_commit: tuple[float, float] = (0.0, 0.0)  # median latency, CPU (seconds)
    last_commit: tuple[float, float] = (0.0, 0.0)
    races: int = 0
    live: list[float] = field(default_factory=list)
    live_sent: int = 0
    bare_live: list[float] = field(default_factory=list)
    live_gc: list[float] = field(default_factory=list)
    changes_bytes: int = 0
    log_bytes: int = 0
    memory_per_championship: float = 0.0
    load: float = 0.0  # the machine's 1-minute load average at the end: other work skews wall times


class FullCollections:
    """Generation-2 garbage collections of this process while inside the block: their pauses (s)."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __enter__(self) -> FullCollections:
        gc.collect()
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)


def simulate(prefix: str, count: int, races: int, first_seed: int) -> list[Season]:
    rules = load_rules(RULES)
    seasons = []
    for i in range(count):
        sim = simulate_season(rules, championship_id=f"{prefix}-{i:04d}", races=races, seed=first_seed + i)
        steps = [[[e.model_dump_json() for e in step] for step in race.steps] for race in sim.races]
        seasons.append(Season(sim.championship_id, sim.registration.model_dump_json(), steps))
    return seasons


def interleaved(seasons: list[Season]) -> list[str]:
    """Every registration, then race 1 of each championship in turn, then race 2, ..."""
    races = range(len(seasons[0].races))
    return [s.registration for s in seasons] + [e for r in races for s in seasons for step in s.races[r] for e in step]


def swapped(text: str, revision: int, event_id: str) -> str:
    """A race.classified re-issued as `revision`: the two best scoring cars of the leading class swapped."""
    event = json.loads(text)
    cars = event["payload"]["entries"]
    scoring = [c for c in cars if c["status"] == "classified" and not c["guest"]]
    first = scoring[0]
    second = next(c for c in scoring[1:] if c["class_id"] == first["class_id"])
    first["position"], second["position"] = second["position"], first["position"]
    cars.sort(key=lambda c: c["position"])
    event["event_id"] = event_id
    event["payload"].update(revision=revision, provisional=False)
    return json.dumps(event)


async def timed(events: int, work: Awaitable) -> Run:
    wall, cpu = time.perf_counter(), time.process_time()
    await work
    return Run(events, time.perf_counter() - wall, time.process_time() - cpu)


async def publish_all(client, settings: Settings, texts: list[str]) -> None:
    for start in range(0, len(texts), CHUNK):
        await publish(client, settings, texts[start:start + CHUNK])


async def hset_each(client, entries: list[dict]) -> None:
    """The bare write: json.loads each entry's data, HSET it to its championship's hash (one pipeline)."""
    async with client.pipeline(transaction=False) as pipe:
        for fields in entries:
            event = json.loads(fields[b"data"])
            pipe.hset(f"bench:{{{event['championship_id']}}}:copy", event["event_id"], fields[b"data"])
        await pipe.execute()


async def bare_consumer(client, group: str, total: int, batch: int, *, store: bool) -> None:
    """XREADGROUP COUNT `batch` (+ the bare write when `store`) + XACK until `total` entries are acked."""
    await client.xgroup_create(SCRATCH, group, id="0")
    done = 0
    while done < total:
        for _, entries in await client.xreadgroup(group, "c", {SCRATCH: ">"}, count=batch, block=100):
            if store:
                await hset_each(client, [fields for _, fields in entries])
            await client.xack(SCRATCH, group, *[entry_id for entry_id, _ in entries])
            done += len(entries)


async def bare_replay(client, stream: str, page: int = 1000) -> None:
    """XRANGE pages of `stream`, each entry through the bare write."""
    start = "-"
    while entries := await client.xrange(stream, min=start, count=page):
        await hset_each(client, [fields for _, fields in entries])
        start = b"(" + entries[-1][0]


async def until_recorded(client, settings: Settings, cid: str, text: str) -> tuple[float, float]:
    """XADD `text`; wall and CPU seconds until a record on cid's changes stream cites it."""
    cause = f'"{json.loads(text)["event_id"]}"'.encode()
    stream = keys.changes_stream(cid)
    last = await client.xrevrange(stream, count=1)
    cursor = last[0][0] if last else b"0-0"
    wall, cpu = time.perf_counter(), time.process_time()
    await client.xadd(settings.events_stream, entry(text))
    while time.perf_counter() - wall < RECORD_TIMEOUT:
        for _, entries in await client.xread({stream: cursor}, block=1000) or []:
            for cursor, fields in entries:  # noqa: B007 - `cursor` is where the next XREAD starts
                if any(cause in causes for causes in CAUSES.findall(fields[b"data"])):
                    return time.perf_counter() - wall, time.process_time() - cpu
    raise TimeoutError(f"no standings.changed cites {cause.decode()} after {RECORD_TIMEOUT}s")


async def commit_costs(client, settings: Settings, probes: list[Season]) -> list[tuple[float, float]]:
    """Per race: median (latency, CPU) of one championship's provisional classification, committed alone."""
    await publish(client, settings, [p.registration for p in probes])
    await wait_drained(client, settings, DRAIN_TIMEOUT)
    medians = []
    for r in range(len(probes[0].races)):
        await publish(client, settings, [e for p in probes for e in p.races[r][POLES]])
        await wait_drained(client, settings, DRAIN_TIMEOUT)
        samples = [await until_recorded(client, settings, p.cid, p.races[r][PROVISIONAL][0]) for p in probes]
        medians.append((statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)))
        await publish(client, settings, [e for p in probes for e in p.races[r][FASTEST_LAPS] + p.races[r][FINAL]])
        await wait_drained(client, settings, DRAIN_TIMEOUT)
    return medians


async def live_latencies(client, settings: Settings, seasons: list[Season], count: int, rate: float) -> list[float]:
    """XADD → record (s) of `count` re-issued final classifications sent at `rate`/s; see the module doc."""
    seconds, micros = await client.time()
    since = f"{seconds * 1000 + micros // 1000 - 1}-0"  # every record written from now on comes after it
    sent: dict[str, float] = {}
    deadline = time.perf_counter() + count / rate + RECORD_TIMEOUT
    arrived, _ = await asyncio.gather(watch_records(client, seasons, since, sent, count, deadline),
                                      send_revisions(client, settings, seasons, count, rate, sent))
    return [arrived[cause] - sent[cause] for cause in arrived]


async def send_revisions(client, settings: Settings, seasons: list[Season], count: int, rate: float,
                         sent: dict[str, float]) -> None:
    """XADD a new revision of a random race at `rate`/s (each race once before any twice); event_id -> when."""
    races = [(s, r) for s in seasons for r in range(len(s.races))]
    random.Random(7).shuffle(races)
    latest: dict[tuple[str, int], str] = {}
    start = time.perf_counter()
    for n in range(count):
        season, r = races[n % len(races)]
        event_id = f"{season.cid}:live:{n}"
        text = swapped(latest.get((season.cid, r), season.races[r][FINAL][0]), 3 + n // len(races), event_id)
        latest[season.cid, r] = text
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
        sent[event_id] = time.perf_counter()
        await client.xadd(settings.events_stream, entry(text))


async def watch_records(client, seasons: list[Season], since: str, sent: dict[str, float], count: int,
                        deadline: float) -> dict[str, float]:
    """XREAD BLOCK on every championship's changes stream: when each sent event is first cited."""
    cursors = {keys.changes_stream(s.cid): since for s in seasons}
    arrived: dict[str, float] = {}
    while len(arrived) < count and time.perf_counter() < deadline:
        for stream, entries in await client.xread(cursors, block=100) or []:
            now = time.perf_counter()
            for entry_id, fields in entries:
                cursors[stream.decode()] = entry_id
                for causes in CAUSES.findall(fields[b"data"]):
                    arrived |= {c: now for c in json.loads(b"[" + causes + b"]") if c in sent and c not in arrived}
    return arrived


async def measure_baselines(client, settings: Settings, log: list[str], batch: int, figures: Figures) -> None:
    await publish_all(client, settings.model_copy(update={"events_stream": SCRATCH}), log)
    figures.bare_ack = await timed(len(log), bare_consumer(client, "ack", len(log), batch, store=False))
    figures.bare_store = await timed(len(log), bare_consumer(client, "store", len(log), batch, store=True))
    await client.flushall()


async def measure_bytes(client, settings: Settings, seasons: list[Season], figures: Figures) -> None:
    figures.log_bytes = await client.memory_usage(settings.events_stream, samples=0)
    figures.changes_bytes = sum([await client.memory_usage(keys.changes_stream(s.cid), samples=0) or 0 for s in seasons])


def bench_client(url: str) -> Redis:
    """This harness's client, without redis-py's default 5 s read timeout: the projector shares the event
    loop and may hold it for seconds, which would surface here as a spurious Redis TimeoutError."""
    return Redis.from_url(url, decode_responses=False, socket_timeout=None)


async def used_memory(client) -> int:
    return (await client.info("memory"))["used_memory"]


async def measure(url: str, args: argparse.Namespace, count: int) -> Figures:
    client = bench_client(url)
    settings = Settings(redis_url=url, consumer_name="bench", batch_size=args.batch, log_level="WARNING")
    seasons = simulate("bench", count, args.races, 0)
    probes = simulate("probe", args.probes, args.races, 100_000)
    log = interleaved(seasons)
    figures = Figures(count, events=len(log), races=len(seasons[0].races))
    await measure_baselines(client, settings, log, args.batch, figures)
    await publish_all(client, settings, log)
    before = await used_memory(client)
    async with projector_running(url, settings):
        with FullCollections() as collections:
            figures.catch_up = await timed(len(log), wait_drained(client, settings, DRAIN_TIMEOUT))
        figures.catch_up_gc = collections.pauses
        figures.memory_per_championship = (await used_memory(client) - before) / count
        await measure_bytes(client, settings, seasons, figures)
        costs = await commit_costs(client, settings, probes)
        figures.first_commit, figures.last_commit = costs[0], costs[-1]
        figures.live_sent = round(args.live_seconds * args.rate)
        figures.bare_live = await bare_xadd_to_xread(url, figures.live_sent, args.rate)
        with FullCollections() as collections:
            figures.live = await live_latencies(client, settings, seasons, figures.live_sent, args.rate)
        figures.live_gc = collections.pauses
        await wait_drained(client, settings, DRAIN_TIMEOUT)
    total = await client.xlen(settings.events_stream)
    figures.bare_replay = await timed(total, bare_replay(client, settings.events_stream))
    figures.rebuild = await timed(total, rebuild(client, settings))
    await client.aclose()
    figures.load = os.getloadavg()[0]
    return figures


def run(args: argparse.Namespace) -> list[Figures]:
    results = []
    for count in args.championships:
        with tempfile.TemporaryDirectory() as data:
            server = RedisProcess(server_binary(prefer_path=True), Path(data), ("--save", "", "--appendonly", "no"))
            server.start()
            try:
                results.append(asyncio.run(measure(server.url, args, count)))
            finally:
                server.stop()
        if len(results) < len(args.championships):
            print(f"so far:\n{report(results)}", file=sys.stderr, flush=True)
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def quantiles(values: list[float], *qs: int) -> str:
    return " / ".join(f"{pct(values, q):,.1f}" for q in qs) + " ms"


def gc_pauses(pauses: list[float]) -> str:
    return f"{len(pauses)}, longest {ms(max(pauses, default=0.0))}"


def rows(f: Figures) -> list[tuple[str, str]]:
    """(measure, value) for one N, in report order."""
    first, last = f.first_commit, f.last_commit
    return [
        ("events in the log", f"{f.events:,}"),
        ("1. catch-up: projector", str(f.catch_up)),
        ("1a. baseline: XREADGROUP + XACK", str(f.bare_ack)),
        ("1a. projector / baseline (events/s)", f"{f.catch_up.rate / f.bare_ack.rate:.4f}x"),
        ("1b. baseline: XREADGROUP + json.loads + HSET + XACK", str(f.bare_store)),
        ("1b. projector / baseline (events/s)", f"{f.catch_up.rate / f.bare_store.rate:.4f}x"),
        ("1. full GCs during the catch-up", gc_pauses(f.catch_up_gc)),
        ("2. rebuild", str(f.rebuild)),
        ("2. baseline: XRANGE + json.loads + HSET", str(f.bare_replay)),
        ("2. rebuild / baseline (events/s)", f"{f.rebuild.rate / f.bare_replay.rate:.4f}x"),
        ("3. one commit, race 1: latency (CPU)", f"{ms(first[0])} ({ms(first[1])})"),
        (f"3. one commit, race {f.races}: latency (CPU)", f"{ms(last[0])} ({ms(last[1])})"),
        (f"3. race {f.races} / race 1 (latency)", f"{last[0] / first[0]:.2f}x"),
        ("4. live: XADD → record, p50 / p99 / max", f"{quantiles(f.live, 50, 99)} / {ms(max(f.live))}"),
        ("4. live: records seen / events sent", f"{len(f.live)} / {f.live_sent}"),
        ("4. baseline: XADD → XREAD, p50 / p99", quantiles(f.bare_live, 50, 99)),
        ("4. live p99 / baseline p99", f"{pct(f.live, 99) / pct(f.bare_live, 99):,.0f}x"),
        ("4. full GCs during the live window", gc_pauses(f.live_gc)),
        ("5. changes streams, all championships", f"{f.changes_bytes / 1e6:,.1f} MB"),
        ("5. event log stream", f"{f.log_bytes / 1e6:,.1f} MB"),
        ("5. changes / log (bytes)", f"{f.changes_bytes / f.log_bytes:.2f}x"),
        ("5. used_memory added by the catch-up, per championship", f"{f.memory_per_championship / 1e3:,.0f} KB"),
        ("machine load average (1 min) at the end", f"{f.load:.2f}"),
    ]


def report(results: list[Figures]) -> str:
    columns = [dict(rows(f)) for f in results]
    header = "| measure | " + " | ".join(f"{f.championships:,} championships" for f in results) + " |"
    lines = [header, "|---" * (len(results) + 1) + "|"]
    for label, _ in rows(results[0]):
        lines.append(f"| {label} | " + " | ".join(c.get(label, "") for c in columns) + " |")
    if len(results) > 1:
        small, large = results[0], results[-1]
        lines.append(f"\nCPU per event in the catch-up, {large.championships:,} vs {small.championships:,} championships: "
                     f"{large.catch_up.cpu_ms / small.catch_up.cpu_ms:.2f}x")
    return "\n".join(lines)


def environment(args: argparse.Namespace) -> str:
    binary = server_binary(prefer_path=True)
    server = os.popen(f"{binary} --version").read().strip()
    return "\n".join([
        f"command: python -m bench.bench_season {' '.join(sys.argv[1:])}".rstrip(),
        f"python {platform.python_version()}, redis-py {version('redis')}, faststream {version('faststream')}, "
        f"{os.cpu_count()} CPUs; {server}",
        f"log: simulated PCCNA-2024 seasons, {args.races} races each, interleaved race by race; batch {args.batch}; "
        f"{args.probes} probe championships; live {args.live_seconds:g} s at {args.rate:g} events/s",
    ])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--championships", default="100,1000", help="comma-separated values of N")
    parser.add_argument("--races", type=int, default=16)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--probes", type=int, default=10, help="championships timed commit by commit (3)")
    parser.add_argument("--live-seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 championships, 4 races, 3 probes, 5 s live")
    args = parser.parse_args()
    if args.quick:
        args.championships, args.races, args.probes, args.live_seconds = "10", 4, 3, 5
    args.championships = [int(n) for n in args.championships.split(",")]
    return args


def main() -> None:
    args = parse_args()
    configure_logging(Settings(log_level="WARNING"))  # per-batch logs off: measure the work, not the console
    print(environment(args), flush=True)
    print(report(run(args)))


if __name__ == "__main__":
    main()
