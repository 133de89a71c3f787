"""How points are earned, as rules: the calendar's races, points tables, bonuses, short races,
who may score (eligibility and shared drives), and which results count (drops)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.values import ClassList, Factor, Points, SessionList, SessionType, Slug, Status, Track, _Strict


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
