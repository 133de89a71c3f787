"""A read classification sheet -> drafts of the events it states (pure).

- a race session: `race.classified` (every car; class positions from PIC, else from the overall
  order; its make when the file or the mapping gives one), and `fastest_lap.set` per class when
  the file has best-lap columns: the car with the lowest lap time in the class (cars on the same
  time to the millisecond share it: the better placed is named, the others `shared_with`; cars not
  started, disqualified or excluded are left out); each car's driver is the FL driver column's,
  else the car's first.
- a qualifying session: `pole.awarded` per class: the best placed car of the class (not one that
  did not start, was disqualified or excluded); its driver as for the fastest lap.

A draft has no revision and no event id yet (`revisions` gives them). Each draft is validated
against the contracts here; a contract problem names the line of the car it is about.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from schemas.events import parse_event
from schemas.loading import describe
from schemas.rules import Rules
from services.importers.alkamel import Sheet
from services.importers.entries import Resolver, RowError
from services.importers.mapping import Mapping

Session = Literal["race", "qualifying"]
OUT_OF_IT = ("dns", "dsq", "excluded")


@dataclass(frozen=True)
class Context:
    championship_id: str
    race_id: str
    round: int
    session: Session
    session_type: str  # of the race in the calendar: which points table applies
    provisional: bool
    occurred_at: str  # ISO 8601 with a timezone
    rules: Rules


@dataclass(frozen=True)
class Draft:
    type: str
    fact: str  # the fact it states (schemas.events.fact_key)
    label: str  # the event id's middle: "r01:race-result", "r01:fastest-lap:gt3"
    payload: dict  # canonical (as the contract dumps it), without the revision
    digest: str  # of type + payload: the same content, the same digest


class DraftError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def drafts(sheet: Sheet, mapping: Mapping, context: Context) -> list[Draft]:
    """The events the sheet states, or `DraftError` listing every problem."""
    resolve = Resolver(mapping, context.rules, sheet.columns)
    cars, problems = [], list(sheet.problems)
    for row in sheet.rows:
        try:
            cars.append((row, resolve.class_id(row), resolve.crew(row), resolve.team(row), resolve.make(row)))
        except RowError as exc:
            problems.append(str(exc))
    if problems:
        raise DraftError(sorted(problems, key=_line_of))
    awards = _awards(cars, resolve, context, sheet)
    made = ([] if context.session == "qualifying" else [_race(cars, mapping, context)]) + awards
    out = []
    for kind, fact, label, payload, lines in made:
        try:
            out.append(_validated(kind, fact, label, payload, lines, context))
        except DraftError as exc:
            problems += exc.problems
    if problems:
        raise DraftError(problems)
    return out


def _race(cars, mapping: Mapping, context: Context):
    in_class: dict[str, list] = {}
    for row, class_id, *_ in sorted(cars, key=lambda car: car[0].position):
        in_class.setdefault(class_id, []).append(row.position)
    entries, shared = [], [row.position for row, *_ in cars]
    for row, class_id, crew, (team_id, team_name), make in cars:
        derived = in_class[class_id].index(row.position) + 1  # a shared position shares the place
        made_by = {"manufacturer_id": make[0], "manufacturer_name": make[1]} if make else {}
        entries.append({
            "car_number": row.car_number, "driver_id": crew[0].id, "driver_name": crew[0].name,
            "co_drivers": [{"driver_id": m.id, "name": m.name} for m in crew[1:]],
            "team_id": team_id, "team_name": team_name, **made_by, "class_id": class_id, "position": row.position,
            "class_position": row.class_position or derived, "status": row.status, "laps": row.laps,
            "guest": row.car_number in mapping.guests, "dead_heat": shared.count(row.position) > 1,
        })
    stage = "provisional" if context.provisional else "result"
    payload = {"round": context.round, "race_id": context.race_id, "session_type": context.session_type,
               "provisional": context.provisional, "entries": entries}
    return "race.classified", f"race:{context.race_id}", f"{context.race_id}:race-{stage}", payload, \
        [row.line for row, *_ in cars]


def _awards(cars, resolve: Resolver, context: Context, sheet: Sheet) -> list:
    if context.session == "race" and not sheet.has("best_lap_time"):
        return []
    kind, fact, word = (("pole.awarded", "pole", "pole") if context.session == "qualifying"
                        else ("fastest_lap.set", "fastest_lap", "fastest-lap"))
    best: dict[str, tuple] = {}
    equal: dict[str, list] = {}  # fastest lap: every car of the class on the best time, to the millisecond
    for car in cars:
        row, class_id = car[0], car[1]
        if row.status in OUT_OF_IT or (kind == "fastest_lap.set" and row.best_lap_ms is None):
            continue
        rank = (row.class_position or row.position, row.position) if kind == "pole.awarded" else (row.best_lap_ms, row.position)
        if class_id not in best or rank < best[class_id][0]:
            best[class_id] = (rank, car)
        if kind == "fastest_lap.set":
            equal.setdefault((class_id, row.best_lap_ms), []).append(car)
    made, problems = [], []
    for class_id, (_, (row, _, crew, *_)) in best.items():
        others = [c for c in equal.get((class_id, row.best_lap_ms), []) if c[0] is not row]
        try:
            driver_id = resolve.lap_driver(row, crew)
            shared = [{"car_number": o[0].car_number, "driver_id": resolve.lap_driver(o[0], o[2])} for o in others]
        except RowError as exc:
            problems.append(str(exc))
            continue
        payload = {"race_id": context.race_id, "round": context.round, "class_id": class_id,
                   "car_number": row.car_number, "driver_id": driver_id, **({"shared_with": shared} if shared else {})}
        lines = [row.line, *(o[0].line for o in others)]
        made.append((kind, f"{fact}:{context.race_id}:{class_id}", f"{context.race_id}:{word}:{class_id}", payload, lines))
    if problems:
        raise DraftError(problems)
    return made


def _validated(kind: str, fact: str, label: str, payload: dict, lines: list[int], context: Context) -> Draft:
    data = {"event_id": "draft", "type": kind, "championship_id": context.championship_id,
            "occurred_at": context.occurred_at, "payload": {**payload, "revision": 1}}
    try:
        event = parse_event(data)
    except ValidationError as exc:
        raise DraftError([_located(problem, lines) for problem in describe(exc)]) from None
    canonical = event.payload.model_dump(mode="json", exclude={"revision"})
    text = json.dumps({"type": kind, "payload": canonical}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Draft(kind, fact, label, canonical, hashlib.sha256(text.encode()).hexdigest()[:16])


def _line_of(problem: str) -> int:
    found = re.match(r"line (\d+):", problem)
    return int(found.group(1)) if found else 0


def _located(problem: str, lines: list[int]) -> str:
    """'race.classified.payload.entries.3.laps: ...' -> 'line 5: entries.3.laps: ...' (the car's line)."""
    problem = re.sub(r"^(?:[a-z_]+\.[a-z_]+\.)?payload(?:\.|: )", "", problem)
    found = re.search(r"entries\.(\d+)", problem)
    line = lines[int(found.group(1))] if found and int(found.group(1)) < len(lines) else lines[0] if len(lines) == 1 else None
    return f"line {line}: {problem}" if line is not None else problem
