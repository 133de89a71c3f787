"""The rules document: how a championship scores, as data.

One model covers PCCNA, F1, IMSA, IndyCar and best-N-of-M sim leagues; the
engine reads nothing else. Validation errors name the field (pydantic's `loc`)
and the reason, e.g. ``tables.2.classes.0: unknown class 'gt3'``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemas import examples

Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
# Bounds that keep every total finite (and JSON-representable) whatever the season's length.
Points = Annotated[float, Field(ge=0, le=100_000)]
Factor = Annotated[float, Field(ge=0, le=10)]
Status = Literal["classified", "not_classified", "dnf", "dns", "dsq", "excluded"]
# Display text from producers: bounded, so one event cannot bloat every later table and record.
Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
SessionType = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Track = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ClassList = Annotated[list[str], Field(max_length=50)]
SessionList = Annotated[list[SessionType], Field(max_length=20)]


class _Strict(BaseModel):
    # strict: no coercion ("1" is not 1, "yes" is not true); producers send exact JSON types.
    # No Infinity/NaN: JSON cannot carry them back out, and points must stay finite.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class RaceDef(_Strict):
    race_id: Slug = Field(description="Unique race id within the season, e.g. 'r07'.")
    session_type: SessionType = Field("race", description="Key into the points tables, e.g. 'race' or 'sprint'.")
    factor: Factor = Field(1.0, description="Points multiplier, e.g. 2 for a double-points finale.")
    min_drive_minutes: float | None = Field(
        None, gt=0, le=1440, description="This race's minimum drive time to score in a shared car; default: `shared_drives`'.")


class RoundDef(_Strict):
    round: int = Field(ge=1, description="Round number; results and 'after round N' views use it.")
    track: Track = Field(description="Track id, used by track-filtered tables (ANDIAL Cup).")
    races: list[RaceDef] = Field(min_length=1, max_length=10, description="Races held at this round, in running order.")


class PointsTable(_Strict):
    session_type: SessionType = Field("race", description="Session type these points apply to.")
    classes: ClassList | None = Field(None, description="Classes this table applies to; null means every class.")
    points: list[Points] = Field(min_length=1, max_length=500, description="Points for class positions 1, 2, 3, ...")
    floor: Points = Field(0, description="Points for every scoring position beyond the list ('30th and below: 10').")


class Bonus(_Strict):
    kind: Literal["pole", "fastest_lap", "laps_led", "most_laps_led"] = Field(description="What earns the bonus.")
    points: Points = Field(gt=0, description="Points awarded.")
    classes: ClassList | None = Field(None, description="Classes it applies to; null means every class.")
    session_types: SessionList | None = Field(None, description="Session types it applies to; null means all.")
    top_n: int | None = Field(None, ge=1, description="Only awarded when the driver scores inside the top N (F1 fastest lap).")
    tables: list[Slug] | None = Field(
        None, max_length=50, description="Ids of the tables it counts in (a fastest-lap point for drivers only); null means all."
    )

    def counts_in(self, table_id: str | None) -> bool:
        """Whether the bonus counts in table `table_id` (None: the scoring shared by the tables it counts in)."""
        return self.tables is None or table_id is None or table_id in self.tables


class ShortRace(_Strict):
    below_distance_pct: float = Field(gt=0, le=100, description="Applies when less than this % of the distance was completed.")
    factor: Factor | None = Field(None, description="Points multiplier for such a race, e.g. 0.5.")
    points: list[Points] | None = Field(
        None, min_length=1, max_length=500,
        description="Instead of a factor, the points for places 1, 2, 3, ... in such a race (F1 from 2022: 6-4-3-2-1 "
        "below 25% of the distance), for every class and table.")
    session_types: SessionList | None = Field(None, description="Session types it applies to; null means all.")

    @model_validator(mode="after")
    def _one_kind(self) -> ShortRace:
        if (self.factor is None) == (self.points is None):
            raise ValueError("give exactly one of factor or points")
        return self


class Eligibility(_Strict):
    scoring_statuses: list[Status] = Field(["classified"], max_length=6, description="Finishing statuses that score points.")
    min_distance_pct: float | None = Field(None, gt=0, le=100, description="Minimum % of the winner's laps to score.")
    guests_score: bool = Field(False, description="Whether guest entries score; when not, those behind move up.")
    disqualified_place: Literal["reallocated", "vacant"] = Field(
        "reallocated", description="A disqualified car's points place: taken by those behind (they move up), or left "
        "vacant (they keep their places and points).")


class SharedDrives(_Strict):
    """Several drivers credited with one car's result in one race (co-drivers, a car handed over)."""

    points: Literal["full", "split", "none"] = Field(
        "full", description="Each driver who meets the minimum scores the car's points in full, an equal share of them "
        "(F1 of the 1950s), or nothing (F1 from 1958). Pole and fastest-lap bonuses go to the driver the award names "
        "when shares are split or none. Team and manufacturer tables always score the car.")
    min_drive_minutes: float | None = Field(
        None, gt=0, le=1440, description="Minimum drive time to score (IMSA, WEC), where the classification gives it.")
    min_drive_laps: int | None = Field(
        None, ge=1, description="Minimum laps driven to score, where the classification gives them.")


class SeasonPart(_Strict):
    """Rounds whose results are dropped among themselves: best 6 of rounds 1-7 plus best 6 of 8-14 (F1 1975)."""

    first_round: int = Field(ge=1, description="First round of this part.")
    last_round: int = Field(ge=1, description="Last round of this part (inclusive).")
    drop_worst: int | None = Field(None, ge=1, description="Drop the K lowest race scores of this part.")
    best_of: int | None = Field(None, ge=1, description="Count only the best N race scores of this part.")

    @model_validator(mode="after")
    def _one_kind(self) -> SeasonPart:
        if self.last_round < self.first_round:
            raise ValueError(f"last_round: {self.last_round} is before first_round {self.first_round}")
        if (self.drop_worst is None) == (self.best_of is None):
            raise ValueError("give exactly one of drop_worst or best_of")
        return self


class DropRule(_Strict):
    classes: ClassList | None = Field(None, description="Classes it applies to; null means every class.")
    tables: list[Slug] | None = Field(None, max_length=50, description="Tables it applies to; null means every table.")
    drop_worst: int | None = Field(None, ge=1, description="Drop the K lowest race scores of the season.")
    best_of: int | None = Field(None, ge=1, description="Count only the best N race scores of the season.")
    parts: list[SeasonPart] | None = Field(
        None, min_length=1, max_length=20,
        description="Instead, drops per part of the season; results of rounds in no part always count.")
    protected_races: list[str] = Field([], max_length=500, description="Race ids that can never be dropped.")

    @model_validator(mode="after")
    def _one_kind(self) -> DropRule:
        if (self.drop_worst is not None) + (self.best_of is not None) + (self.parts is not None) != 1:
            raise ValueError("give exactly one of drop_worst, best_of or parts")
        ends = sorted((p.first_round, p.last_round, i) for i, p in enumerate(self.parts or ()))
        for (_, last, _), (first, _, i) in zip(ends, ends[1:], strict=False):
            if first <= last:
                raise ValueError(f"parts.{i}: rounds {first}-{last} are in two parts")
        return self


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


class Scheduled(NamedTuple):
    """A race of the calendar, with where it stands in the season."""

    order: int  # running order in the season
    round: int
    track: str
    race: RaceDef


class ClassDef(_Strict):
    id: Slug = Field(description="Class id used in results, e.g. 'pro'.")
    name: Name = Field(description="Display name, e.g. 'Pro-Am'.")


# Branding: display data only. The engine never reads it; overlays and pages do (via the gateway).
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,4}$")]
ShortName = Annotated[str, StringConstraints(min_length=1, max_length=24)]
LogoUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x22\x27<>]+$")]


class ClassBranding(_Strict):
    name: Name | None = Field(None, description="Display name on graphics; default: the class's name.")
    short_name: ShortName | None = Field(None, description="Compact label, e.g. 'PRO-AM'.")
    colour: Colour | None = Field(None, description="Class colour as #rrggbb; default: generated.")


class TeamBranding(_Strict):
    short_name: ShortName | None = Field(None, description="Compact name, e.g. 'Wright'.")
    colour: Colour | None = Field(None, description="Team colour as #rrggbb; default: generated from the team id.")
    logo_url: LogoUrl | None = Field(None, description="http(s) URL of the team's logo.")


class DriverBranding(_Strict):
    code: Code | None = Field(None, description="2-4 uppercase letters, e.g. 'HAR'; default: from the surname.")
    short_name: ShortName | None = Field(None, description="Compact name, e.g. 'L. Hartog'.")


class Branding(_Strict):
    """How a championship looks on graphics. Optional; every field has a default the gateway derives."""

    logo_url: LogoUrl | None = Field(None, description="http(s) URL of the championship's logo.")
    classes: dict[Slug, ClassBranding] = Field({}, max_length=50, description="By class id (must be a class of the rules).")
    teams: dict[Slug, TeamBranding] = Field({}, max_length=500, description="By team id.")
    drivers: dict[Slug, DriverBranding] = Field({}, max_length=5000, description="By driver id.")


class Rules(_Strict):
    """A championship's scoring rules. A later revision replaces the whole document."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.RULES]})

    name: Name = Field(description="Championship name.")
    season: int = Field(ge=1900, le=2200)
    classes: list[ClassDef] = Field(min_length=1, max_length=50, description="Each class is its own championship.")
    calendar: list[RoundDef] = Field([], max_length=200, description="Rounds and races; used for what is still to race.")
    points: list[PointsTable] = Field(min_length=1, max_length=100,
                                      description="A table naming the class beats one for every class.")
    bonuses: list[Bonus] = Field([], max_length=50)
    eligibility: Eligibility = Eligibility()
    shared_drives: SharedDrives = SharedDrives()
    short_race: list[ShortRace] = Field([], max_length=10, description="Reduced points when a race was short.")
    drops: list[DropRule] = Field([], max_length=50)
    tables: list[TableDef] = Field(
        [TableDef(id="drivers", name="Drivers")], min_length=1, max_length=50, description="The tables to keep."
    )
    ranking: Ranking = Ranking()
    branding: Branding | None = Field(None, description="Display data for overlays and pages; never used for scoring.")

    @model_validator(mode="after")
    def _references_exist(self) -> Rules:
        class_ids = [c.id for c in self.classes]
        _unique("classes", class_ids)
        _unique("tables", [t.id for t in self.tables])
        _unique("calendar", [r.round for r in self.calendar])
        race_ids = [race.race_id for r in self.calendar for race in r.races]
        _unique("calendar races", race_ids)
        known = set(class_ids)
        for where, items in (("points", self.points), ("bonuses", self.bonuses), ("drops", self.drops), ("tables", self.tables)):
            for i, item in enumerate(items):
                for c in item.classes or []:
                    if c not in known:
                        raise ValueError(f"{where}.{i}.classes: unknown class {c!r} (known: {', '.join(class_ids)})")
        for i, table in enumerate(self.tables):
            for j, own in enumerate(table.points or ()):
                for c in own.classes or []:
                    if c not in known:
                        raise ValueError(f"tables.{i}.points.{j}.classes: unknown class {c!r} (known: {', '.join(class_ids)})")
        table_ids = [t.id for t in self.tables]
        for i, bonus in enumerate(self.bonuses):
            for t in bonus.tables or ():
                if t not in table_ids:
                    raise ValueError(f"bonuses.{i}.tables: unknown table {t!r} (known: {', '.join(table_ids)})")
        for i, table in enumerate(self.tables):
            if table.kind == "drivers" and table.countback_cars != "best":
                raise ValueError(f"tables.{i}.countback_cars: only a team or manufacturer table counts its cars")
            if table.kind == "drivers" and table.places != "cars":
                raise ValueError(f"tables.{i}.places: only a team or manufacturer table counts places among its cars")
        for c in self.branding.classes if self.branding else ():
            if c not in known:
                raise ValueError(f"branding.classes: unknown class {c!r} (known: {', '.join(class_ids)})")
        for i, drop in enumerate(self.drops):
            if (drop.drop_worst is not None or any(p.drop_worst for p in drop.parts or ())) and not self.calendar:
                raise ValueError(f"drops.{i}.drop_worst: needs a calendar to know the season's length; use best_of without one")
            for t in drop.tables or ():
                if t not in table_ids:
                    raise ValueError(f"drops.{i}.tables: unknown table {t!r} (known: {', '.join(table_ids)})")
            for race_id in drop.protected_races:
                if self.calendar and race_id not in race_ids:
                    raise ValueError(f"drops.{i}.protected_races: race {race_id!r} is not in the calendar")
        return self

    @cached_property
    def schedule(self) -> dict[str, Scheduled]:
        """Race id -> its place in the calendar, in running order (computed once per rules)."""
        races = ((r, race) for r in self.calendar for race in r.races)
        return {race.race_id: Scheduled(i, r.round, r.track, race) for i, (r, race) in enumerate(races)}

    @cached_property
    def class_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.classes)

    @cached_property
    def own_scoring(self) -> tuple[TableDef, ...]:
        """The tables that score races their own way: with their own points tables, places among
        their counted cars, or without a bonus that is scoped to other tables."""
        return tuple(t for t in self.tables if t.points is not None or t.places == "counted_cars"
                     or not all(b.counts_in(t.id) for b in self.bonuses))

    def points_table(self, session_type: str, class_id: str, tables: list[PointsTable] | None = None) -> PointsTable | None:
        """The table naming this class for the session type, else the one for every class; among
        `tables` (a table's own) if given, else the rules' `points`."""
        tables = self.points if tables is None else tables
        matching = [t for t in tables if t.session_type == session_type and (t.classes is None or class_id in t.classes)]
        return min(matching, key=lambda t: t.classes is None, default=None)

    def drop_rule(self, class_id: str | None, table_id: str) -> DropRule | None:
        """The drop rule of this table group: one naming the table beats one for every table, then one
        naming the class beats one for every class (a table across classes takes one for every class)."""
        matching = [d for d in self.drops if (d.classes is None or class_id in d.classes)
                    and (d.tables is None or table_id in d.tables)]
        return min(matching, key=lambda d: (d.tables is None, d.classes is None), default=None)


def _unique(where: str, values: list) -> None:
    seen = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{where}: {v!r} appears twice")
        seen.add(v)
