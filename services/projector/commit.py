"""One championship, one atomic write: the projector's service layer.

`commit_championship` applies a group of events of one championship to its projection:

1. WATCH the championship's stamp (every write of the projection stores a fresh one), then read
   it with the accepted record of the group's event ids (one round trip, see `accepted.py`);
2. take the championship's state from memory when it is the one of that stamp, else load it
   (facts and the tables last announced, one read each); apply the new events with the engine
   (`Championship.apply`: only the races and tables they touch are recomputed);
3. MULTI/EXEC: changed facts (HSET), changed tables (HSET) and dropped ones (HDEL), the version
   (SET old+1, only when a table changed), the accepted event ids (HSET), a new stamp, and the
   compact `standings.changed` record (XADD to `standings:{cid}:changes`, the transactional
   outbox, trimmed to about `changes_retention` records).

A concurrent writer of the same championship (another consumer of the group, the claimer, a
rebuild's swap) changes the stamp, EXEC fails and the step is redone on what is stored, so
versions stay contiguous and every record describes exactly one committed step. A state whose
write did not land is never put back (`HeldStates`). Duplicates (an id already accepted with the
same content, or an event `record` does not keep) write nothing but their id into the accepted
record and publish nothing; an id already accepted with other content is returned as a conflict.
Events that break the rules are returned as violations (for the dead-letter stream) and are not
accepted, so a re-drive after a rules fix, or a correction under the same id, applies them.
The event ids of one call must be distinct (the handler commits a reused id in a later call).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import WatchError

from schemas.events import ChampionshipRegistered, Event
from services.engine import RuleViolation, Update
from services.projector.held import Held, HeldStates, digest
from services.projector.outbox import dumps, standings_changed
from services.projector.stored import dump_event, load_state, render_tables
from services.runtime import keys
from services.runtime.accepted import Accepted, Conflict, Entry, record_of
from services.runtime.read_model import current_version
from services.runtime.redis import entry

MAX_ATTEMPTS = 100
CONNECTION_ATTEMPTS = 5


@dataclass
class CommitResult:
    championship_id: str
    applied: list[str] = field(default_factory=list)  # event ids that changed a fact
    duplicates: list[str] = field(default_factory=list)  # already accepted or superseded
    conflicts: list[Conflict] = field(default_factory=list)  # already accepted with other content
    violations: list[tuple[Event, RuleViolation]] = field(default_factory=list)
    version: int | None = None  # the version published, None when no table changed
    attempts: int = 0
    loaded: bool = False  # the state was read from Redis (not held in memory)
    parsed: int = 0  # facts parsed when loading it (the others were reused from a stale state)


async def commit_championship(client: Redis, championship_id: str, entries: Sequence[Entry], held: HeldStates,
                              *, retention: int) -> CommitResult:
    """Apply `entries` (all of `championship_id`, in stream order, distinct event ids) in one atomic
    write; see the module doc."""
    k = _Keys.of(championship_id)
    ids = [e.event.event_id for e in entries]
    if any(isinstance(e.event, ChampionshipRegistered) for e in entries):
        # The index of championships lives outside the championship's slot, so it cannot join
        # the transaction; adding first (idempotent) means a listed championship may be empty,
        # never that a projected one is missing from the list.
        await client.sadd(keys.CHAMPIONSHIPS_KEY, championship_id)
    async with client.pipeline(transaction=True) as pipe:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result = CommitResult(championship_id, attempts=attempt)
            try:
                await pipe.watch(k.stamp)
                # One round trip for both reads, on another connection: a write after the WATCH
                # still fails the EXEC, so reading outside the watched connection is as safe.
                async with client.pipeline(transaction=False) as reads:
                    stamp, verdicts = await reads.get(k.stamp).hmget(k.accepted, ids).execute()
                fresh = _judge(result, entries, verdicts)
                if not fresh:
                    await pipe.unwatch()
                    return result
                current = held.take(championship_id)
                if current is None or stamp is None or current.stamp != stamp:
                    result.loaded = True
                    state, digests, result.parsed = await load_state(pipe, championship_id, current)
                    current = Held(stamp, state, await current_version(pipe, championship_id), digests)
                update = current.state.apply([e.event for e in fresh])
                if not update.batch.handled:  # every event broke the rules: nothing is written
                    await pipe.unwatch()
                    if stamp is not None:
                        held.put(championship_id, current)
                    result.violations = update.batch.violations
                    return result
                written = {key: dump_event(e).encode() for key, e in update.batch.changed.items()}
                new_stamp = uuid.uuid4().bytes
                accepted = record_of(fresh, update.batch.handled)
                result.version = _write(pipe, k, update, written, accepted, current.version, new_stamp, retention)
                await pipe.execute()
            except WatchError:
                continue  # the state taken may be ahead of what is stored: the next attempt reloads
            except RedisConnectionError:
                # A pooled connection that Redis closed (it restarted): the next attempt takes a
                # new one. Had the EXEC landed, its events are processed and now duplicates.
                if attempt >= CONNECTION_ATTEMPTS:
                    raise
                await pipe.reset()
                await asyncio.sleep(0.05 * attempt)
                continue
            current.digests.update({key: digest(text) for key, text in written.items()})
            current.stamp, current.version = new_stamp, result.version or current.version
            held.put(championship_id, current)
            result.applied = [e.event_id for e in update.batch.causes]
            result.duplicates += update.batch.duplicates
            result.violations = update.batch.violations
            return result
    raise WatchError(f"{championship_id}: gave up after {MAX_ATTEMPTS} concurrent updates")


@dataclass(frozen=True)
class _Keys:
    """A championship's keys: one hash-tag slot, so one MULTI/EXEC covers them all."""

    championship_id: str
    facts: str
    tables: str
    accepted: str
    version: str
    stamp: str
    changes: str

    @classmethod
    def of(cls, cid: str) -> _Keys:
        return cls(cid, keys.facts_key(cid), keys.tables_key(cid), keys.accepted_key(cid), keys.version_key(cid),
                   keys.stamp_key(cid), keys.changes_stream(cid))


def _judge(result: CommitResult, entries: Sequence[Entry], verdicts: list[bytes | None]) -> list[Entry]:
    """The entries not accepted yet; the others go to `result` as duplicates or conflicts."""
    fresh: list[Entry] = []
    result.duplicates, result.conflicts = [], []
    for one, stored in zip(entries, verdicts, strict=True):
        if stored is None:
            fresh.append(one)
        elif (accepted := Accepted.decode(stored)).content == Accepted.of(one).content:
            result.duplicates.append(one.event.event_id)
        else:
            result.conflicts.append(Conflict(one, accepted))
    return fresh


def _write(pipe, k: _Keys, update: Update, facts: dict[str, bytes], accepted: dict[str, bytes], version: int,
           stamp: bytes, retention: int) -> int | None:
    """Queue the update (`facts`: the changed ones, stored form; `accepted`: the new verdicts) as
    one MULTI/EXEC; return the version it publishes (None: no table changed)."""
    pipe.multi()
    if facts:
        pipe.hset(k.facts, mapping=facts)
    if update.tables:
        pipe.hset(k.tables, mapping=render_tables(update.tables))
    if update.dropped:
        pipe.hdel(k.tables, *update.dropped)
    if accepted:
        pipe.hset(k.accepted, mapping=accepted)
    pipe.set(k.stamp, stamp)
    if not (update.tables or update.dropped):
        return None
    version += 1
    record = standings_changed(k.championship_id, version, update.batch.causes, update.changes)
    pipe.set(k.version, version)
    pipe.xadd(k.changes, entry(dumps(record)), maxlen=retention, approximate=True)
    return version
