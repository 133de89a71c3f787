"""A championship's mapping file: how a timing file's names become the ids of the tables.

Everything is optional: without a mapping, a class is found among the rules' classes (by id or
name), driver and team ids are slugs of their names (`Sébastien CRUBILÉ` -> `sebastien-crubile`),
and a car's make is the file's MANUFACTURER, or none.
Names are compared with the file's ignoring case and spacing. docs/cli.md has an example.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from schemas.loading import describe
from schemas.values import Name, Slug
from services.importers.cells import key, slug


class _Model(BaseModel):
    # strict: a car number written 03 without quotes reads as the number 3 in YAML; refuse it, do not guess.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DriverRef(_Model):
    id: Slug = Field(description="Driver id in the tables.")
    name: Name | None = Field(None, description="Display name; the file's name for this driver when absent.")


class CarMapping(_Model):
    drivers: list[DriverRef] = Field(
        [], max_length=9,
        description="The car's drivers in the file's order: the first is the car's driver, the others its co-drivers. "
        "Replaces the file's drivers (for a file that anonymises them); a name the file has is kept when none is given.")
    team_id: Slug | None = Field(None, description="The car's team id; a slug of the file's TEAM when absent.")
    team_name: Name | None = Field(None, description="The car's team name; the file's TEAM when absent.")


class Mapping(_Model):
    """Per championship: class names, anonymised cars, id overrides, guests and makes."""

    classes: dict[StrictStr, Slug] = Field(
        {}, description="Class name as written in the file (CLASS or CLASS_TYPE) -> class id of the rules.")
    default_class: Slug | None = Field(
        None, description="Class id for a file without a class column (Formula E), or a row with an empty one.")
    cars: dict[StrictStr, CarMapping] = Field(
        {}, description="Car number as written in the file (quoted: '03' is not '3') -> its drivers and team.")
    drivers: dict[StrictStr, Slug] = Field({}, description="Driver name as written in the file -> driver id.")
    teams: dict[StrictStr, Slug] = Field({}, description="Team name as written in the file -> team id.")
    guests: list[StrictStr] = Field(
        [], description="Car numbers of guest entries: they score nothing and the cars behind them move up.")
    makes: list[Name] = Field(
        [], max_length=100,
        description="Makes as VEHICLE begins with them ('Aston Martin' for 'Aston Martin Vantage V8'), for manufacturers' "
        "tables: a car whose VEHICLE begins with one has that make (the longest) unless the file's MANUFACTURER gives one.")

    @field_validator("cars", "guests", mode="before")
    @classmethod
    def _numbers_are_text(cls, value: object) -> object:
        numbers = value.keys() if isinstance(value, dict) else value if isinstance(value, list) else []
        if bad := [n for n in numbers if not isinstance(n, str)]:
            raise ValueError(f"car numbers must be quoted text ('03', not 03): {', '.join(map(str, bad))}")
        return value

    @field_validator("makes")
    @classmethod
    def _makes_give_ids(cls, value: list[str]) -> list[str]:
        if bad := [make for make in value if not slug(make)]:
            raise ValueError(f"cannot make an id from {', '.join(map(repr, bad))}: write it in Latin letters or digits")
        return [" ".join(make.split()) for make in value]

    def class_for(self, name: str) -> str | None:
        return _lookup(self.classes, name)

    def driver_for(self, name: str) -> str | None:
        return _lookup(self.drivers, name)

    def team_for(self, name: str) -> str | None:
        return _lookup(self.teams, name)

    def make_for(self, vehicle: str) -> str | None:
        """The longest of `makes` that VEHICLE begins with, as a whole word ('BMW' for 'BMW Z4 GT3', not for 'BMWX')."""
        written = key(vehicle)
        found = [make for make in self.makes if re.match(re.escape(key(make)) + r"(?!\w)", written)]
        return max(found, key=len, default=None)


def _lookup(table: dict[str, str], name: str) -> str | None:
    wanted = key(name)
    return next((value for written, value in table.items() if key(written) == wanted), None)


class MappingFileError(ValueError):
    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.problems = problems


def load_mapping(path: str | Path) -> Mapping:
    """A YAML or JSON mapping file, validated; `MappingFileError` names each field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise MappingFileError(path, [f"cannot read: {exc}"]) from exc
    if data is None:
        return Mapping()
    if not isinstance(data, dict):
        raise MappingFileError(path, ["the document must be a mapping (classes, cars, drivers, teams, guests, makes)"])
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        raise MappingFileError(path, describe(exc)) from exc
