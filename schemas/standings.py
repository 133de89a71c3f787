"""The output contract: tables and the `standings.changed` event subscribers receive.

The engine builds these shapes as plain dicts (fast, JSON-ready); these models document them
for the JSON Schema documents and validate them in the contract tests.

`standings.changed` is compact since schema version 2: it carries what changed, not the tables.
The full tables are in the hash `standings:{cid}:tables` (field `"table_id/class_id"`), and the
gateway's SSE `change` events carry the changed ones. Records of version 1 carried them in
`payload.tables`; `read_changed` upcasts such a record when it is read, never rewriting it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas import examples
from schemas.events import Envelope
from schemas.values import Status

Points = int | float


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RaceResult(_Out):
    race_id: str
    round: int
    class_position: int | None = Field(description="Official position in class.")
    place: int | None = Field(description="Points place after guests and non-scorers are skipped; null: did not score.")
    status: Status
    points: Points = Field(description="Position points after race factors.")
    bonus: Points = Field(description="Pole, fastest lap and laps-led bonuses.")
    dropped: bool = Field(description="Not counted under the drop rules.")
    excluded: bool = Field(description="Excluded by the stewards; counts zero and cannot be dropped.")
    withheld: bool = Field(False, description="Points withheld by the stewards: scores zero, the place stands.")
    provisional: bool


class Tiebreak(_Out):
    rule: Literal["countback", "poles", "fastest_laps", "latest_result", "disqualified", "shared", "name"] = Field(
        description="What separates the two: countback, a fallback of the rules, a disqualification, or nothing "
        "(the position is shared, or the name orders them).")
    versus: str = Field(description="Id of the neighbour on the same points this row is compared with.")
    ahead: bool = Field(description="Whether this row ranks ahead of `versus` (the first of a tie is compared with the next).")
    text: str = Field(description="For people, e.g. 'ahead of Ana Silva (#53) on countback, more wins: 3 to 2'.")


class Row(_Out):
    position: int
    shared: bool = Field(description="Tied on points and countback with a neighbour.")
    id: str = Field(description="Driver id or team id.")
    name: str
    class_id: str
    car_number: str | None
    team_name: str | None
    points: Points
    deduction: Points = Field(description="Points deducted by the stewards.")
    disqualified: bool
    wins: int
    podiums: int
    poles: int
    fastest_laps: int
    results: list[RaceResult] = Field(description="Per race, in running order.")
    max_points: Points | None = Field(description="Most points still reachable; null without a calendar.")
    tiebreak: Tiebreak | None = Field(None, description="Why this row ranks where it does against a neighbour on the same "
                                      "points; null when no one has its points.")
    gap_to_leader: Points
    gap_to_ahead: Points | None
    can_still_win: bool
    clinched: bool
    previous_position: int | None = Field(description="Position after the previous round.")
    change: int | None = Field(description="Places gained since the previous round (negative: lost).")


class Table(_Out):
    table_id: str
    class_id: str = Field(description="The class, or 'overall' for a table across classes.")
    name: str
    kind: Literal["drivers", "teams", "manufacturers"]
    after_round: int | None = Field(description="Last round counted; null before the first race.")
    provisional: bool = Field(description="Built on at least one provisional result.")
    races_held: int
    races_remaining: int
    rows: list[Row]


class Move(_Out):
    id: str
    name: str
    from_: int | None = Field(alias="from", description="Previous position; null for a newcomer.")
    to: int


class Gain(_Out):
    id: str
    name: str
    points: Points


class LeaderChange(_Out):
    from_: str | None = Field(alias="from")
    to: str | None


class TableChange(_Out):
    table: str = Field(description="'table_id/class_id': the field of the full table in the hash standings:{cid}:tables.")
    table_id: str
    class_id: str
    moves: list[Move]
    points_gained: list[Gain]
    leader_change: LeaderChange | None
    clinched: str | None = Field(description="Who clinched this table with this change.")


class ChangePayload(_Out):
    version: int = Field(ge=1, description="Per championship, only increases; a gap means a missed change.")
    causes: list[str] = Field(description="event_id of the events behind this change.")
    changes: list[TableChange] = Field(
        description="One entry per table that changed. The full tables are not carried: read them from the hash "
        "standings:{cid}:tables (HGET/HMGET by `table`), where they may already be at a later version, or from "
        "the gateway (GET /championships/{cid}/standings; its SSE `change` events carry them).")


CHANGED_SCHEMA_VERSION = 2


class StandingsChanged(Envelope):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.STANDINGS_CHANGED]})

    type: Literal["standings.changed"] = "standings.changed"
    schema_version: Literal[2] = Field(
        CHANGED_SCHEMA_VERSION, description="2: compact, the diff only. Records of version 1 (written before) also "
        "carried every changed table in full in `payload.tables`: a reader takes that field out (or uses it: those "
        "are the tables as of the record's version) and reads the rest as version 2.")
    payload: ChangePayload


@dataclass(frozen=True)
class ChangeRecord:
    """A `standings.changed` record as read from a changes stream, upcast to the current version."""

    event: dict  # JSON-ready and valid as StandingsChanged (version 2: no payload.tables)
    carried: dict[str, dict] | None  # version 1 only: its tables ("table_id/class_id" -> table), as of its version

    @property
    def version(self) -> int:
        return self.event["payload"]["version"]


def read_changed(raw: str | bytes) -> ChangeRecord:
    """Parse and validate a `standings.changed` record of any known schema version.

    A version-1 record (no `schema_version`, or 1) has its `payload.tables` taken out into
    `carried` and is otherwise read as version 2. Raises ValueError (pydantic's ValidationError
    included) when it is not a valid record, or of a version newer than this code knows.
    """
    event, carried = json.loads(raw), None
    if isinstance(event, dict) and event.get("schema_version", 1) == 1 and isinstance(event.get("payload"), dict):
        payload = dict(event["payload"])
        tables = payload.pop("tables", None)
        event = {**event, "schema_version": CHANGED_SCHEMA_VERSION, "payload": payload}
        carried = None if tables is None else _by_key(tables)
    StandingsChanged.model_validate(event)
    return ChangeRecord(event, carried)


def _by_key(tables: object) -> dict[str, dict]:
    """A version-1 record's tables by "table_id/class_id"; ValueError when they are not tables."""
    try:
        return {f"{t['table_id']}/{t['class_id']}": t for t in tables}
    except (KeyError, TypeError) as exc:
        raise ValueError(f"payload.tables: not a list of tables ({exc!r})") from exc
