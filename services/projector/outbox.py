"""The `standings.changed` record: what the projector appends to `standings:{cid}:changes`.

Built from the commit it belongs to and deterministic in it: the same causes and tables give the
same bytes (sorted keys, compact separators), so a replay of the same commit cannot publish a
different record. `occurred_at` is the latest `occurred_at` of the causing events (in UTC), not
the wall clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from schemas.events import Event

CHANGED_TYPE = "standings.changed"
CHANGED_SCHEMA_VERSION = 1


def dumps(obj: object) -> str:
    """Canonical JSON: sorted keys, no spaces; tables and records are stored in this form.
    Strict JSON: a non-finite number fails here rather than reach a subscriber's parser."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def changed_event_id(championship_id: str, version: int) -> str:
    return f"{championship_id}:v{version}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat().replace("+00:00", "Z")


def standings_changed(
    championship_id: str,
    version: int,
    causes: Sequence[Event],
    tables: Mapping[str, dict],
    changes: list[dict],
) -> dict:
    """The JSON-ready `standings.changed` event for one commit.

    `causes` are the events whose facts changed in the commit (in stream order), `tables` the
    tables that changed (key "table_id/class_id" -> full table), `changes` their diff
    (`services.engine.diff_tables`). The shape is `schemas.standings.StandingsChanged`; a table the
    rules stop keeping is deleted from the projection without a mention here (the contract has
    no field for it), though its removal still bumps the version.
    """
    if not causes:
        raise ValueError("a standings.changed needs at least one causing event")
    payload: dict = {
        "version": version,
        "causes": [e.event_id for e in causes],
        "tables": [tables[key] for key in sorted(tables)],
        "changes": changes,
    }
    return {
        "event_id": changed_event_id(championship_id, version),
        "type": CHANGED_TYPE,
        "schema_version": CHANGED_SCHEMA_VERSION,
        "championship_id": championship_id,
        "occurred_at": _iso(max((e.occurred_at for e in causes), key=_utc)),
        "payload": payload,
    }
