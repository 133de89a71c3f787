"""Rebuild equals live (byte-identical), publishes nothing, and survives a live projector."""

from __future__ import annotations

import json
import random

import pytest
from projector_events import publish, race, registration, season, snapshot, until, wait_drained

from services.projector import dead_letters, projector_running, rebuild
from services.runtime import keys
from services.runtime.settings import Settings

CIDS = ("cup", "other")


def settings_for(url: str, **overrides) -> Settings:
    return Settings(**{"redis_url": url, "consumer_name": "live", "claim_idle_ms": 100, "batch_size": 9, **overrides})


async def live_projection(client, settings, events) -> dict:
    await publish(client, settings, events)
    async with projector_running(settings.redis_url, settings):
        await wait_drained(client, settings)
    return {cid: await snapshot(client, cid) for cid in CIDS}


async def test_rebuild_equals_live_and_publishes_nothing(redis_url, redis_client):
    s = settings_for(redis_url)
    events = season("cup", revisions=2) + season("other", seed=5)
    random.Random(7).shuffle(events[1:])
    events += [race("nobody", 1, 1), "{broken"]  # dead letters stay out of the rebuild too
    live = await live_projection(redis_client, s, events)
    progress: list[tuple[int, int]] = []

    reports = await rebuild(redis_client, s, progress=lambda done, total: progress.append((done, total)))

    assert {r.championship_id for r in reports} == {"cup", "other", "nobody"}
    for cid in CIDS:
        assert await snapshot(redis_client, cid) == live[cid]  # tables, facts, version, changes: identical
    assert all(not r.changed for r in reports)
    assert progress[-1] == (len(events), len(events))
    assert await redis_client.exists(keys.tables_key("nobody")) == 0
    leftovers = [k async for k in redis_client.scan_iter(match="*rebuild*")]
    assert leftovers == []


async def test_rebuild_of_a_wiped_projection_gives_the_same_bytes(redis_url, redis_client):
    s = settings_for(redis_url)
    live = await live_projection(redis_client, s, season("cup", revisions=3) + season("other", seed=2))
    for cid in CIDS:
        await redis_client.delete(keys.facts_key(cid), keys.tables_key(cid), keys.accepted_key(cid), keys.version_key(cid))

    [report] = await rebuild(redis_client, s, "cup")

    after = await snapshot(redis_client, "cup")
    assert report.mode == "log" and report.changed
    assert after["tables"] == live["cup"]["tables"] and after["facts"] == live["cup"]["facts"]
    assert after["changes"] == live["cup"]["changes"]  # nothing published...
    assert after["version"] == live["cup"]["version"] + 1  # ...but the version moved on: a visible gap
    assert await redis_client.exists(keys.tables_key("other")) == 0  # only the one asked for


async def test_rebuild_while_the_live_projector_runs(redis_url, redis_client):
    """Events keep arriving during the rebuild: the swap never loses or double-counts one."""
    s = settings_for(redis_url, batch_size=3)
    full = season("cup", revisions=2) + season("other", seed=4)
    first = [e for e in full if e["payload"].get("round", 1) <= 4]
    later = [e for e in full if e["payload"].get("round", 1) > 4]
    await publish(redis_client, s, first)
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)

        # A few events go in after each rebuild, while the projector commits the previous ones: every
        # rebuild but the last meets a log still growing, however slow the machine.
        reports = []
        for start in range(0, len(later), 4):
            await publish(redis_client, s, later[start:start + 4])
            reports += await rebuild(redis_client, s)
        await wait_drained(redis_client, s)
        reports += await rebuild(redis_client, s)
        live = {cid: await snapshot(redis_client, cid) for cid in CIDS}

    # The reference: the same events projected by a fresh projector into an empty Redis.
    await redis_client.flushall()
    reference = await live_projection(redis_client, s, first + later)
    for cid in CIDS:
        assert live[cid]["tables"] == reference[cid]["tables"]
        assert live[cid]["facts"] == reference[cid]["facts"]
        assert len(live[cid]["facts"]) == 1 + 16 + 32  # rules, races, poles: nothing dead-lettered
        published = [c["payload"]["version"] for c in live[cid]["changes"]]
        assert published == sorted(set(published))  # versions only increase
    during, last = reports[:-len(CIDS)], reports[-len(CIDS):]
    final = {r.championship_id: r.events for r in last}
    assert any(r.events < final[r.championship_id] for r in during), "no rebuild overlapped the live commits"
    assert not any(r.changed for r in last)


async def test_rebuild_with_no_events_for_a_listed_championship(redis_url, redis_client):
    s = settings_for(redis_url)
    await live_projection(redis_client, s, [registration("cup")])
    assert [r.events for r in await rebuild(redis_client, s, "cup")] == [1]
    assert [r.events for r in await rebuild(redis_client, s, "ghost")] == [0]


async def test_rebuild_after_a_rules_revision_equals_live(redis_url, redis_client):
    """Results accepted under the rules of their time stay, even when a revision drops their round;
    and a result published ahead of its registration (applied live once the rules arrived) too."""
    s = settings_for(redis_url)
    early = race("cup", 1, 1, revision=2)
    live = await live_projection(redis_client, s, [early, *season("cup"), registration("cup", revision=2, rounds=4)])
    assert early["event_id"].encode() in await redis_client.hkeys(keys.accepted_key("cup"))

    [report] = await rebuild(redis_client, s, "cup")

    assert (report.changed, report.skipped) == (False, 0)
    assert await snapshot(redis_client, "cup") == live["cup"]


@pytest.mark.faults
async def test_a_reused_event_id_with_other_content_is_a_conflict_with_both_payloads(redis_url, redis_client):
    s = settings_for(redis_url)
    first = race("cup", 1, 1)
    reused = {**race("cup", 1, 2), "event_id": first["event_id"]}  # a faulty producer
    again = json.dumps(first, indent=1)  # the same event, other bytes: a duplicate, not a conflict
    live = await live_projection(redis_client, s, [registration("cup"), first, reused, again])
    assert set(live["cup"]["facts"]) == {b"rules", b"race:r01-1"}

    [letter] = await dead_letters.list_dead_letters(redis_client, s)
    assert letter.reason.startswith(f"conflict: event_id {first['event_id']!r} was accepted from entry ")
    assert (json.loads(letter.payload), json.loads(letter.accepted_payload)) == (reused, first)

    [report] = await rebuild(redis_client, s, "cup")

    assert not report.changed
    assert await snapshot(redis_client, "cup") == live["cup"]


async def dead_lettered(client, settings, event: dict) -> None:
    """Until `event` is in the dead letters (live gave up on it)."""
    async def in_dead_letters() -> bool:
        return event["event_id"] in {d.event_id for d in await dead_letters.list_dead_letters(client, settings)}

    await until(in_dead_letters)


@pytest.mark.faults
async def test_a_rejected_race_corrected_under_the_same_event_id_rebuilds_as_live(redis_url, redis_client):
    """Live dead-letters the race with an unknown class and applies its correction under the same
    id; the rebuild, in place or of a wiped projection, replays the correction, not the rejected one."""
    s = settings_for(redis_url, max_deliveries=2)
    wrong = race("cup", 1, 1)
    wrong["payload"]["entries"][0]["class_id"] = "gt3"
    corrected = race("cup", 1, 1, seed=1)
    async with projector_running(s.redis_url, s):
        await publish(redis_client, s, [registration("cup"), wrong])
        await dead_lettered(redis_client, s, wrong)
        await publish(redis_client, s, [corrected])
        await wait_drained(redis_client, s)
    live = await snapshot(redis_client, "cup")
    drivers = [[car["driver_id"] for car in race_["payload"]["entries"]] for race_ in (corrected, wrong)]
    assert drivers[0] != drivers[1]
    assert [car["driver_id"] for car in json.loads(live["facts"][b"race:r01-1"])["payload"]["entries"]] == drivers[0]

    assert not (await rebuild(redis_client, s, "cup"))[0].changed
    assert await snapshot(redis_client, "cup") == live
    await wipe(redis_client, "cup")
    assert (await rebuild(redis_client, s, "cup"))[0].mode == "log"
    assert await same_projection(redis_client, live)


@pytest.mark.faults
async def test_a_race_that_outlived_its_retries_before_the_registration_stays_out_of_the_rebuild(redis_url, redis_client):
    s = settings_for(redis_url, max_deliveries=2)
    early = race("cup", 1, 1)
    async with projector_running(s.redis_url, s):
        await publish(redis_client, s, [early])
        await dead_lettered(redis_client, s, early)
        await publish(redis_client, s, [registration("cup"), race("cup", 1, 2)])
        await wait_drained(redis_client, s)
    live = await snapshot(redis_client, "cup")
    assert set(live["facts"]) == {b"rules", b"race:r01-2"}

    assert not (await rebuild(redis_client, s, "cup"))[0].changed
    assert await snapshot(redis_client, "cup") == live
    await wipe(redis_client, "cup")
    assert (await rebuild(redis_client, s, "cup"))[0].mode == "log"
    assert await same_projection(redis_client, live)


async def wipe(client, cid: str) -> None:
    await client.delete(*(key(cid) for key in (keys.facts_key, keys.tables_key, keys.accepted_key, keys.version_key)))


async def same_projection(client, live: dict) -> bool:
    """The rebuilt projection equals `live` in everything but the version (raised after a wipe)."""
    after = await snapshot(client, "cup")
    return {**after, "version": None} == {**live, "version": None}


async def test_rebuild_of_a_wiped_projection_after_a_rules_revision(redis_url, redis_client):
    """The log is applied as live applied it: results accepted under the first rules stay."""
    s = settings_for(redis_url)
    early = race("cup", 1, 1, revision=2)  # published ahead of the registration: live retried it
    live = await live_projection(redis_client, s, [early, *season("cup"), registration("cup", revision=2, rounds=4)])
    await redis_client.delete(*(key("cup") for key in (keys.facts_key, keys.tables_key, keys.accepted_key, keys.version_key)))

    [report] = await rebuild(redis_client, s, "cup")

    after = await snapshot(redis_client, "cup")
    assert (report.mode, report.skipped) == ("log", 0)
    assert after["tables"] == live["cup"]["tables"] and after["facts"] == live["cup"]["facts"]
