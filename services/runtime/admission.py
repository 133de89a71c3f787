"""Admission: may these events go onto the event stream? Judged now, as the projector will judge them.

One check for every way in (HTTP ingest, ``standings publish``). For each event of a submission,
in order, :func:`admit` gives a :class:`Verdict`: the parsed event, or every problem naming its
field (``payload.entries.0.class_id: unknown class 'gt3' (known: am, pro)``):

1. the contract (``verdicts.contract``): ``schemas.events.parse_event`` on the JSON text (strict types, the size limit);
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
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from redis.asyncio import Redis

from schemas.events import ChampionshipRegistered, Event
from services.engine.errors import RuleViolation
from services.engine.facts import Facts, check, record
from services.runtime import keys, read_model
from services.runtime.accepted import Accepted, Conflict, Entry
from services.runtime.progress import while_projecting
from services.runtime.settings import Settings
from services.runtime.verdicts import Problem, Verdict, contract, of_championship


async def admit(client: Redis | None, items: Sequence[str | bytes | Any], settings: Settings, *,
                rules: bool = True, championship_id: str | None = None) -> list[Verdict]:
    """The verdict on each item, in order (see the module docstring); `client` may be None when not `rules`.

    `championship_id`: every event must be of that championship (a problem naming ``championship_id``
    otherwise, judged with the contract).
    """
    parsed = [of_championship(contract(item), championship_id) for item in items]
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
