"""Admission: may these events go onto the event stream? Judged now, as the projector will judge them.

One check for every way in (HTTP ingest, ``standings publish``). For each event of a submission,
in order, :func:`admit` gives a :class:`Verdict`: the parsed event, or every problem naming its
field (``payload.entries.0.class_id: unknown class 'gt3' (known: am, pro)``):

1. the contract: ``schemas.events.parse_event`` on the JSON text (strict types, the size limit);
   an item given as a decoded JSON value is serialized first, so it is judged as the projector
   will read it;
2. the accepted record (``standings:{cid}:accepted``): an event id accepted with the same content
   is a *duplicate* (nothing to publish: ``duplicate_of`` is its stream id), with other content a
   conflict (the projector would dead-letter it with both payloads); an id repeated within the
   submission with other content is a problem too;
3. the rules, for the events left: the engine's own ``check`` against the championship's stored
   registration (one read per championship) and any registration earlier in the submission, so a
   registration and its races in one submission are admissible, and a race before its
   registration is not. The messages are the ones the projector would dead-letter the event with.

A registration published just before (``standings register``, then ``standings publish``) may not
be projected yet. So when events break the stored rules while the projector's group has entries
of the event stream not yet processed (not delivered, or pending), the rules are read again until
the group has caught up, the problems are gone, or ``admission_wait_seconds`` have passed. Without
a projector group (nothing would ever apply them) the answer is immediate.

Pure of side effects: reads only. ``rules=False`` judges the contract alone (no Redis at all).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from pydantic import ValidationError
from redis.asyncio import Redis

from schemas.events import ChampionshipRegistered, Event, EventTooLarge, parse_event
from services.engine.errors import RuleViolation
from services.engine.facts import Facts, check, record
from services.runtime import keys, read_model
from services.runtime.accepted import Accepted, Conflict, Entry
from services.runtime.progress import while_projecting
from services.runtime.settings import Settings

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


def _of(verdict: Verdict, cid: str | None) -> Verdict:
    """`verdict`, with a problem when its event is not of championship `cid` (when given)."""
    event = verdict.event
    if cid is None or event is None or event.championship_id == cid:
        return verdict
    reason = f"{event.championship_id!r} is not the championship of the request ({cid!r})"
    return replace(verdict, event=None, problems=[Problem("championship_id", reason)])


async def admit(client: Redis | None, items: Sequence[str | bytes | Any], settings: Settings, *,
                rules: bool = True, championship_id: str | None = None) -> list[Verdict]:
    """The verdict on each item, in order (see the module docstring); `client` may be None when not `rules`.

    `championship_id`: every event must be of that championship (a problem naming ``championship_id``
    otherwise, judged with the contract).
    """
    parsed = [_of(contract(item), championship_id) for item in items]
    if not rules:
        return parsed
    assert client is not None
    return await judge(client, parsed, settings)


async def judge(client: Redis, parsed: Sequence[Verdict], settings: Settings) -> list[Verdict]:
    """Steps 2 and 3 (accepted record, rules) for verdicts of step 1 (:func:`contract`), waiting as the
    module docstring says for a registration still on its way to the projection."""
    if not any(v.admitted for v in parsed):
        return list(parsed)
    verdicts = await _judge(client, parsed)
    if not any(v.rules_broken for v in verdicts) or settings.admission_wait_seconds <= 0:
        return verdicts

    async def settled() -> bool:
        nonlocal verdicts
        verdicts = await _judge(client, parsed)
        return not any(v.rules_broken for v in verdicts)

    if await while_projecting(client, settings, settled):
        return verdicts
    return await _judge(client, parsed)  # caught up (or out of time): the rules as they stand now


def problems(verdicts: Sequence[Verdict], labels: Sequence[str] | None = None) -> list[str]:
    """Every problem as one line: prefixed by its item's label (``"line 3: "``), by default by its index
    (``"1.payload.entries.0.class_id: ..."``; ``"1: <reason>"`` for one about the whole event)."""
    if labels is not None:
        return [f"{labels[i]}{p}" for i, v in enumerate(verdicts) for p in v.problems]
    return [f"{i}.{p}" if p.field else f"{i}: {p}" for i, v in enumerate(verdicts) for p in v.problems]


async def _judge(client: Redis, parsed: Sequence[Verdict]) -> list[Verdict]:
    """Accepted record and rules for the parsed events, read once per championship."""
    by_cid: dict[str, list[str]] = {}
    for v in parsed:
        if v.event is not None:
            by_cid.setdefault(v.event.championship_id, []).append(v.event.event_id)
    cids = list(by_cid)
    registrations = await asyncio.gather(*(read_model.registration(client, cid) for cid in cids))
    async with client.pipeline(transaction=False) as pipe:
        for cid in cids:
            pipe.hmget(keys.accepted_key(cid), by_cid[cid])
        replies = await pipe.execute()
    facts: dict[str, Facts] = {cid: {"rules": r} if r is not None else {} for cid, r in zip(cids, registrations, strict=True)}
    accepted = {cid: dict(zip(by_cid[cid], reply, strict=True)) for cid, reply in zip(cids, replies, strict=True)}
    submitted: dict[tuple[str, str], tuple[int, str]] = {}  # (cid, event id) -> (index, content digest)
    out = []
    for index, v in enumerate(parsed):
        event = v.event
        if event is None:
            out.append(v)
            continue
        cid, digest = event.championship_id, _digest(event)
        stored = accepted[cid].get(event.event_id)
        earlier = submitted.setdefault((cid, event.event_id), (index, digest))
        if stored is not None:
            taken = Accepted.decode(stored)
            if taken.content == digest:
                out.append(replace(v, duplicate_of=taken.stream_id))
            else:
                out.append(replace(v, problems=[Problem("event_id", str(Conflict(Entry("", event), taken)))]))
            continue
        if earlier[1] != digest:
            reason = (f"{event.event_id!r} is used by item {earlier[0]} with other content; a correction needs a new "
                      "event_id with a higher revision")
            out.append(replace(v, problems=[Problem("event_id", reason)]))
            continue
        try:
            check(facts[cid], event)
        except RuleViolation as violation:
            out.append(replace(v, problems=[Problem(violation.field, violation.reason)], rules_broken=True))
            continue
        if isinstance(event, ChampionshipRegistered):
            record(facts[cid], event)  # the rules in force for what follows it in the submission
        out.append(v)
    return out


def _digest(event: Event) -> str:
    """The content digest the accepted record keeps (the projector's own)."""
    return Accepted.of(Entry("", event)).content
