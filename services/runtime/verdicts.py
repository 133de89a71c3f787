"""The contract check of one submitted event, as a verdict: the parsed event, or every problem
naming its field (``payload.entries.0.class_id: unknown class 'gt3'``). Pure: no Redis (see
``admission`` for the checks against the stored state)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from pydantic import ValidationError

from schemas.events import Event, EventTooLarge, parse_event

EVENT_TYPES = ("championship.registered", "race.classified", "pole.awarded", "fastest_lap.set", "standings.adjusted")
INNER_FIELD = re.compile(r"^([A-Za-z_]\w*(?:\.\w+)*): (.+)$", re.DOTALL)  # a validator's "entries.1.car_number: ..."


class Problem(NamedTuple):
    """What is wrong with an event: the dotted path of the field ("" for the whole event), and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


@dataclass(frozen=True)
class Verdict:
    """One event of a submission: ``raw`` is the JSON text to publish, ``event`` the parsed event."""

    raw: str | bytes | None
    event: Event | None = None
    problems: list[Problem] = field(default_factory=list)
    rules_broken: bool = False  # a problem is a rule violation (which a registration being projected may lift)
    duplicate_of: str | None = None  # the stream id it was accepted from: nothing to publish

    @property
    def admitted(self) -> bool:
        return not self.problems

    @property
    def to_publish(self) -> bool:
        return self.admitted and self.duplicate_of is None


def contract(item: str | bytes | Any) -> Verdict:
    """The contract check of one item: JSON text, or a decoded JSON value (serialized first)."""
    raw = item
    if not isinstance(item, str | bytes):
        try:
            raw = json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            return Verdict(None, problems=[Problem("", f"not a JSON event: {exc}")])
    try:
        return Verdict(raw, parse_event(raw))
    except ValidationError as exc:
        return Verdict(raw, problems=[_problem(error) for error in exc.errors(include_url=False)])
    except EventTooLarge as exc:
        return Verdict(raw, problems=[Problem("", str(exc))])


def _problem(error: Any) -> Problem:
    """A pydantic error as a Problem: the union tag dropped, a path a validator's message starts with joined in."""
    loc = [str(part) for part in error["loc"] if not str(part).startswith(("tagged-union", "function-"))]
    path = ".".join(loc[1:] if loc and loc[0] in EVENT_TYPES else loc)
    reason = error["msg"].removeprefix("Value error, ")
    if not path and "'type'" in reason:
        return Problem("type", reason)  # no tag, or an unknown one
    if path and (inner := INNER_FIELD.match(reason)):
        return Problem(f"{path}.{inner[1]}", inner[2])
    return Problem(path, reason)


def of_championship(verdict: Verdict, cid: str | None) -> Verdict:
    """`verdict`, with a problem when its event is not of championship `cid` (when given)."""
    event = verdict.event
    if cid is None or event is None or event.championship_id == cid:
        return verdict
    reason = f"{event.championship_id!r} is not the championship of the request ({cid!r})"
    return replace(verdict, event=None, problems=[Problem("championship_id", reason)])


def problems(verdicts: Sequence[Verdict], labels: Sequence[str] | None = None) -> list[str]:
    """Every problem as one line: prefixed by its item's label (``"line 3: "``), by default by its index
    (``"1.payload.entries.0.class_id: ..."``; ``"1: <reason>"`` for one about the whole event)."""
    if labels is not None:
        return [f"{labels[i]}{p}" for i, v in enumerate(verdicts) for p in v.problems]
    return [f"{i}.{p}" if p.field else f"{i}: {p}" for i, v in enumerate(verdicts) for p in v.problems]
