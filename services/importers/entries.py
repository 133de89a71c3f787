"""One row of a classification as a car of the contracts: class id, drivers, team, make (pure).

The mapping decides first (class names, the cars it names, driver and team name overrides);
otherwise the class is the rules' class whose id or name the file's class name is, and driver and
team ids are slugs of their names. The make is the file's MANUFACTURER, else the mapping's make
VEHICLE begins with, else none. Each failure is a problem naming the line and the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.rules import Rules
from services.importers.alkamel import Row
from services.importers.cells import key, slug
from services.importers.columns import Columns
from services.importers.mapping import Mapping


def _flat(text: str) -> str:
    """`GTD PRO`, `gtd-pro`, `gtd_pro` -> `gtdpro`."""
    return re.sub(r"[^a-z0-9]", "", slug(text))


class RowError(ValueError):
    """A row that cannot become a car; the message names the line and the column."""


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    short: str = ""


@dataclass(frozen=True)
class Resolver:
    mapping: Mapping
    rules: Rules
    columns: Columns

    def class_id(self, row: Row) -> str:
        column = self.columns.name("class")
        known = ", ".join(c.id for c in self.rules.classes)
        if not row.class_name:
            only = self.rules.classes[0].id if len(self.rules.classes) == 1 else None
            if found := self.mapping.default_class or only:
                return found
            raise RowError(f"line {row.line}: {column}: empty; give default_class in the mapping file (known: {known})")
        if mapped := self.mapping.class_for(row.class_name):
            if mapped not in self.rules.class_ids:
                raise RowError(f"line {row.line}: {column}: {row.class_name!r} maps to {mapped!r}, "
                               f"which is not a class of the rules (known: {known})")
            return mapped
        written, flat = key(row.class_name), _flat(row.class_name)
        for c in self.rules.classes:
            if written in (key(c.id), key(c.name)) or flat in (_flat(c.id), _flat(c.name)):
                return c.id
        raise RowError(f"line {row.line}: {column}: unknown class {row.class_name!r} (known: {known}); "
                       "map it under classes: in the mapping file")

    def crew(self, row: Row) -> list[Member]:
        car = self.mapping.cars.get(row.car_number)
        found = row.drivers
        if car is not None and car.drivers:
            written = [*found, *[None] * len(car.drivers)]
            return [Member(ref.id, ref.name or (w.name if w else ref.id), w.short if w else "")
                    for ref, w in zip(car.drivers, written, strict=False)]
        crew = []
        for driver in found:
            driver_id = self.mapping.driver_for(driver.name) or slug(driver.name)
            if not driver_id:
                raise RowError(f"line {row.line}: DRIVER: cannot make an id from {driver.name!r}; "
                               "give one under drivers: in the mapping file")
            crew.append(Member(driver_id, driver.name, driver.short))
        if not crew:
            raise RowError(f"line {row.line}: DRIVER: no driver for car #{row.car_number}; "
                           "name one in the file or under cars: in the mapping file")
        return crew

    def team(self, row: Row) -> tuple[str, str]:
        car = self.mapping.cars.get(row.car_number)
        team_id = (car and car.team_id) or self.mapping.team_for(row.team) or slug(row.team)
        if not team_id:
            problem = f"cannot make an id from {row.team!r}" if row.team else "empty"
            raise RowError(f"line {row.line}: {self.columns.name('team')}: {problem}; "
                           "give the car's team under cars: in the mapping file")
        return team_id, (car and car.team_name) or row.team or team_id

    def make(self, row: Row) -> tuple[str, str] | None:
        """The car's make as (id, name), for manufacturers' tables; None when neither the file nor the mapping gives one."""
        name = row.make or self.mapping.make_for(row.vehicle)
        if not name:
            return None
        if not (make_id := slug(name)):
            raise RowError(f"line {row.line}: {self.columns.name('make')}: cannot make an id from {name!r} "
                           "(it needs Latin letters or digits)")
        return make_id, name

    def lap_driver(self, row: Row, crew: list[Member]) -> str:
        """Who set the car's best lap: FL_DRIVER (a name, short name, surname or 1-based index), else
        FL_DRIVER_NUMBER / DRIVER_NUMBER when it is one of the car's drivers, else the first driver."""
        written = row.best_lap_driver
        if written:
            wanted = key(written)
            if written.isdigit() and 1 <= int(written) <= len(crew):
                return crew[int(written) - 1].id
            for test in (lambda m: wanted in (key(m.name), key(m.short), key(m.id)),
                         lambda m: key(m.name).endswith(" " + wanted) or key(m.name).startswith(wanted + " ")):
                matches = [m for m in crew if test(m)]
                if len(matches) == 1:
                    return matches[0].id
            raise RowError(f"line {row.line}: {self.columns.name('best_lap_driver')}: {written!r} is none of "
                           f"car #{row.car_number}'s drivers ({', '.join(m.name for m in crew)})")
        index = row.best_lap_driver_index
        return crew[index - 1].id if index is not None and 1 <= index <= len(crew) else crew[0].id
