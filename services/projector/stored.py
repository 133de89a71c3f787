"""The projection's stored form: facts and tables as the projector writes them, and read back.

Facts are stored as the events' canonical JSON (pydantic's), tables as canonical JSON bytes
(`outbox.dumps`), so equal content is equal bytes: a rebuild compares with the live projection
byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from redis.asyncio import Redis

from schemas.events import Event, parse_stored
from services.engine import Championship
from services.projector.held import Held, digest
from services.projector.outbox import dumps
from services.runtime import keys


def dump_event(event: Event) -> str:
    """The stored form of a fact: the event's canonical JSON (pydantic's, deterministic)."""
    return event.model_dump_json()


def render_tables(tables: Mapping[str, dict]) -> dict[str, bytes]:
    """Tables in their stored form: canonical JSON, byte-identical for equal tables."""
    return {key: dumps(table) for key, table in tables.items()}


async def load_state(client: Redis, championship_id: str,
                     stale: Held | None = None) -> tuple[Championship, dict[str, bytes], int]:
    """A championship's state as stored: its facts and the tables announced with them, the
    digests of the facts' stored forms, and how many facts had to be parsed.

    From a `stale` state of the championship, the facts whose stored form is unchanged are reused
    as they are (the very objects), and its memory too while the rules and adjustments are
    unchanged: only what another writer changed is parsed and, on the next apply, recomputed.
    """
    raw_facts = await client.hgetall(keys.facts_key(championship_id))
    raw_tables = await client.hgetall(keys.tables_key(championship_id))
    digests = {key.decode(): digest(raw) for key, raw in raw_facts.items()}
    reusable = stale.digests if stale is not None else {}
    facts = {
        key: stale.state.facts[key] if reusable.get(key) == digests[key] else parse_stored(raw_facts[key.encode()])
        for key in digests
    }
    rules_kept = stale is not None and all(
        reusable.get(key) == digests.get(key) for key in reusable.keys() | digests.keys()
        if key == "rules" or key.startswith("adjustment:"))
    tables = {key.decode(): orjson.loads(raw) for key, raw in raw_tables.items()}
    parsed = sum(reusable.get(key) != value for key, value in digests.items())
    return Championship(facts, tables, stale.state.memory if rules_kept else None), digests, parsed
