"""Rebuild: replay the event log into fresh keys and swap them in atomically, publishing nothing.

`rebuild(redis, settings, championship_id=None, progress=None)` reads the whole event stream in
pages (XRANGE), recomputes each championship's facts, tables and accepted record with the same
engine and serialization as the live projector, writes them to temporary keys in the same hash
tag slot (`standings:{cid}:facts:rebuild:<token>`, ...) and swaps them in with RENAME inside one
MULTI/EXEC. No `standings.changed` is written; the version is left alone when the rebuilt tables
equal the live ones byte for byte, and raised by one (still without a record) when they differ,
so a subscriber sees a gap at the next change and re-reads the tables.

The race with the live projector, and the choice made:

- Which events? When the championship has an accepted record (`accepted.py`), the rebuild applies
  exactly the entries the live projector accepted (by stream id: not a rejected entry whose id
  was reused by a correction, nor one dead-lettered at the end of its retries), without checking
  them against the rules again: they were accepted under the rules of their time, and a later
  rules revision does not undo them. Events
  the projector has not handled yet are left to it, so it still publishes their
  `standings.changed` (had the rebuild applied them, the projector would later see duplicates and
  announce nothing). With no accepted record (a wiped or never-built projection), it applies the
  log as the live projector would (in order, each event against the rules in force, one that
  breaks them retried after each later registration), leaving out the entries the dead-letter
  stream says live rejected; those events are then duplicates to the projector: nothing is
  published for them, the version gap tells subscribers to re-read.
- Live commits during the rebuild: the swap WATCHes the championship's facts, tables, accepted record,
  version and stamp keys (the live commit writes them in its MULTI). If the projector commits between
  our read of the accepted record and our EXEC, EXEC fails; we read the log on from where the scan
  stopped (catch-up), recompute and retry. The swap writes a new stamp, which the projector
  WATCHes, so a commit racing with the swap is redone on the rebuilt state, and a projector holding
  the championship in memory reloads it. Either way the swapped-in projection
  corresponds to one exact accepted record, which is what makes it byte-identical to the live one.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import WatchError

from schemas.events import Event
from services.engine import Championship
from services.projector.replay import EventLog, Progress, first_of_each_id, replay_as_live
from services.projector.stored import dump_event, render_tables
from services.runtime import keys
from services.runtime.accepted import Accepted, record_of
from services.runtime.read_model import current_version
from services.runtime.settings import Settings

log = structlog.get_logger("standings.rebuild")

MAX_ATTEMPTS = 50
TEMP_TTL_MS = 3_600_000


@dataclass
class RebuildReport:
    championship_id: str
    mode: str = "accepted"  # "accepted": what live accepted; "log": every valid event live did not reject
    events: int = 0  # events applied (including those a later revision superseded)
    skipped: int = 0  # events that broke the rules and were left out
    tables: int = 0
    changed: bool = False  # whether the swapped-in tables differ from the live ones
    version: int = 0
    attempts: int = 0


async def rebuild(
    client: Redis,
    settings: Settings,
    championship_id: str | None = None,
    progress: Progress | None = None,
    *,
    page_size: int = 1000,
) -> list[RebuildReport]:
    """Rebuild one championship's projection, or every championship's; see the module doc."""
    stream_log = EventLog(client, settings, progress, page_size, total=await client.xlen(settings.events_stream))
    await stream_log.read_on()
    if championship_id is not None:
        cids = [championship_id]
    else:
        listed = {c.decode() for c in await client.smembers(keys.CHAMPIONSHIPS_KEY)}
        cids = sorted(set(stream_log.entries) | listed)
    reports = [await _rebuild_one(client, stream_log, cid) for cid in cids]
    log.info("rebuild done", championships=len(reports), entries=stream_log.read, invalid=stream_log.invalid)
    return reports


async def _rebuild_one(client: Redis, stream_log: EventLog, cid: str) -> RebuildReport:
    live = {
        "facts": keys.facts_key(cid),
        "tables": keys.tables_key(cid),
        "accepted": keys.accepted_key(cid),
    }
    k_version = keys.version_key(cid)
    async with client.pipeline(transaction=True) as pipe:
        for attempt in itertools.count(1):
            token = uuid.uuid4().hex[:12]
            temp = {name: f"{key}:rebuild:{token}" for name, key in live.items()}
            try:
                await pipe.watch(*live.values(), k_version, keys.stamp_key(cid))
                stored_record = await pipe.hgetall(live["accepted"])
                verdicts = {Accepted.decode(v).stream_id for v in stored_record.values()}
                if verdicts - {e.stream_id for e in stream_log.entries.get(cid, [])}:
                    await stream_log.read_on()  # the projector is ahead of our scan: catch up
                report = RebuildReport(cid, mode="accepted" if verdicts else "log", attempts=attempt)
                if verdicts:
                    # What the live projector accepted, under the rules of its time: no re-check.
                    state = Championship()
                    chosen = [e.event for e in stream_log.entries.get(cid, []) if e.stream_id in verdicts]
                    batch = state.apply(chosen, against_rules=False).batch
                    record, report.skipped = {k.decode(): v for k, v in stored_record.items()}, len(batch.violations)
                else:
                    rejected = await stream_log.dead_lettered()
                    entries = first_of_each_id([e for e in stream_log.entries.get(cid, []) if e.stream_id not in rejected])
                    facts: dict[str, Event] = {}
                    handled, report.skipped = replay_as_live(facts, [e.event for e in entries])
                    state, record = Championship(facts), record_of(entries, handled)
                report.events = len(record)
                tables = render_tables(state.tables)
                stored = {k.decode(): v for k, v in (await pipe.hgetall(live["tables"])).items()}
                report.changed = stored != tables
                report.tables = len(tables)
                version = await current_version(pipe, cid)
                report.version = version + 1 if report.changed else version

                contents = {
                    "facts": {k: dump_event(e) for k, e in state.facts.items()},
                    "tables": tables,
                    "accepted": record,
                }
                async with client.pipeline(transaction=False) as temp_pipe:  # not the watched connection
                    for name, content in contents.items():
                        if not content:
                            continue
                        temp_pipe.hset(temp[name], mapping=content)
                        temp_pipe.pexpire(temp[name], TEMP_TTL_MS)  # a crashed rebuild leaves no litter
                    await temp_pipe.execute()

                pipe.multi()
                for name, key in live.items():
                    if contents[name]:
                        pipe.rename(temp[name], key)
                        pipe.persist(key)
                    else:
                        pipe.delete(key)
                if report.changed:
                    pipe.set(k_version, report.version)
                pipe.set(keys.stamp_key(cid), uuid.uuid4().bytes)  # projectors holding this championship reload it
                await pipe.execute()
                log.info("championship rebuilt", championship_id=cid, mode=report.mode, events=report.events,
                         skipped=report.skipped, tables=report.tables, changed=report.changed,
                         version=report.version, attempts=attempt)
                return report
            except WatchError:
                await client.delete(*temp.values())
                if attempt >= MAX_ATTEMPTS:
                    raise
                log.info("live commit during rebuild; retrying", championship_id=cid, attempt=attempt)
    raise AssertionError("unreachable")
