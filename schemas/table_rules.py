"""What the tables are and how they rank: who a table counts and lists, and how ties are broken."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.scoring_rules import PointsTable
from schemas.values import ClassList, Name, SessionList, Slug, Track, _Strict


class TableDef(_Strict):
    id: Slug = Field(description="Table id used in the API, e.g. 'drivers', 'teams', 'junior', 'andial'.")
    name: Name = Field(description="Display name.")
    kind: Literal["drivers", "teams", "manufacturers"] = Field(
        "drivers", description="Who is ranked; manufacturers are the makes the classification names (IMSA, IndyCar engines).")
    per_class: bool = Field(True, description="One table per class; false ranks every class together as 'overall'.")
    classes: ClassList | None = Field(None, description="Classes included; null means every class.")
    rounds: list[int] | None = Field(None, max_length=200, description="Only these rounds count (sub-championship).")
    tracks: list[Track] | None = Field(None, max_length=200, description="Only rounds at these tracks count (ANDIAL Cup).")
    drivers: list[str] | None = Field(None, max_length=1000, description="Only these driver ids are ranked (Junior).")
    cars_per_race: int | None = Field(
        None, ge=1,
        description="Teams and manufacturers: count the best K cars per race (F1 1970s constructors: 1); null sums all.")
    countback_cars: Literal["best", "all"] = Field(
        "best",
        description="Teams: countback reads each race's best counted car's place, or every counted car's (F1 constructors).",
    )
    places: Literal["cars", "counted_cars"] = Field(
        "cars", description="Teams and manufacturers: a counted car scores the points of its place among every car "
        "(F1 constructors), or places are counted among the cars the table counts, so the best make scores the "
        "winner's points whatever its car's place (IMSA manufacturers).")
    apply_drops: bool = Field(True, description="Apply the drop rules to this table.")
    points: list[PointsTable] | None = Field(
        None, min_length=1, max_length=100,
        description="The table's own points tables (shaped as `points`), used instead of the rules'; null: the rules'.",
    )
    listing: Literal["entrants", "finishers", "scorers"] = Field(
        "entrants",
        description="Who is listed: every entrant; 'finishers', those with a classified finish or points; "
        "'scorers', those who scored points. The others still count for team tables.",
    )


class Ranking(_Strict):
    countback_session_types: SessionList = Field(
        ["race"], description="Ties broken by most wins, then seconds, ... in these sessions."
    )
    countback_depth: Literal["all", "points_places"] = Field(
        "all", description="Countback over every place, or only the places that paid points in the session's points table."
    )
    fallback: list[Literal["poles", "fastest_laps", "latest_result"]] = Field(
        [], max_length=3,
        description="Tie-breakers after countback, in order: most poles, most fastest laps, the better place in the "
        "most recent race where the two differ (IndyCar).",
    )
    tie: Literal["share", "name"] = Field(
        "share", description="When nothing separates them: share the position, or order by name then id (deterministic)."
    )
