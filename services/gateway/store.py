"""Reads of the projection the projector keeps in Redis (see :mod:`services.runtime.keys`).

Guarantees:

- :func:`snapshot` reads a championship's tables and version in one MULTI/EXEC, so the tables
  are exactly those of that version (the projector writes both in one atomic commit).
- :func:`facts` returns the latest revision of every fact, parsed with the event contracts;
  the engine derives any historical view from them (``standings(facts, after_round=N)``).
- Nothing here writes to Redis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from redis.asyncio import Redis

from schemas.events import Event, parse_stored
from services.engine import rules_of
from services.runtime import keys


@dataclass(frozen=True)
class Snapshot:
    """The tables of one championship (key ``"table_id/class_id"`` -> table dict) at ``version``."""

    championship_id: str
    version: int
    tables: dict[str, dict]


async def championship_ids(redis: Redis) -> list[str]:
    """Every registered championship id, sorted."""
    return sorted(cid.decode() for cid in await redis.smembers(keys.CHAMPIONSHIPS_KEY))


async def exists(redis: Redis, cid: str) -> bool:
    return bool(await redis.sismember(keys.CHAMPIONSHIPS_KEY, cid))


async def snapshot(redis: Redis, cid: str) -> Snapshot:
    """Tables and version of ``cid``, read atomically."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(keys.tables_key(cid))
        pipe.get(keys.version_key(cid))
        raw_tables, version = await pipe.execute()
    tables = {key.decode(): json.loads(value) for key, value in raw_tables.items()}
    return Snapshot(cid, int(version or 0), tables)


async def version(redis: Redis, cid: str) -> int:
    return int(await redis.get(keys.version_key(cid)) or 0)


async def facts(redis: Redis, cid: str) -> tuple[dict[str, Event], int]:
    """Fact key -> the event holding its latest revision, and the version they belong to (atomic)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(keys.facts_key(cid))
        pipe.get(keys.version_key(cid))
        raw, current = await pipe.execute()
    return {key.decode(): parse_stored(value) for key, value in raw.items()}, int(current or 0)


async def summaries(redis: Redis) -> list[dict]:
    """One summary per championship: name, season, classes, tables and version."""
    ids = await championship_ids(redis)
    async with redis.pipeline(transaction=False) as pipe:
        for cid in ids:
            pipe.hget(keys.facts_key(cid), "rules")
            pipe.hkeys(keys.tables_key(cid))
            pipe.get(keys.version_key(cid))
        replies = await pipe.execute()
    out = []
    for i, cid in enumerate(ids):
        registration, table_keys, version = replies[3 * i: 3 * i + 3]
        rules = rules_of({"rules": parse_stored(registration)}) if registration else None
        out.append({
            "championship_id": cid,
            "name": rules.name if rules else cid,
            "season": rules.season if rules else None,
            "classes": [{"id": c.id, "name": c.name} for c in rules.classes] if rules else [],
            "tables": sorted((key.decode() for key in table_keys), key=_rules_order(rules)),
            "version": int(version or 0),
        })
    return out


def _rules_order(rules):
    """Sort key for "table_id/class_id": the rules' order of tables, then of classes."""
    tables = {t.id: i for i, t in enumerate(rules.tables)} if rules else {}
    classes = {c.id: i for i, c in enumerate(rules.classes)} if rules else {}

    def key(table_key: str) -> tuple:
        table_id, _, class_id = table_key.partition("/")
        return tables.get(table_id, len(tables)), classes.get(class_id, len(classes)), table_key
    return key
