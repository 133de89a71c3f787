"""One championship, one atomic write: the projector's service layer.

`commit_championship` applies a group of events of one championship to its stored projection:

1. WATCH the championship's facts, tables, processed and version keys (all in one hash-tag slot);
2. read the processed ids, the facts and the tables; apply the new events with the pure engine
   (`record`), recompute the tables (`standings`) and compare them, as canonical JSON bytes,
   with the stored ones;
3. MULTI/EXEC: changed facts (HSET), changed tables (HSET) and dropped ones (HDEL), the version
   (SET old+1, only when a table changed), the processed event ids (SADD) and the
   `standings.changed` record (XADD to `standings:{cid}:changes`, the transactional outbox).

A concurrent writer of the same championship (another consumer of the group, the claimer, a
rebuild's swap) touches one of the watched keys, EXEC fails and the whole step is redone on the
new state, so versions stay contiguous and every record describes exactly one committed step.
Duplicates (an id already processed, or an event `record` does not keep) write nothing but
their id into the processed set and publish nothing. Events that break the rules are returned
as violations (for the dead-letter stream) and are not marked processed, so a re-drive after a
rules fix applies them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from redis.asyncio import Redis
from redis.exceptions import WatchError

from schemas.events import ChampionshipRegistered, Event, parse_stored
from services.engine import BatchResult, RuleViolation, apply_batch, diff_tables, standings
from services.projector.outbox import dumps, standings_changed
from services.runtime import keys
from services.runtime.redis import entry

MAX_ATTEMPTS = 100


@dataclass
class CommitResult:
    championship_id: str
    applied: list[str] = field(default_factory=list)  # event ids that changed a fact
    duplicates: list[str] = field(default_factory=list)  # already processed or superseded
    violations: list[tuple[Event, RuleViolation]] = field(default_factory=list)
    version: int | None = None  # the version published, None when no table changed
    attempts: int = 0


@lru_cache(maxsize=2_000)
def stored_table(raw: bytes) -> dict:
    """A stored table, parsed once per content: tables are re-read on every commit (read-only)."""
    return json.loads(raw)


def load_facts(raw: Mapping[bytes, bytes]) -> dict[str, Event]:
    """Decode a facts hash (HGETALL) into fact key -> event (parsed once per stored content)."""
    return {k.decode(): parse_stored(v) for k, v in raw.items()}


def dump_event(event: Event) -> str:
    """The stored form of a fact: the event's canonical JSON (pydantic's, deterministic)."""
    return event.model_dump_json()


def render_tables(facts: Mapping[str, Event]) -> dict[str, str]:
    """The tables for `facts`, serialized canonically: key -> JSON text (byte-identical for equal facts)."""
    return {key: dumps(table) for key, table in standings(facts).items()}


async def current_version(client: Redis, championship_id: str) -> int:
    """The stored version; if the key is gone (a wiped projection), the last one published.

    Versions only increase: the changes stream remembers the last one even when the projection
    keys were lost, so a new projection continues after it instead of reusing numbers.
    """
    raw = await client.get(keys.version_key(championship_id))
    if raw is not None:
        return int(raw)
    last = await client.xrevrange(keys.changes_stream(championship_id), count=1)
    if not last:
        return 0
    _, fields = last[0]
    return int(json.loads(fields[b"data"])["payload"]["version"])


async def commit_championship(client: Redis, championship_id: str, events: Sequence[Event]) -> CommitResult:
    """Apply `events` (all of `championship_id`, in stream order) in one atomic write; see the module doc."""
    k = _Keys.of(championship_id)
    ids = [e.event_id for e in events]
    if any(isinstance(e, ChampionshipRegistered) for e in events):
        # The index of championships lives outside the championship's slot, so it cannot join
        # the transaction; adding first (idempotent) means a listed championship may be empty,
        # never that a projected one is missing from the list.
        await client.sadd(keys.CHAMPIONSHIPS_KEY, championship_id)
    async with client.pipeline(transaction=True) as pipe:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result = CommitResult(championship_id, attempts=attempt)
            try:
                await pipe.watch(k.facts, k.tables, k.processed, k.version)
                seen = await pipe.smismember(k.processed, ids) if ids else []
                fresh = [e for e, done in zip(events, seen, strict=True) if not done]
                result.duplicates = [e.event_id for e, done in zip(events, seen, strict=True) if done]
                if not fresh:
                    await pipe.unwatch()
                    return result
                step = await _next_step(pipe, k, fresh)
                _write(pipe, k, step)
                await pipe.execute()
            except WatchError:
                continue
            result.applied = [e.event_id for e in step.batch.causes]
            result.duplicates += step.batch.duplicates
            result.violations = step.batch.violations
            result.version = step.version
            return result
    raise WatchError(f"{championship_id}: gave up after {MAX_ATTEMPTS} concurrent updates")


@dataclass(frozen=True)
class _Keys:
    """A championship's keys: one hash-tag slot, so one MULTI/EXEC covers them all."""

    championship_id: str
    facts: str
    tables: str
    processed: str
    version: str
    changes: str

    @classmethod
    def of(cls, cid: str) -> _Keys:
        return cls(cid, keys.facts_key(cid), keys.tables_key(cid), keys.processed_key(cid), keys.version_key(cid),
                   keys.changes_stream(cid))


@dataclass
class _Step:
    """A championship's next state, computed from what was read under WATCH."""

    batch: BatchResult
    facts: dict[str, str] = field(default_factory=dict)  # key -> stored form of the facts that changed
    tables: dict[str, str] = field(default_factory=dict)  # key -> JSON of the tables that changed
    dropped: list[str] = field(default_factory=list)  # tables the rules no longer keep
    version: int | None = None
    record: str | None = None  # the standings.changed JSON, when a table changed


async def _next_step(pipe, k: _Keys, fresh: list[Event]) -> _Step:
    facts = load_facts(await pipe.hgetall(k.facts))
    step = _Step(apply_batch(facts, fresh))
    if not step.batch.changed:
        return step
    step.facts = {key: dump_event(e) for key, e in step.batch.changed.items()}
    # Computed from the new facts as every later read parses them, so the engine's memo (keyed by
    # event objects) finds this round's work again on the next commit.
    facts.update({key: parse_stored(text.encode()) for key, text in step.facts.items()})
    stored = {key.decode(): stored_table(v) for key, v in (await pipe.hgetall(k.tables)).items()}
    current = standings(facts)
    # Compared as values (a JSON round trip keeps them equal); only what changed is serialized.
    after = {key: table for key, table in current.items() if stored.get(key) != table}
    step.tables = {key: dumps(table) for key, table in after.items()}
    step.dropped = sorted(key for key in stored if key not in current)
    if step.tables or step.dropped:
        step.version = await current_version(pipe, k.championship_id) + 1
        before = {key: stored[key] for key in after if key in stored}
        change = standings_changed(k.championship_id, step.version, step.batch.causes, after, diff_tables(before, after))
        step.record = dumps(change)
    return step


def _write(pipe, k: _Keys, step: _Step) -> None:
    """Queue the step as one MULTI/EXEC: facts, tables, processed ids, version and the outbox record."""
    pipe.multi()
    if step.facts:
        pipe.hset(k.facts, mapping=step.facts)
    if step.tables:
        pipe.hset(k.tables, mapping=step.tables)
    if step.dropped:
        pipe.hdel(k.tables, *step.dropped)
    if step.batch.handled:
        pipe.sadd(k.processed, *step.batch.handled)
    if step.record is not None:
        pipe.set(k.version, step.version)
        pipe.xadd(k.changes, entry(step.record))
