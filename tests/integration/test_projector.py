"""The projector's guarantees, each against a real redis-server (tests/conftest.py fixtures).

Exactly-once effect under redelivery, order independence, poison entries, delivery limits and
re-drive. Rebuild: test_projector_rebuild.py; SIGKILL crash: tests/e2e/test_projector_crash.py.
"""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from projector_events import group_state, publish, race, registration, season, snapshot, until, wait_drained

from schemas.standings import StandingsChanged
from services.engine import Championship
from services.projector import dead_letters, projector_running, rebuild
from services.projector.handler import Projector
from services.runtime import keys
from services.runtime.redis import connect
from services.runtime.settings import Settings


def settings_for(url: str, **overrides) -> Settings:
    values = {"redis_url": url, "consumer_name": "test-projector", "claim_idle_ms": 100, "batch_size": 100}
    return Settings(**{**values, **overrides})


async def project(client, settings, events) -> None:
    """Publish `events`, run the projector until the group is drained, stop it."""
    await publish(client, settings, events)
    async with projector_running(settings.redis_url, settings):
        await wait_drained(client, settings)


def versions(snap: dict) -> list[int]:
    return [c["payload"]["version"] for c in snap["changes"]]


async def test_projects_and_publishes_contiguous_versions(redis_url, redis_client):
    s = settings_for(redis_url, batch_size=5)
    events = season("cup", revisions=2)
    await project(redis_client, s, events)
    snap = await snapshot(redis_client, "cup")
    assert set(snap["tables"]) == {b"drivers/pro", b"drivers/am", b"teams/pro", b"teams/am"}
    assert versions(snap) == list(range(1, snap["version"] + 1))
    last = snap["changes"][-1]
    assert last["event_id"] == f"cup:v{snap['version']}" and last["type"] == "standings.changed"
    causes = [c for change in snap["changes"] for c in change["payload"]["causes"]]
    assert len(causes) == len(set(causes))  # every fact change announced once
    for change in snap["changes"]:
        StandingsChanged.model_validate(change)  # the public output contract
    when = {e["event_id"]: e["occurred_at"] for e in events}
    for change in snap["changes"]:  # from the causing events, not the clock
        assert change["occurred_at"] == max(when[c] for c in change["payload"]["causes"])
    assert await redis_client.sismember(keys.CHAMPIONSHIPS_KEY, "cup")
    assert await redis_client.hlen(keys.accepted_key("cup")) == len(events)


async def test_exactly_once_effect_under_redelivery(redis_url, redis_client):
    s = settings_for(redis_url, batch_size=7)
    events = season("cup", revisions=2) + season("other", seed=3)
    await project(redis_client, s, events)
    before = {cid: await snapshot(redis_client, cid) for cid in ("cup", "other")}
    assert before["cup"]["version"] > 0

    # 1. the same events published again (new stream entries, same event ids), shuffled
    again = events[:]
    random.Random(1).shuffle(again)
    await project(redis_client, s, again)
    # 2. the whole log redelivered to the group (as after losing the group's position)
    await redis_client.xgroup_setid(s.events_stream, s.projector_group, "0")
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)
    # 3. a batch handled twice by the handler itself (commit done, ack lost)
    entries = await redis_client.xrange(s.events_stream, count=50)
    projector = Projector(redis_client, s)
    for _ in range(2):
        await projector.handle([i for i, _ in entries], [f for _, f in entries])

    for cid in ("cup", "other"):
        assert await snapshot(redis_client, cid) == before[cid]
    assert await redis_client.xlen(s.dead_letter_stream) == 0


async def test_a_redelivered_event_is_judged_by_the_accepted_record_not_the_rules_of_today(redis_url, redis_client):
    """Round 8 is accepted, then a rules revision shortens the season to 4 rounds. Redelivered
    (a producer's retry), the round-8 race is a duplicate of what was accepted: acknowledged, no
    change. Judged afresh it would break today's rules and end as a dead letter after its retries."""
    s = settings_for(redis_url, claim_idle_ms=100, max_deliveries=2)
    late = race("cup", 8, 1)
    await project(redis_client, s, [registration("cup"), late, registration("cup", revision=2, rounds=4)])
    before = await snapshot(redis_client, "cup")
    assert late["event_id"].encode() in before["accepted"]

    await project(redis_client, s, [late])

    assert await snapshot(redis_client, "cup") == before
    assert await redis_client.xlen(s.dead_letter_stream) == 0


async def test_a_later_revision_wins_whatever_the_arrival_order(redis_url, redis_client):
    s = settings_for(redis_url)
    reg, rev1, rev2 = registration("cup"), race("cup", 1, 1, revision=1), race("cup", 1, 1, revision=2)
    await project(redis_client, s, [reg, rev2])
    first = await snapshot(redis_client, "cup")
    await project(redis_client, s, [rev1])  # the older revision arrives late: no effect but its verdict
    after = await snapshot(redis_client, "cup")
    assert after.pop("accepted").keys() - first.pop("accepted").keys() == {rev1["event_id"].encode()}
    assert after == first
    assert json.loads(first["facts"][b"race:r01-1"])["event_id"] == rev2["event_id"]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_order_independence_over_shuffled_streams(redis_url, redis_client, seed):
    """Any permutation of the same events (after the registration) gives byte-identical tables."""
    events = season("cup", revisions=3, seed=seed) + season("other", revisions=2, seed=seed)
    registrations = [e for e in events if e["type"] == "championship.registered"]
    rest = [e for e in events if e["type"] != "championship.registered"]
    results = []
    for permutation, batch_size in ((0, 100), (1, 1), (2, 13)):
        await redis_client.flushall()
        shuffled = rest[:]
        random.Random(seed * 10 + permutation).shuffle(shuffled)
        s = settings_for(redis_url, batch_size=batch_size)
        await project(redis_client, s, registrations + shuffled)
        results.append({cid: (await snapshot(redis_client, cid))["tables"] for cid in ("cup", "other")})
    assert results[0] == results[1] == results[2]
    assert results[0]["cup"] and results[0]["other"]


POISON = {
    "bad json": "{not json",
    "schema violation": json.dumps({"event_id": "bad-1", "type": "race.classified", "championship_id": "cup"}),
}


@pytest.mark.faults
async def test_poison_entries_are_dead_lettered_and_the_consumer_keeps_going(redis_url, redis_client):
    s = settings_for(redis_url, batch_size=3)
    good_race = race("cup", 1, 1)
    unknown_championship = race("nobody", 1, 1)
    unknown_class = race("cup", 1, 2)
    unknown_class["event_id"] = "cup:unknown-class"
    unknown_class["payload"]["entries"][0]["class_id"] = "gt3"
    two_cars_one_position = race("cup", 2, 1)
    two_cars_one_position["event_id"] = "cup:same-position"
    two_cars_one_position["payload"]["entries"][1]["position"] = 1
    not_in_calendar = race("cup", 1, 1)
    not_in_calendar["event_id"] = "cup:not-in-calendar"
    not_in_calendar["payload"]["race_id"] = "r99-9"
    after = race("cup", 2, 2)

    ids = await publish(redis_client, s, [
        registration("cup"), POISON["bad json"], POISON["schema violation"], unknown_championship,
        unknown_class, two_cars_one_position, not_in_calendar, good_race, after,
    ])
    await redis_client.xadd(s.events_stream, {"payload": "no data field"})
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)

    letters = await dead_letters.list_dead_letters(redis_client, s)
    by_stream_id = {d.stream_id: d for d in letters}
    expect = {
        ids[1]: ("invalid event", None, None),
        ids[2]: ("race.classified.payload: Field required", "bad-1", "cup"),
        ids[3]: ("unknown championship 'nobody'", unknown_championship["event_id"], "nobody"),
        ids[4]: ("unknown class 'gt3'", "cup:unknown-class", "cup"),
        ids[5]: ("is held by two cars", "cup:same-position", "cup"),
        ids[6]: ("not in the calendar", "cup:not-in-calendar", "cup"),
    }
    assert len(letters) == len(expect) + 1
    for sid, (reason, event_id, cid) in expect.items():
        letter = by_stream_id[sid.decode()]
        assert reason in letter.reason
        assert (letter.event_id, letter.championship_id) == (event_id, cid)
        assert letter.failed_at.endswith("Z")
    assert by_stream_id[ids[3].decode()].payload == json.dumps(unknown_championship)  # the original bytes
    assert any("no 'data' field" in d.reason for d in letters)

    facts = (await snapshot(redis_client, "cup"))["facts"]
    assert set(facts) == {b"rules", b"race:r01-1", b"race:r02-2"}  # the valid ones after the poison
    processed = {m.decode() for m in await redis_client.hkeys(keys.accepted_key("cup"))}
    assert "cup:unknown-class" not in processed


async def test_redrive_applies_a_dead_letter_once_its_championship_exists(redis_url, redis_client):
    s = settings_for(redis_url)
    early = race("cup", 1, 1)
    await project(redis_client, s, [early])  # no rules yet: dead-lettered
    [letter] = await dead_letters.list_dead_letters(redis_client, s)
    assert "unknown championship" in letter.reason
    assert await dead_letters.get_dead_letter(redis_client, s, letter.id) == letter
    await project(redis_client, s, [registration("cup")])
    moved = await dead_letters.redrive(redis_client, s)
    assert list(moved) == [letter.id]
    assert await dead_letters.count_dead_letters(redis_client, s) == 0
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)
    assert b"race:r01-1" in (await snapshot(redis_client, "cup"))["facts"]


@pytest.mark.faults
async def test_an_entry_failing_every_delivery_is_dead_lettered_after_max_deliveries(redis_url, redis_client, monkeypatch):
    """An unexpected error leaves entries pending; the claimer redelivers them up to the limit."""
    s = settings_for(redis_url, max_deliveries=3, claim_idle_ms=50)
    cursed = race("cup", 1, 2)
    real_apply = Championship.apply
    attempts = []

    def flaky_apply(state, events, **options):
        if any(event.event_id == cursed["event_id"] for event in events):
            attempts.append(1)
            raise RuntimeError("engine bug")
        return real_apply(state, events, **options)

    monkeypatch.setattr(Championship, "apply", flaky_apply)
    await project(redis_client, s, [registration("cup"), race("cup", 1, 1), cursed, race("cup", 2, 1)])
    [letter] = await dead_letters.list_dead_letters(redis_client, s)
    assert letter.event_id == cursed["event_id"] and "delivered 4 times (max 3)" in letter.reason
    assert len(attempts) == 3
    facts = (await snapshot(redis_client, "cup"))["facts"]
    assert {b"race:r01-1", b"race:r02-1"} <= set(facts) and b"race:r01-2" not in facts


async def test_results_published_before_their_registration_are_applied_once_it_arrives(redis_url, redis_client):
    """Another consumer may commit a championship's results before its registration (reorder)."""
    s = settings_for(redis_url, claim_idle_ms=100, max_deliveries=20)
    early = [race("cup", 1, 1), race("cup", 1, 2)]
    await publish(redis_client, s, early)
    async with projector_running(redis_url, s):
        async def delivered_and_left_pending() -> bool:  # the championship is unknown yet
            return (await group_state(redis_client, s)) == {"pending": 2, "lag": 0}

        await until(delivered_and_left_pending)
        assert (await snapshot(redis_client, "cup"))["facts"] == {}
        await publish(redis_client, s, [registration("cup")])
        await wait_drained(redis_client, s)
    snap = await snapshot(redis_client, "cup")
    assert set(snap["facts"]) == {b"rules", b"race:r01-1", b"race:r01-2"}
    assert await redis_client.xlen(s.dead_letter_stream) == 0
    [report] = await rebuild(redis_client, s, "cup")  # the rebuild agrees, though the log has them first
    assert not report.changed and await snapshot(redis_client, "cup") == snap


@pytest.mark.faults
async def test_entries_no_parser_can_read_reach_a_final_state(redis_url, redis_client):
    """JSON nested past any parser's depth and bytes that are not UTF-8 are dead-lettered; a valid
    event carrying an extra field that is not UTF-8 is applied."""
    s = settings_for(redis_url)
    await publish(redis_client, s, [registration("cup")])
    await redis_client.xadd(s.events_stream, {"data": "[" * 5000 + "]" * 5000})
    await redis_client.xadd(s.events_stream, {"data": b"\xff\xfe{not utf-8"})
    await redis_client.xadd(s.events_stream, {"data": json.dumps(race("cup", 1, 1)), "extra": b"\xff\xfe"})
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)
    letters = await dead_letters.list_dead_letters(redis_client, s)
    assert len(letters) == 2 and all(letter.reason.startswith("invalid event") for letter in letters)
    assert b"race:r01-1" in (await snapshot(redis_client, "cup"))["facts"]


@pytest.mark.faults
async def test_after_a_redis_kill_and_aof_restart_the_projector_catches_up_within_seconds(start_redis):
    """Redis killed with -9 mid-season and restarted from its AOF: nothing acknowledged is lost, and
    the events published after the restart are applied within 5 s of it, on the connections the
    projector reopens by itself (not after a claim timeout, a minute here)."""
    server = start_redis(appendonly=True)
    s = settings_for(server.url, claim_idle_ms=60_000)
    before, after = season("cup")[:9], season("cup")[9:]
    client = connect(server.url)
    try:
        await publish(client, s, before)
        async with projector_running(server.url, s):
            await wait_drained(client, s)
            server.kill()
            server.restart()
            restarted = asyncio.get_running_loop().time()
            await publish(client, s, after)
            await wait_drained(client, s, timeout=5)
            assert asyncio.get_running_loop().time() - restarted < 5
        accepted = {i.decode() for i in await client.hkeys(keys.accepted_key("cup"))}
        assert accepted == {e["event_id"] for e in before + after}
    finally:
        await client.aclose()


@pytest.mark.faults
async def test_lax_input_is_dead_lettered_naming_the_field(redis_url, redis_client):
    """No coercion, bounded names and sizes, plausible timestamps: each refused entry's dead letter
    names the field and the reason, and the valid event after them is applied."""
    s = settings_for(redis_url)

    def altered(n: int, change) -> dict:
        event = race("cup", 1, 1)
        event["event_id"] = f"cup:lax-{n}"
        change(event)
        return event

    cases = {
        "payload.entries.0.position: Input should be a valid integer":
            altered(1, lambda e: e["payload"]["entries"][0].update(position="1")),
        "payload.entries.0.guest: Input should be a valid boolean":
            altered(2, lambda e: e["payload"]["entries"][0].update(guest="yes")),
        "payload.revision: Input should be a valid integer": altered(3, lambda e: e["payload"].update(revision=True)),
        "occurred_at: Value error, 9999-12-31T00:00:00+00:00 is outside the years 1900-2199":
            altered(4, lambda e: e.update(occurred_at="9999-12-31T00:00:00Z")),
        "occurred_at: Value error, needs a timezone": altered(5, lambda e: e.update(occurred_at="2024-05-05 17:30:00")),
        "payload.entries.0.team_name: String should have at most 120 characters":
            altered(6, lambda e: e["payload"]["entries"][0].update(team_name="T" * 1000)),
        "over the maximum of 524288": altered(7, lambda e: e["payload"]["entries"][0].update(driver_name="D" * 1_000_000)),
    }
    ids = await publish(redis_client, s, [registration("cup"), *cases.values(), race("cup", 1, 2)])
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)

    reasons = {d.stream_id: d.reason for d in await dead_letters.list_dead_letters(redis_client, s)}
    for stream_id, expected in zip(ids[1:-1], cases, strict=True):
        reason = reasons.pop(stream_id.decode())
        assert reason.startswith("invalid event: ") and expected.replace("Value error, ", "") in reason, reason
    assert reasons == {}
    assert set(await redis_client.hkeys(keys.facts_key("cup"))) == {b"rules", b"race:r01-2"}
