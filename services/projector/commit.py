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

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import WatchError

from schemas.events import ChampionshipRegistered, Event, fact_key, parse_event
from services.engine import RuleViolation, diff_tables, record, standings
from services.engine.memo import Memo
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


# Facts are re-read on every commit and parsing is the cost: parsed events by their stored bytes.
FACTS: Memo[Event] = Memo(20_000)


def load_facts(raw: Mapping[bytes, bytes]) -> dict[str, Event]:
    """Decode a facts hash (HGETALL) into fact key -> event."""
    return {k.decode(): FACTS.get(v, lambda v=v: parse_event(v)) for k, v in raw.items()}


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
    return int(_json_loads(fields[b"data"])["payload"]["version"])


def _json_loads(raw: bytes | str) -> dict:
    return json.loads(raw)


async def commit_championship(client: Redis, championship_id: str, events: Sequence[Event]) -> CommitResult:
    """Apply `events` (all of `championship_id`, in stream order) in one atomic write; see the module doc."""
    k_facts, k_tables = keys.facts_key(championship_id), keys.tables_key(championship_id)
    k_processed, k_version = keys.processed_key(championship_id), keys.version_key(championship_id)
    ids = [e.event_id for e in events]
    if any(isinstance(e, ChampionshipRegistered) for e in events):
        # The index of championships lives outside the championship's slot, so it cannot join
        # the transaction; adding first (idempotent) means a listed championship may be empty,
        # never that a projected one is missing from the list.
        await client.sadd(keys.CHAMPIONSHIPS_KEY, championship_id)
    async with client.pipeline(transaction=True) as pipe:
        for attempt in itertools.count(1):
            result = CommitResult(championship_id, attempts=attempt)
            try:
                await pipe.watch(k_facts, k_tables, k_processed, k_version)
                seen = await pipe.smismember(k_processed, ids) if ids else []
                fresh = [e for e, done in zip(events, seen, strict=True) if not done]
                result.duplicates = [e.event_id for e, done in zip(events, seen, strict=True) if done]
                if not fresh:
                    await pipe.unwatch()
                    return result
                facts = load_facts(await pipe.hgetall(k_facts))
                changed_facts: dict[str, Event] = {}
                causes: list[Event] = []
                handled: list[str] = []
                batch_ids: set[str] = set()
                for event in fresh:
                    if event.event_id in batch_ids:  # the same event twice in one batch
                        result.duplicates.append(event.event_id)
                        continue
                    try:
                        changed = record(facts, event)
                    except RuleViolation as violation:
                        result.violations.append((event, violation))
                        continue
                    batch_ids.add(event.event_id)
                    handled.append(event.event_id)
                    if changed:
                        changed_facts[fact_key(event)] = event
                        causes.append(event)
                    else:
                        result.duplicates.append(event.event_id)
                # A fact changed twice in the batch: only the survivor is written and causes it.
                survivors = {e.event_id for e in changed_facts.values()}
                causes = [e for e in causes if e.event_id in survivors]
                result.applied = [e.event_id for e in causes]
                result.duplicates += [e for e in handled if e not in survivors and e not in result.duplicates]

                new_tables: dict[str, str] = {}
                dropped: list[str] = []
                record_json: str | None = None
                version = None
                if changed_facts:
                    stored = {k.decode(): v.decode() for k, v in (await pipe.hgetall(k_tables)).items()}
                    rendered = render_tables(facts)
                    new_tables = {k: v for k, v in rendered.items() if stored.get(k) != v}
                    dropped = sorted(k for k in stored if k not in rendered)
                    if new_tables or dropped:
                        version = await current_version(pipe, championship_id) + 1
                        after = {k: _json_loads(v) for k, v in new_tables.items()}
                        before = {k: _json_loads(stored[k]) for k in new_tables if k in stored}
                        changes = diff_tables(before, after)
                        record_json = dumps(standings_changed(championship_id, version, causes, after, changes))

                pipe.multi()
                if changed_facts:
                    pipe.hset(k_facts, mapping={k: dump_event(e) for k, e in changed_facts.items()})
                if new_tables:
                    pipe.hset(k_tables, mapping=new_tables)
                if dropped:
                    pipe.hdel(k_tables, *dropped)
                if handled:
                    pipe.sadd(k_processed, *handled)
                if record_json is not None:
                    pipe.set(k_version, version)
                    pipe.xadd(keys.changes_stream(championship_id), entry(record_json))
                await pipe.execute()
                result.version = version
                return result
            except WatchError:
                if attempt >= MAX_ATTEMPTS:
                    raise
                continue
    raise AssertionError("unreachable")
