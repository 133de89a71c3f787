"""The output contract: tables and the `standings.changed` event subscribers receive.

The engine builds these shapes as plain dicts (fast, JSON-ready); these models document them
for the JSON Schema / AsyncAPI documents and validate them in the contract tests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import Envelope
from schemas.rules import Status

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
    provisional: bool


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
    kind: Literal["drivers", "teams"]
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
    table: str = Field(description="'table_id/class_id'.")
    table_id: str
    class_id: str
    moves: list[Move]
    points_gained: list[Gain]
    leader_change: LeaderChange | None
    clinched: str | None = Field(description="Who clinched this table with this change.")


class ChangePayload(_Out):
    version: int = Field(ge=1, description="Per championship, only increases; a gap means a missed change.")
    causes: list[str] = Field(description="event_id of the events behind this change.")
    tables: list[Table] = Field(description="Every table that changed, in full.")
    changes: list[TableChange]


class StandingsChanged(Envelope):
    type: Literal["standings.changed"] = "standings.changed"
    payload: ChangePayload
