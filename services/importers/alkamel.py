"""An Al Kamel Systems classification CSV, read into typed rows (pure: bytes in, rows out).

The format family (IMSA, WEC, ELMS, Formula E, GR Cup, PCCNA): semicolon-separated, no quoting, a
header row, UTF-8 with a BOM (older files: Windows-1252), CRLF or LF, every line ending in `;`,
many columns empty in every row, column sets that differ between series and session types (read
by header name: `columns`). Car numbers stay text (`03`, `021`). A row whose POSITION is empty or
a status word (`NC`, `DNF`) takes the place after the row above it; with no STATUS column every car
is classified. Every cell that cannot be read is a problem naming its line and column
(`Sheet.problems`; its row is left out); a file that is no classification raises `SheetError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from schemas.values import Status
from services.importers import cells
from services.importers.cells import CellError, Gap
from services.importers.columns import Columns, columns


@dataclass(frozen=True)
class Driver:
    name: str
    short: str = ""  # DRIVER_SHORTNAME, e.g. "WRK"


@dataclass(frozen=True)
class Row:
    line: int  # in the file, the header being line 1
    position: int  # overall
    class_position: int | None  # PIC; None when the file has none
    car_number: str
    class_name: str  # as written; "" without a class column
    status: Status
    laps: int
    total_ms: int | None
    gap_first: Gap | None  # None: the leader (or not given)
    gap_previous: Gap | None
    best_lap_ms: int | None
    best_lap_number: int | None
    best_lap_kph: float | None
    best_lap_driver: str  # FL_DRIVER as written ("" without one)
    best_lap_driver_index: int | None  # FL_DRIVER_NUMBER / DRIVER_NUMBER: 1 = the car's first driver
    team: str
    vehicle: str  # the model as written, e.g. "Porsche 911 GT3 RSR", "Oreca 03 - Nissan"
    make: str  # MANUFACTURER as written ("" without one)
    drivers: tuple[Driver, ...]


@dataclass(frozen=True)
class Sheet:
    rows: tuple[Row, ...]  # the rows that could be read
    columns: Columns
    problems: tuple[str, ...] = ()  # "line 4: LAPS: '11x' is not a whole number", one per cell that could not be read

    def has(self, what: str) -> bool:
        return what in self.columns.at


class SheetError(ValueError):
    """A file that is no classification (empty, or a header without NUMBER or POSITION); `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read(data: bytes) -> Sheet:
    lines = re.split(r"\r\n|\r|\n", _decode(data))
    content = [i for i, line in enumerate(lines) if _cells_text(line) and not line.lower().startswith("sep=")]
    if not content:
        raise SheetError(["the file is empty"])
    header = content[0]
    found = columns(lines[header].split(";"))
    if missing := found.missing():
        raise SheetError([f"line {header + 1}: no column {m} in the header (is it a classification file?)" for m in missing])
    rows: list[Row] = []
    problems: list[str] = []
    for i in content[1:]:
        row = _row(i + 1, lines[i].split(";"), found, problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        raise SheetError([f"line {header + 1}: no rows under the header"])
    return Sheet(tuple(_placed(rows)), found, tuple(problems))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _cells_text(line: str) -> str:
    return line.replace(";", "").strip()


def _row(line: int, raw: list[str], cols: Columns, problems: list[str]) -> Row | None:
    before = len(problems)

    def cell(what: str) -> str:
        return _cell(raw, cols.at.get(what))

    def read_cell(what: str, reader):
        try:
            return reader(cell(what))
        except CellError as exc:
            problems.append(f"line {line}: {cols.name(what)}: {exc}")
            return None

    number = cell("number")
    if not number:
        problems.append(f"line {line}: {cols.name('number')}: empty")
    elif len(number) > 8:
        problems.append(f"line {line}: {cols.name('number')}: {number!r} is longer than 8 characters")
    written = cell("position")
    hint = cells.STATUSES.get(cells.key(written)) if written and not written[0].isdigit() else None
    position = None if hint or written == "-" else read_cell("position", cells.position)
    status = read_cell("status", cells.status) if cell("status") else (hint or "classified")
    index = cell("best_lap_driver_index")
    row = Row(
        line=line, position=position or 0, class_position=read_cell("class_position", cells.position),
        car_number=number, class_name=cells.name(cell("class")), status=status,
        laps=read_cell("laps", cells.whole) or 0, total_ms=read_cell("total_time", cells.time_ms),
        gap_first=read_cell("gap_first", cells.gap), gap_previous=read_cell("gap_previous", cells.gap),
        best_lap_ms=read_cell("best_lap_time", cells.time_ms), best_lap_number=read_cell("best_lap_number", cells.whole),
        best_lap_kph=read_cell("best_lap_kph", cells.decimal), best_lap_driver=cells.name(cell("best_lap_driver")),
        best_lap_driver_index=int(index) if index.isdigit() else None,
        team=cells.name(cell("team")), vehicle=cells.name(cell("vehicle")), make=cells.name(cell("make")),
        drivers=_drivers(raw, cols),
    )
    return row if len(problems) == before else None


def _cell(raw: list[str], index: int | None) -> str:
    """The cell's text, stripped (and unquoted: the files have no quoting, but an export through a spreadsheet may add it)."""
    text = raw[index].strip() if index is not None and index < len(raw) else ""
    return text[1:-1].replace('""', '"').strip() if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _drivers(raw: list[str], cols: Columns) -> tuple[Driver, ...]:
    def at(index: int | None) -> str:
        return _cell(raw, index)

    found = [Driver(n) for n in (cells.name(part) for part in at(cols.joined_drivers).split("/")) if n]
    for slot in cols.drivers:
        full = at(slot.full) or " ".join(part for part in (at(slot.first), at(slot.second)) if part)
        if name := cells.name(full):
            found.append(Driver(name, at(slot.short)))
    return tuple(found)


def _placed(rows: list[Row]) -> list[Row]:
    """Rows without a position take the place after the row above them (non-finishers, listed last)."""
    placed: list[Row] = []
    for row in rows:
        if row.position == 0:
            row = replace(row, position=placed[-1].position + 1 if placed else 1)
        placed.append(row)
    return placed
