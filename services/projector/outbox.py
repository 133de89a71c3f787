"""The `standings.changed` record: what the projector appends to `standings:{cid}:changes`.

Built from the commit it belongs to and deterministic in it: the same causes and changes give the
same bytes (sorted keys, compact separators), so a replay of the same commit cannot publish a
different record. `occurred_at` is the latest `occurred_at` of the causing events (in UTC), not
the wall clock. The record is compact (schema version 2): the diff of each changed table, not the
tables, which stay in `standings:{cid}:tables` for whoever needs them in full.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson

from schemas.events import Event
from schemas.standings import CHANGED_SCHEMA_VERSION

CHANGED_TYPE = "standings.changed"


def dumps(obj: object) -> bytes:
    """Canonical JSON (UTF-8 bytes): sorted keys, no spaces; tables and records are stored in this form.

    orjson writes it (about 8x the json module on a full table: this is on every commit's path).
    It would write a non-finite number as null; none can arise, since the contracts refuse
    Infinity and NaN and bound every points value and factor (schemas.rules, schemas.events). An
    int beyond 64 bits, which orjson refuses, is written by the json module in the same form.
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def changed_event_id(championship_id: str, version: int) -> str:
    return f"{championship_id}:v{version}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat().replace("+00:00", "Z")


def standings_changed(championship_id: str, version: int, causes: Sequence[Event], changes: list[dict]) -> dict:
    """The JSON-ready `standings.changed` event for one commit.

    `causes` are the events whose facts changed in the commit (in stream order), `changes` the
    diff of each table that changed (`services.engine.diff_tables`, one entry per table). The shape
    is `schemas.standings.StandingsChanged`; a table the rules stop keeping is deleted from the
    projection without a mention here (the contract has no field for it), though its removal
    still bumps the version.
    """
    if not causes:
        raise ValueError("a standings.changed needs at least one causing event")
    return {
        "event_id": changed_event_id(championship_id, version),
        "type": CHANGED_TYPE,
        "schema_version": CHANGED_SCHEMA_VERSION,
        "championship_id": championship_id,
        "occurred_at": _iso(max((e.occurred_at for e in causes), key=_utc)),
        "payload": {"version": version, "causes": [e.event_id for e in causes], "changes": changes},
    }
