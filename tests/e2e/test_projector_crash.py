"""Crash safety: a projector process SIGKILLed mid-batch, a second consumer finishes the job.

The victim runs as its own OS process (`python -m services.projector`) on a backlog of ~2000
events across 16 championships; it is killed right after its first commit, while entries are
pending in its name. A second process with another consumer name and a short claim idle time
reclaims them (XAUTOCLAIM) and reads the rest. Afterwards: tables equal the pure engine's result
for all events, byte for byte; each championship's published versions are exactly 1..N; no fact
change is announced twice; the accepted records hold every event; every entry is acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from projector_events import group_state, publish, season, snapshot, wait_drained  # noqa: E402

from schemas.events import parse_event  # noqa: E402
from services.engine import apply_batch, standings  # noqa: E402
from services.projector.stored import render_tables  # noqa: E402
from services.runtime import keys  # noqa: E402
from services.runtime.settings import Settings  # noqa: E402

CHAMPIONSHIPS = [f"cup-{i:02d}" for i in range(16)]


def spawn(url: str, consumer: str, claim_idle_ms: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STANDINGS_REDIS_URL": url,
        "STANDINGS_CONSUMER_NAME": consumer,
        "STANDINGS_CLAIM_IDLE_MS": str(claim_idle_ms),
        "STANDINGS_BATCH_SIZE": "100",
        "STANDINGS_LOG_LEVEL": "WARNING",
        "STANDINGS_LOG_FORMAT": "json",
    }
    return subprocess.Popen([sys.executable, "-m", "services.projector"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


async def versions_total(client) -> int:
    values = await client.mget([keys.version_key(c) for c in CHAMPIONSHIPS])
    return sum(int(v) for v in values if v)


@pytest.mark.timeout(180)
async def test_sigkill_mid_batch_then_another_consumer_finishes(redis_url, redis_client, tmp_path):
    s = Settings(redis_url=redis_url, consumer_name="test")
    events = [e for i, cid in enumerate(CHAMPIONSHIPS) for e in season(cid, revisions=6, seed=i)]
    registrations = [e for e in events if e["type"] == "championship.registered"]
    rest = [e for e in events if e["type"] != "championship.registered"]
    random.Random(42).shuffle(rest)
    await publish(redis_client, s, registrations + rest)
    assert len(events) >= 2000

    victim = spawn(redis_url, "victim", 600_000, tmp_path / "victim.log")
    try:
        deadline = time.monotonic() + 60
        while await versions_total(redis_client) == 0:
            assert victim.poll() is None, (tmp_path / "victim.log").read_text()
            assert time.monotonic() < deadline, "the victim never committed"
            await asyncio.sleep(0.001)
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.kill()
        victim.wait()

    pending = await redis_client.xpending(s.events_stream, s.projector_group)
    by_consumer = {c["name"].decode(): c["pending"] for c in pending["consumers"]}
    assert by_consumer.get("victim", 0) > 0, "killed between batches: nothing left to reclaim"
    state = await group_state(redis_client, s)
    assert state["lag"] > 0, "the victim had already read everything"
    processed_at_kill = sum([await redis_client.hlen(keys.accepted_key(c)) for c in CHAMPIONSHIPS])
    assert processed_at_kill < len(events)

    rescuer = spawn(redis_url, "rescuer", 300, tmp_path / "rescuer.log")
    try:
        await wait_drained(redis_client, s, timeout=120)
    finally:
        rescuer.send_signal(signal.SIGTERM)
        try:
            rescuer.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rescuer.kill()
            rescuer.wait()

    assert await group_state(redis_client, s) == {"pending": 0, "lag": 0}  # every entry acknowledged
    assert await redis_client.xlen(s.dead_letter_stream) == 0
    for cid in CHAMPIONSHIPS:
        mine = [parse_event(json.dumps(e)) for e in events if e["championship_id"] == cid]
        expected = {k.encode(): v for k, v in render_tables(standings(_facts(mine))).items()}
        snap = await snapshot(redis_client, cid)
        assert snap["tables"] == expected, cid  # totals exact, byte for byte
        published = [c["payload"]["version"] for c in snap["changes"]]
        assert published == list(range(1, snap["version"] + 1)), cid  # contiguous, no gap
        causes = [e for c in snap["changes"] for e in c["payload"]["causes"]]
        assert len(causes) == len(set(causes)), cid  # no fact change announced twice
        assert await redis_client.hlen(keys.accepted_key(cid)) == len(mine)
    log = (tmp_path / "rescuer.log").read_text()
    assert "Traceback" not in log, log


def _facts(events) -> dict:
    facts: dict = {}
    apply_batch(facts, events)
    return facts
