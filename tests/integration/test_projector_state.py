"""The projector's in-memory states: trusted only while they are what is stored (real Redis).

Each projector holds the championships it works on and reuses them while the stored stamp is the
one it wrote; another writer (a second replica, a rebuild) changes the stamp and the holder
reloads. These tests let two projectors take turns on one championship, and a rebuild cut in.
"""

from __future__ import annotations

import asyncio
import json

from projector_events import publish, season, snapshot

from schemas.events import parse_event
from services.demo.publisher import reset
from services.engine import standings
from services.projector import rebuild
from services.projector.handler import Projector
from services.projector.stored import render_tables
from services.runtime import keys
from services.runtime.settings import Settings
from tests.builders import facts_of


def settings_for(url: str, **overrides) -> Settings:
    return Settings(redis_url=url, consumer_name="state-test", **overrides)


async def entries_of(client, settings, events) -> list[tuple[bytes, dict]]:
    await publish(client, settings, events)
    return await client.xrange(settings.events_stream)


def expected_tables(events: list[dict]) -> dict[bytes, bytes]:
    tables = standings(facts_of(*(parse_event(e) for e in events)))
    return {key.encode(): text for key, text in render_tables(tables).items()}


async def test_two_projectors_taking_turns_on_one_championship_keep_it_exact(redis_url, redis_client):
    """Each sees the other's commits through the stamp: no table is computed on a stale state."""
    s = settings_for(redis_url)
    events = season("cup", rounds=4, revisions=2)
    entries = await entries_of(redis_client, s, events)
    turns = [Projector(redis_client, s), Projector(redis_client, s)]
    loads, parsed = [], []
    for i in range(0, len(entries), 3):
        batch = entries[i:i + 3]
        outcome = await turns[(i // 3) % 2].handle([sid for sid, _ in batch], [fields for _, fields in batch])
        loads += [commit.loaded for commit in outcome.commits]
        parsed += [commit.parsed for commit in outcome.commits]
    snap = await snapshot(redis_client, "cup")
    assert snap["tables"] == expected_tables(events)
    assert [c["payload"]["version"] for c in snap["changes"]] == list(range(1, snap["version"] + 1))
    assert loads[1:] == [True] * (len(loads) - 1)  # every turn follows the other projector's write
    # ... and, from the third on, reads back only the facts the other one changed (at most its 3 events)
    assert max(parsed[2:]) <= 3 < sum(parsed)


async def test_a_projector_working_alone_reads_no_state_back(redis_url, redis_client):
    s = settings_for(redis_url)
    entries = await entries_of(redis_client, s, season("cup", rounds=4))
    projector, loads = Projector(redis_client, s), []
    for sid, fields in entries:
        loads += [commit.loaded for commit in (await projector.handle([sid], [fields])).commits]
    assert loads == [True] + [False] * (len(entries) - 1)


async def test_a_rebuild_makes_the_holder_reload(redis_url, redis_client):
    s = settings_for(redis_url)
    events = season("cup", rounds=4)
    entries = await entries_of(redis_client, s, events)
    projector, half = Projector(redis_client, s), len(entries) // 2
    await projector.handle([sid for sid, _ in entries[:half]], [fields for _, fields in entries[:half]])
    await redis_client.hdel(keys.tables_key("cup"), "teams/pro")  # lost: the rebuild restores it
    [report] = await rebuild(redis_client, s, "cup")
    assert report.changed
    outcome = await projector.handle([sid for sid, _ in entries[half:]], [fields for _, fields in entries[half:]])
    assert [commit.loaded for commit in outcome.commits] == [True]
    assert (await snapshot(redis_client, "cup"))["tables"] == expected_tables(events)


async def test_the_changes_stream_keeps_about_its_retention(redis_url, redis_client):
    """Records past `changes_retention` are trimmed (approximately: whole stream nodes at a time)."""
    await redis_client.config_set("stream-node-max-entries", 4)
    try:
        s = settings_for(redis_url, changes_retention=5)
        entries = await entries_of(redis_client, s, season("cup", rounds=8))
        projector = Projector(redis_client, s)
        for sid, fields in entries:
            await projector.handle([sid], [fields])
    finally:
        await redis_client.config_set("stream-node-max-entries", 100)
    version = int(await redis_client.get(keys.version_key("cup")))
    kept = [json.loads(fields[b"data"])["payload"]["version"]
            for _, fields in await redis_client.xrange(keys.changes_stream("cup"))]
    assert version > 20 and 5 <= len(kept) < 5 + 4
    assert kept == list(range(version - len(kept) + 1, version + 1))  # the newest, in order


async def test_concurrent_commits_in_one_process_never_share_a_state(redis_url, redis_client):
    """The consumer and the claimer commit side by side: each result is announced by its own commit."""
    s = settings_for(redis_url)
    events = season("cup", rounds=4, revisions=2)
    entries = await entries_of(redis_client, s, events)
    projector = Projector(redis_client, s)
    (registration, fields), rest = entries[0], entries[1:]
    await projector.handle([registration], [fields])  # results before their rules would wait for redelivery
    batches = [rest[i:i + 2] for i in range(0, len(rest), 2)]
    overlapped = 0
    for pair in zip(batches[::2], batches[1::2], strict=True):
        outcomes = await asyncio.gather(*(projector.handle([sid for sid, _ in b], [f for _, f in b]) for b in pair))
        commits = [commit for outcome in outcomes for commit in outcome.commits]
        overlapped += any(commit.loaded or commit.attempts > 1 for commit in commits)
    assert overlapped >= len(batches) // 4  # most pairs did run into each other: the race is exercised
    snap = await snapshot(redis_client, "cup")
    assert snap["tables"] == expected_tables(events)
    assert [c["payload"]["version"] for c in snap["changes"]] == list(range(1, snap["version"] + 1))
    announced = {cause for c in snap["changes"] for cause in c["payload"]["causes"]}
    final = {e["payload"]["race_id"]: e["event_id"] for e in events if e["type"] == "race.classified"}  # last revision
    assert set(final.values()) <= announced


async def test_a_demo_reset_makes_the_holder_reload(redis_url, redis_client):
    s = settings_for(redis_url)
    events = season("cup", rounds=2)
    entries = await entries_of(redis_client, s, events)
    projector = Projector(redis_client, s)
    await projector.handle([sid for sid, _ in entries], [fields for _, fields in entries])
    await reset(redis_client, "cup", flush=False)
    replayed = await publish(redis_client, s, [{**e, "event_id": f"again:{e['event_id']}"} for e in events])
    fields = [{b"data": json.dumps({**e, "event_id": f"again:{e['event_id']}"}).encode()} for e in events]
    outcome = await projector.handle(replayed, fields)
    assert [commit.loaded for commit in outcome.commits] == [True]
    assert (await snapshot(redis_client, "cup"))["tables"] == expected_tables(events)


async def test_events_that_break_the_rules_write_nothing(redis_url, redis_client):
    """Results of an unknown championship leave no key behind (they wait, then go to the dead letters)."""
    s = settings_for(redis_url)
    entries = await entries_of(redis_client, s, season("nobody", rounds=1)[1:])
    outcome = await Projector(redis_client, s).handle([sid for sid, _ in entries], [fields for _, fields in entries])
    assert outcome.retrying and not outcome.acked
    assert await redis_client.keys("standings:{nobody}*") == []
