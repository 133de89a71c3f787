"""The rules document: how a championship scores, as data.

One model covers PCCNA, F1, IMSA, IndyCar and best-N-of-M sim leagues; the
engine reads nothing else. Validation errors name the field (pydantic's `loc`)
and the reason, e.g. ``tables.2.classes.0: unknown class 'gt3'``.
"""


from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from pydantic import ConfigDict, Field, model_validator

from schemas import examples
from schemas.branding import Branding
from schemas.scoring_rules import Bonus, DropRule, Eligibility, PointsTable, RaceDef, RoundDef, SharedDrives, ShortRace
from schemas.table_rules import Ranking, TableDef
from schemas.values import Name, Slug, _Strict


class Scheduled(NamedTuple):
    """A race of the calendar, with where it stands in the season."""

    order: int  # running order in the season
    round: int
    track: str
    race: RaceDef


class ClassDef(_Strict):
    id: Slug = Field(description="Class id used in results, e.g. 'pro'.")
    name: Name = Field(description="Display name, e.g. 'Pro-Am'.")


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
