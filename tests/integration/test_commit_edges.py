"""Edges of the projector's commit step (`commit_championship`) against a real Redis.

Written from the mutants `make mutation` found surviving (docs/testing.md): a table the rules stop
keeping, the state held after a batch of rule violations only, and the bounds on retries.
"""

from __future__ import annotations

import pytest
from projector_events import race, registration, rules, snapshot
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import WatchError

from schemas.events import parse_event
from services.projector import commit as commit_module
from services.projector import commit_championship
from services.projector.commit import CONNECTION_ATTEMPTS, MAX_ATTEMPTS
from services.projector.held import HeldStates
from services.runtime import keys
from services.runtime.accepted import Entry

RETENTION = 100


def entries(*events: dict) -> list[Entry]:
    return [Entry(f"0-{i}", parse_event(e)) for i, e in enumerate(events, start=1)]


def without_teams(revision: int) -> dict:
    event = registration("cup", revision=revision, rounds=2)
    event["payload"]["rules"]["tables"] = [t for t in rules(rounds=2)["tables"] if t["id"] != "teams"]
    return event


async def test_a_table_the_rules_no_longer_keep_is_deleted_and_announced(redis_client):
    held = HeldStates(4)
    first = await commit_championship(redis_client, "cup", entries(registration("cup", rounds=2), race("cup", 1, 1)), held,
                                      retention=RETENTION)
    assert (first.championship_id, first.version, first.attempts) == ("cup", 1, 1)  # nobody else wrote: one attempt
    assert set((await snapshot(redis_client, "cup"))["tables"]) == {b"drivers/pro", b"drivers/am", b"teams/pro", b"teams/am"}

    revised = await commit_championship(redis_client, "cup", entries(without_teams(2)), held, retention=RETENTION)

    snap = await snapshot(redis_client, "cup")
    assert revised.version == 2 == snap["version"]
    assert set(snap["tables"]) == {b"drivers/pro", b"drivers/am"}  # the teams tables are gone from Redis
    assert [c["payload"]["version"] for c in snap["changes"]] == [1, 2]


async def test_a_state_is_kept_after_a_batch_whose_every_event_broke_the_rules(redis_client):
    """Nothing is written, so the state loaded for it is still the stored one: the next commit reuses it."""
    held = HeldStates(4)
    await commit_championship(redis_client, "cup", entries(registration("cup", rounds=2)), held, retention=RETENTION)
    held = HeldStates(4)  # a fresh process: the next commit has to load the state
    outside = race("cup", 1, 1)
    outside["event_id"], outside["payload"]["race_id"] = "cup:nowhere", "nowhere"  # not in the calendar: breaks the rules
    rejected = await commit_championship(redis_client, "cup", entries(outside), held, retention=RETENTION)
    assert rejected.loaded and [e.event_id for e, _ in rejected.violations] == [outside["event_id"]]
    assert rejected.version is None and await redis_client.hlen(keys.accepted_key("cup")) == 1  # only the registration

    applied = await commit_championship(redis_client, "cup", entries(race("cup", 1, 1)), held, retention=RETENTION)
    assert applied.version == 2 and not applied.loaded  # the state held since the rejected batch


async def test_a_commit_gives_up_after_max_attempts_and_writes_nothing(redis_client, monkeypatch):
    """Another writer changes the championship between every read and write: no attempt lands."""
    await commit_championship(redis_client, "cup", entries(registration("cup", rounds=2)), HeldStates(4), retention=RETENTION)
    before = await snapshot(redis_client, "cup")
    reads = []
    stored_version = commit_module.current_version

    async def version_while_someone_writes(pipe, championship_id):
        reads.append(championship_id)
        await redis_client.set(keys.stamp_key(championship_id), f"other-writer-{len(reads)}")
        return await stored_version(pipe, championship_id)

    monkeypatch.setattr(commit_module, "current_version", version_while_someone_writes)
    with pytest.raises(WatchError, match=f"gave up after {MAX_ATTEMPTS}"):
        await commit_championship(redis_client, "cup", entries(race("cup", 1, 1)), HeldStates(4), retention=RETENTION)
    assert len(reads) == MAX_ATTEMPTS  # every attempt read the state again, none more
    after = await snapshot(redis_client, "cup")
    assert after == before  # no fact, table, version, verdict or change record was written


async def test_a_commit_whose_connection_keeps_failing_raises_after_the_connection_attempts(redis_client, monkeypatch):
    """A Redis that drops every connection: the commit retries on a new one, then lets the error out."""
    await commit_championship(redis_client, "cup", entries(registration("cup", rounds=2)), HeldStates(4), retention=RETENTION)
    before = await snapshot(redis_client, "cup")
    reads = []

    async def version_on_a_dropped_connection(pipe, championship_id):
        reads.append(championship_id)
        raise RedisConnectionError("Connection closed by server.")

    monkeypatch.setattr(commit_module, "current_version", version_on_a_dropped_connection)
    with pytest.raises(RedisConnectionError):
        await commit_championship(redis_client, "cup", entries(race("cup", 1, 1)), HeldStates(4), retention=RETENTION)
    assert len(reads) == CONNECTION_ATTEMPTS
    assert await snapshot(redis_client, "cup") == before
