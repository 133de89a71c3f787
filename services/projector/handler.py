"""The batch handler: parse, group by championship, commit, dead-letter, acknowledge.

Thin on purpose: validation is `schemas.events.parse_event`, the rules are the engine's, the
atomic write is `commit_championship`. What is left is the bookkeeping of one batch of stream
entries:

- an entry delivered more than `max_deliveries` times, one without a `data` field, or one that
  fails validation goes to the dead-letter stream;
- valid events are grouped by championship (stream order kept) and each group is committed with
  one atomic write (an event id reused within the batch in a later one, so it is judged against
  what the first made of it); events that break the rules come back as violations and are
  dead-lettered; an event id already accepted with other content is a conflict, dead-lettered
  with both payloads;
- but not at once: with several consumers (or after a crash and a reclaim) a championship's
  events can be committed before its registration, or before the rules revision that adds their
  class or race, which is still pending elsewhere. Such an entry is left unacknowledged, so the
  claimer redelivers it after `claim_idle_ms`; once the rules are in, it applies; at
  `max_deliveries` deliveries it is dead-lettered with the violation as the reason;
- then the dead letters are written and every entry whose fate is settled (committed, duplicate
  or dead-lettered) is acknowledged, in one pipeline. An entry is never acknowledged before its
  commit. When a championship's commit fails unexpectedly (Redis down, an engine bug), its
  entries stay pending: the claimer (XAUTOCLAIM) redelivers them, and past `max_deliveries`
  they are dead-lettered, so one bad event cannot stall the stream forever.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import structlog
from pydantic import ValidationError
from redis.asyncio import Redis

from schemas.events import Event, EventTooLarge, parse_event
from services.projector.batch import Batch, BatchOutcome, validation_reason
from services.projector.commit import commit_championship
from services.projector.dead_letters import identify
from services.projector.garbage import GarbagePolicy
from services.projector.held import HeldStates
from services.runtime import metrics
from services.runtime.accepted import Conflict, Entry
from services.runtime.redis import DATA_FIELD
from services.runtime.settings import Settings
from services.runtime.streams import delivery_counts, fields_json

log = structlog.get_logger("standings.projector")

_DATA = DATA_FIELD.encode()


class Projector:
    """Applies batches of event-stream entries to the projection (see the module doc)."""

    def __init__(self, client: Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.held = HeldStates(settings.held_championships)
        self.garbage = GarbagePolicy(settings.gc_sweep_seconds)

    async def handle(self, ids: Sequence[bytes], entries: Sequence[dict], *, claimed: bool = False) -> BatchOutcome:
        """Process one batch: `ids[i]` is the stream id of `entries[i]` (its field dict).

        `claimed` batches (from XAUTOCLAIM) have their delivery counts checked against
        `max_deliveries`; fresh XREADGROUP ">" deliveries are first deliveries by definition.
        """
        s = self.settings
        batch = Batch(counts=await delivery_counts(self.redis, s.events_stream, s.projector_group, ids) if claimed else {})
        for cid, items in self._by_championship(batch, ids, entries).items():
            with structlog.contextvars.bound_contextvars(championship_id=cid):
                await self._commit(batch, cid, items)
        if batch.outcome.acked:
            async with self.redis.pipeline(transaction=False) as pipe:
                for fields in batch.dead:
                    pipe.xadd(s.dead_letter_stream, fields)
                pipe.xack(s.events_stream, s.projector_group, *batch.outcome.acked)
                await pipe.execute()
        self.garbage.settle()
        return batch.outcome

    def _by_championship(self, batch: Batch, ids, entries) -> dict[str, list[tuple[bytes, Event, bytes]]]:
        """Parse the entries; what cannot be parsed, or was delivered too often, is dead-lettered."""
        limit = self.settings.max_deliveries
        groups: dict[str, list[tuple[bytes, Event, bytes]]] = {}
        for sid, fields in zip(ids, entries, strict=True):
            raw = fields.get(_DATA, fields.get(DATA_FIELD))
            payload = raw if raw is not None else fields_json(fields)
            if (delivered := batch.delivered(sid)) > limit:
                batch.to_dead(sid, f"delivered {delivered} times (max {limit})", payload, *identify(payload))
            elif raw is None:
                batch.to_dead(sid, f"entry has no {DATA_FIELD!r} field", payload)
            else:
                try:
                    event = parse_event(raw)
                except ValidationError as error:
                    batch.to_dead(sid, validation_reason(error), raw, *identify(raw))
                    continue
                except EventTooLarge as error:
                    batch.to_dead(sid, f"invalid event: {error}", raw)
                    continue
                groups.setdefault(event.championship_id, []).append((sid, event, raw))
        return groups

    async def _commit(self, batch: Batch, cid: str, items: list[tuple[bytes, Event, bytes]]) -> None:
        """Commit one championship's events, each reuse of an event id in a later commit."""
        rounds: list[list[tuple[bytes, Event, bytes]]] = []
        seen: dict[str, int] = {}
        for item in items:
            n = seen[item[1].event_id] = seen.get(item[1].event_id, -1) + 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(item)
        for items_of_round in rounds:
            if not await self._commit_round(batch, cid, items_of_round):
                return  # what follows stays pending: a reuse must not be judged before its first

    async def _commit_round(self, batch: Batch, cid: str, items: list[tuple[bytes, Event, bytes]]) -> bool:
        """Commit events of distinct ids; sort each entry into acked, retried or dead-lettered."""
        started = time.perf_counter()
        try:
            result = await commit_championship(self.redis, cid, [Entry(sid.decode(), e) for sid, e, _ in items],
                                               self.held, retention=self.settings.changes_retention)
            metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        except Exception:
            log.exception("commit failed; entries stay pending for redelivery", entries=len(items))
            batch.outcome.failed.append(cid)
            return False
        batch.outcome.commits.append(result)
        await self._dead_letter_conflicts(batch, cid, result.conflicts, {sid.decode(): raw for sid, _, raw in items})
        violating = {id(e): v for e, v in result.violations}
        conflicting = {c.entry.stream_id for c in result.conflicts}
        for sid, event, raw in items:
            violation = violating.get(id(event))
            if sid.decode() in conflicting:
                continue  # dead-lettered above
            if violation is None:
                batch.outcome.acked.append(sid)
            elif batch.delivered(sid) < self.settings.max_deliveries:
                metrics.EVENTS.labels("retrying").inc()
                batch.outcome.retrying.append(sid)
                log.info("breaks the rules as they stand; left pending for redelivery", event_id=event.event_id,
                         delivery=batch.delivered(sid), violation=str(violation))
            else:
                batch.to_dead(sid, f"rule violation: {violation}", raw, event.event_id, cid)
        metrics.EVENTS.labels("applied").inc(len(result.applied))
        metrics.EVENTS.labels("duplicate").inc(len(result.duplicates))
        if result.version is not None:
            metrics.CHANGES.inc()
            log.info("standings changed", version=result.version, causes=result.applied, events=len(items),
                     attempts=result.attempts)
        for event_id in result.applied:
            log.debug("event applied", event_id=event_id)
        for event_id in result.duplicates:
            log.debug("duplicate ignored", event_id=event_id)
        return True

    async def _dead_letter_conflicts(self, batch: Batch, cid: str, conflicts: list[Conflict], raws: dict) -> None:
        """Dead-letter each conflict with its payload and the accepted one (while the log keeps it)."""
        for conflict in conflicts:
            sid = conflict.accepted.stream_id
            found = await self.redis.xrange(self.settings.events_stream, min=sid, max=sid, count=1) if sid else []
            accepted = found[0][1].get(_DATA, b"") if found else b""
            batch.to_dead(conflict.entry.stream_id.encode(), f"conflict: {conflict}", raws[conflict.entry.stream_id],
                          conflict.entry.event.event_id, cid, accepted_payload=accepted)
