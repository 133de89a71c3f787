"""Response models of the HTTP API; tables and results reuse the output contract (schemas.standings)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

from schemas.events import Event
from schemas.standings import Points, RaceResult, Table

Kind = Table.model_fields["kind"].annotation  # who a table ranks: "drivers", "teams" or "manufacturers"
KINDS: tuple[str, ...] = get_args(Kind)


class ClassInfo(BaseModel):
    id: str
    name: str


class Championship(BaseModel):
    championship_id: str
    name: str
    season: int | None
    classes: list[ClassInfo]
    tables: list[str] = Field(description="Keys 'table_id/class_id' of the tables kept, in the rules' order.")
    version: int = Field(description="Projection version; 0 before the first change.")


class Standings(BaseModel):
    championship_id: str
    version: int = Field(description="Projection version the tables belong to (latest view only).")
    after_round: int | None = Field(description="The round asked for; null for the latest tables.")
    tables: list[Table]


class Standing(BaseModel):
    table: str
    table_name: str
    position: int
    points: Points
    gap_to_leader: Points
    can_still_win: bool
    clinched: bool


class ProgressionPoint(BaseModel):
    round: int
    points: Points | None
    position: int | None


class Season(BaseModel):
    id: str
    kind: Kind
    name: str
    class_id: str
    car_number: str | None
    team_name: str | None
    table: str = Field(description="The table results and progression are taken from.")
    standings: list[Standing] = Field(description="Current standing in every table that ranks them.")
    results: list[RaceResult]
    progression: list[ProgressionPoint] = Field(description="Cumulative points and position after each round.")


class Series(BaseModel):
    id: str
    name: str
    points: list[Points | None]
    positions: list[int | None]


class Progression(BaseModel):
    table: str
    rounds: list[int]
    series: list[Series] = Field(description="One per competitor, in current order; values align with `rounds`.")


class Fact(BaseModel):
    key: str = Field(description="Which fact: 'rules', 'race:<id>', 'pole:<race>:<class>', ...")
    event: Event = Field(description="The event holding the fact's latest revision.")


class AuditTrail(BaseModel):
    championship_id: str
    facts: list[Fact] = Field(description="Facts behind the standings, ordered by occurred_at then key.")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


class ClassBrand(BaseModel):
    id: str
    name: str
    short_name: str
    colour: str = Field(description="#rrggbb")


class TeamBrand(BaseModel):
    name: str
    short_name: str
    colour: str = Field(description="#rrggbb")
    logo_url: str | None


class DriverBrand(BaseModel):
    name: str
    team_id: str | None
    code: str = Field(description="2-4 uppercase letters, e.g. 'HAR'.")
    short_name: str


class Branding(BaseModel):
    championship_id: str
    name: str
    logo_url: str | None
    classes: list[ClassBrand] = Field(description="In the rules' order.")
    teams: dict[str, TeamBrand] = Field(description="By team id: every team in the results or the rules' branding.")
    manufacturers: dict[str, TeamBrand] = Field(description="By make id: every make in the results, shown like a team.")
    drivers: dict[str, DriverBrand] = Field(description="By driver id: every driver in the results or the rules' branding.")
