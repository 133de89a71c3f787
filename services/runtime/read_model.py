"""The read model: every read of the stored projection goes through here.

Facts, tables, version and summaries of the projection the projector keeps (layout in
:mod:`services.runtime.keys`), for the gateway, the notifier, the CLI and the projector's own
version. Guarantees:

- Read-only: nothing here writes to Redis.
- Atomic: :func:`snapshot` (all tables), :func:`tables` (some tables) and :func:`facts` read what
  they return together with the version in one MULTI/EXEC. The projector writes facts, tables and
  version in one atomic commit, so what is returned is exactly that of the version returned.
- One version: :func:`current_version` is the version key; when that key is gone (a wiped
  projection), the last version published on the changes stream; else 0. Every version returned
  here follows it, so a reader never sees versions go back, and a projection started afresh
  continues after the last version published instead of reusing numbers.
- Changes: :func:`with_tables` gives `standings.changed` records (compact since schema version 2)
  the full tables they name, read once for a whole sequence of records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson
from redis.asyncio import Redis

from schemas.events import ChampionshipRegistered, Event, parse_stored
from schemas.rules import Rules
from schemas.standings import ChangeRecord
from services.runtime import keys
from services.runtime.redis import entry_json


@dataclass(frozen=True)
class Snapshot:
    """Tables of one championship (key ``"table_id/class_id"`` -> table dict) at ``version``."""

    championship_id: str
    version: int
    tables: dict[str, dict]


@dataclass(frozen=True)
class ChangeWithTables:
    """A `standings.changed` event (schema version 2) and the full tables its ``payload.changes`` name.

    ``exact``: the tables are those of the event's version. They are not when a later commit
    landed before they were read: they are then the newer ones, and a table dropped since is
    missing.
    """

    event: dict
    tables: dict[str, dict]
    exact: bool


async def championship_ids(redis: Redis) -> list[str]:
    """Every registered championship id, sorted."""
    return sorted(cid.decode() for cid in await redis.smembers(keys.CHAMPIONSHIPS_KEY))


async def exists(redis: Redis, cid: str) -> bool:
    return bool(await redis.sismember(keys.CHAMPIONSHIPS_KEY, cid))


async def current_version(redis: Redis, cid: str) -> int:
    """The stored version; if the key is gone, the last one published; 0 before any (see the module doc).

    ``redis`` may be a pipeline in immediate mode (after WATCH): the reads run one after the other.
    """
    return await _version(redis, cid, await redis.get(keys.version_key(cid)))


async def snapshot(redis: Redis, cid: str) -> Snapshot:
    """Every table of ``cid`` and their version, read atomically."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(keys.tables_key(cid))
        pipe.get(keys.version_key(cid))
        raw_tables, version = await pipe.execute()
    tables = {key.decode(): orjson.loads(value) for key, value in raw_tables.items()}
    return Snapshot(cid, await _version(redis, cid, version), tables)


async def tables(redis: Redis, cid: str, table_keys: Iterable[str]) -> Snapshot:
    """The tables ``table_keys`` of ``cid`` (one HMGET) and their version, read atomically.

    A key without a table (never built, or dropped by a rules change) is left out.
    """
    wanted = sorted(set(table_keys))
    if not wanted:
        return Snapshot(cid, await current_version(redis, cid), {})
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hmget(keys.tables_key(cid), wanted)
        pipe.get(keys.version_key(cid))
        values, version = await pipe.execute()
    found = {key: orjson.loads(value) for key, value in zip(wanted, values, strict=True) if value is not None}
    return Snapshot(cid, await _version(redis, cid, version), found)


async def facts(redis: Redis, cid: str) -> tuple[dict[str, Event], int]:
    """Fact key -> the event holding its latest revision, and the version they belong to (atomic)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(keys.facts_key(cid))
        pipe.get(keys.version_key(cid))
        raw, version = await pipe.execute()
    return {key.decode(): parse_stored(value) for key, value in raw.items()}, await _version(redis, cid, version)


async def registration(redis: Redis, cid: str) -> ChampionshipRegistered | None:
    """The registration in force (its rules and revision); None before one was projected."""
    return _registration(await redis.hget(keys.facts_key(cid), "rules"))


async def summaries(redis: Redis) -> list[dict]:
    """One summary per championship: name, season, classes, tables (in the rules' order) and version."""
    ids = await championship_ids(redis)
    async with redis.pipeline(transaction=False) as pipe:
        for cid in ids:
            pipe.hget(keys.facts_key(cid), "rules")
            pipe.hkeys(keys.tables_key(cid))
            pipe.get(keys.version_key(cid))
        replies = await pipe.execute()
    out = []
    for i, cid in enumerate(ids):
        raw_registration, table_keys, version = replies[3 * i: 3 * i + 3]
        registered = _registration(raw_registration)
        rules = registered.payload.rules if registered else None
        out.append({
            "championship_id": cid,
            "name": rules.name if rules else cid,
            "season": rules.season if rules else None,
            "classes": [{"id": c.id, "name": c.name} for c in rules.classes] if rules else [],
            "tables": sorted((key.decode() for key in table_keys), key=rules_order(rules)),
            "version": await _version(redis, cid, version),
        })
    return out


async def with_tables(redis: Redis, cid: str, records: Sequence[ChangeRecord]) -> list[ChangeWithTables]:
    """Each record of ``cid`` with the full tables its changes name, in the records' order.

    A version-1 record carried its tables: those are used (exact). The tables of the others are
    read from the tables hash in one atomic HMGET for the whole sequence, so they are the current
    ones: exact for a record whose version is the version read, newer for an older record (see
    :class:`ChangeWithTables`).
    """
    wanted = {change["table"] for r in records if r.carried is None for change in r.event["payload"]["changes"]}
    current = await tables(redis, cid, wanted)
    out = []
    for record in records:
        if record.carried is not None:
            out.append(ChangeWithTables(record.event, record.carried, True))
            continue
        names = (change["table"] for change in record.event["payload"]["changes"])
        found = {key: current.tables[key] for key in names if key in current.tables}
        out.append(ChangeWithTables(record.event, found, current.version == record.version))
    return out


async def _version(redis: Redis, cid: str, stored: bytes | None) -> int:
    """``stored`` (the version key's value), else the last version published, else 0."""
    if stored is not None:
        return int(stored)
    last = await redis.xrevrange(keys.changes_stream(cid), count=1)
    return int(orjson.loads(entry_json(last[0][1]))["payload"]["version"]) if last else 0


def _registration(raw: bytes | None) -> ChampionshipRegistered | None:
    registered = parse_stored(raw) if raw is not None else None
    return registered if isinstance(registered, ChampionshipRegistered) else None


def rules_order(rules: Rules | None):
    """Sort key for "table_id/class_id": the rules' order of tables, then of classes."""
    tables_at = {t.id: i for i, t in enumerate(rules.tables)} if rules else {}
    classes_at = {c.id: i for i, c in enumerate(rules.classes)} if rules else {}

    def key(table_key: str) -> tuple:
        table_id, _, class_id = table_key.partition("/")
        return tables_at.get(table_id, len(tables_at)), classes_at.get(class_id, len(classes_at)), table_key
    return key
