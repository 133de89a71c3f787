"""Finding an Al Kamel file's columns by header name, whatever the series' column set.

Header names are compared stripped and upper-cased. Each field has the spellings seen across the
format family (IMSA, WEC, ELMS, Formula E, GR Cup, PCCNA); the first present wins. Drivers come in
five layouts: `DRIVER_1..N` (WEC, ELMS: "First LAST"), `DRIVER1_FIRSTNAME`/`DRIVER1_SECONDNAME`
(IMSA, SRO), `DRIVER_FIRSTNAME`/`DRIVER_SECONDNAME` (one driver: GR Cup, Formula E), `DRIVER` (one
driver, results by class) and `DRIVERS` ("First Last / First Last", results by class). The make
(`MANUFACTURER`) is a column none of the sample files has: their `VEHICLE` is the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FIELDS: dict[str, tuple[str, ...]] = {
    "position": ("POSITION", "POS"),
    "class_position": ("PIC", "POS_IN_CLASS", "CLASS_POSITION", "CLASS_POS"),
    "number": ("NUMBER", "CAR_NUMBER", "NO"),
    "class": ("CLASS", "CLASS_TYPE", "CLASS_NAME", "CATEGORY"),
    "status": ("STATUS",),
    "laps": ("LAPS",),
    "total_time": ("TOTAL_TIME", "ELAPSED"),
    "gap_first": ("GAP_FIRST", "GAP"),
    "gap_previous": ("GAP_PREVIOUS", "GAP_PREV"),
    "best_lap_number": ("FL_LAPNUM", "BEST_LAP_NUM", "BEST_LAP_NUMBER", "FL_LAP"),
    "best_lap_time": ("FL_TIME", "BEST_LAP_TIME", "BEST_TIME"),
    "best_lap_kph": ("FL_KPH", "BEST_LAP_KPH", "KPH"),
    "best_lap_driver": ("FL_DRIVER", "FL_DRIVER_NAME", "FL_DRIVERNAME", "BEST_LAP_DRIVER", "BEST_LAP_DRIVER_NAME"),
    "best_lap_driver_index": ("FL_DRIVER_NUMBER", "FL_DRIVERNUMBER", "DRIVER_NUMBER"),
    "team": ("TEAM", "TEAM_NAME", "ENTRANT"),
    "vehicle": ("VEHICLE",),
    "make": ("MANUFACTURER", "MAKE", "BRAND"),
}
REQUIRED = {"number": "NUMBER", "position": "POSITION or POS"}  # field -> how a missing one is named
_PARTS = "FIRSTNAME|FIRST_NAME|SECONDNAME|SECOND_NAME|LASTNAME|LAST_NAME|SURNAME|SHORTNAME|SHORT_NAME"
_NUMBERED_FULL = re.compile(r"^DRIVER_?(\d+)$")
_NUMBERED_PART = re.compile(rf"^DRIVER_?(\d+)_({_PARTS})$")
_SINGLE_PART = re.compile(rf"^(?:DRIVER_)?({_PARTS})$")


@dataclass
class DriverSlot:
    """Where one of a car's drivers is: a full-name column, or first/second/short name columns."""

    full: int | None = None
    first: int | None = None
    second: int | None = None
    short: int | None = None


@dataclass
class Columns:
    names: list[str]  # as written (stripped), by index
    at: dict[str, int] = field(default_factory=dict)  # field -> index
    drivers: list[DriverSlot] = field(default_factory=list)
    joined_drivers: int | None = None  # DRIVERS: "First Last / First Last"

    def name(self, what: str) -> str:
        """The column's name as written in the file, or the first spelling when it has none."""
        return self.names[self.at[what]] if what in self.at else FIELDS[what][0]

    def missing(self) -> list[str]:
        return [shown for what, shown in REQUIRED.items() if what not in self.at]


def columns(header: list[str]) -> Columns:
    names = [cell.strip().strip('"').strip() for cell in header]
    upper = [n.upper() for n in names]
    found = Columns(names)
    for what, spellings in FIELDS.items():
        index = next((upper.index(s) for s in spellings if s in upper), None)
        if index is not None:
            found.at[what] = index
    slots: dict[int, DriverSlot] = {}
    for index, column in enumerate(upper):
        if column == "DRIVERS":
            found.joined_drivers = index
        elif column == "DRIVER" or (m := _NUMBERED_FULL.match(column)):
            slots.setdefault(int(m.group(1)) if column != "DRIVER" else 0, DriverSlot()).full = index
        elif (m := _NUMBERED_PART.match(column)) or (m := _SINGLE_PART.match(column)):
            number, part = (int(m.group(1)), m.group(2)) if m.re is _NUMBERED_PART else (0, m.group(1))
            slot = slots.setdefault(number, DriverSlot())
            attr = "first" if part.startswith("FIRST") else "short" if part.startswith("SHORT") else "second"
            if getattr(slot, attr) is None:
                setattr(slot, attr, index)
    found.drivers = [slots[n] for n in sorted(slots)]
    return found
