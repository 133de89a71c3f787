"""`standings import alkamel`, the side effects: the rules and what is published (Redis), XADD, the watch loop.

The pure work (files -> drafts -> events) is `services.importers`; this module reads the
registered rules, the stored facts and the accepted record (to settle revisions), judges the events
as the projector will (`services.runtime.admission`, the check of `standings publish` and HTTP
ingest), and publishes with `standings publish`'s pipelined XADDs. An event the accepted record
already has with the same content is not published again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from schemas.rules import Rules
from services.cli.ingest import check_and_publish
from services.importers.batch import Source, drafted, occurred_at, provisional_of, race_of, session_of, settled
from services.importers.classification import DraftError, Session
from services.importers.mapping import Mapping
from services.importers.revisions import Published, Settled, digest_of
from services.importers.watch import Folder
from services.runtime import keys, read_model
from services.runtime.accepted import Accepted
from services.runtime.admission import judge
from services.runtime.progress import while_projecting
from services.runtime.redis import connect, entry_json
from services.runtime.settings import Settings
from services.runtime.verdicts import contract, problems


@dataclass(frozen=True)
class Options:
    championship_id: str
    race_id: str
    round: int | None
    mapping: Mapping
    rules: Rules | None  # --rules; None: the registered rules
    session: Session | None  # None: from each file's name
    provisional: bool | None  # None: from each file's name
    occurred_at: str | None  # None: each file's modification time
    dry_run: bool


@dataclass
class Outcome:
    files: list[tuple[Source, list[Settled]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stream_ids: list[str] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)  # event ids accepted before with this content: not published
    skipped: str = ""  # why a watched file was left alone


class NotAResult(ValueError):
    """A file whose name says it is no race or qualifying classification (practice, grid, analysis, ...)."""


class NotRegistered(LookupError):
    def __init__(self, championship_id: str, registered: list[str]) -> None:
        super().__init__(f"unknown championship {championship_id!r} (registered: {', '.join(registered) or 'none'}); "
                         "register its rules first, or give --rules with --dry-run")


def source_of(path: Path, data: bytes, options: Options, name: str | None = None) -> Source:
    """The file as a source; ValueError when its name says it is no race or qualifying classification."""
    shown = name or str(path)
    session = options.session or session_of(path.name)
    if session is None:
        raise NotAResult(f"{shown}: by its name not a race or qualifying classification; "
                         "give --session race or --session qualifying to import it")
    provisional = options.provisional if options.provisional is not None else provisional_of(path.name)
    when = options.occurred_at or occurred_at(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    return Source(shown, data, session, provisional, when)


def offline(sources: list[Source], options: Options) -> Outcome:
    """--dry-run with --rules: no Redis; revisions as if nothing were published."""
    try:
        race = race_of(options.rules, options.championship_id, options.race_id, options.round, options.mapping)
        return Outcome(settled(drafted(sources, race), Published(), options.championship_id))
    except ValueError as exc:
        return Outcome(problems=[str(exc)] if not isinstance(exc, DraftError) else exc.problems)


async def import_sources(url: str, settings: Settings, options: Options, sources: list[Source],
                         known: Published | None = None) -> Outcome:
    """Check every file, then (unless --dry-run) publish their events; nothing is published when any file is wrong."""
    client = connect(url, client_name="cli-import")
    try:
        rules = options.rules or await _registered(client, settings, options.championship_id)
        try:
            race = race_of(rules, options.championship_id, options.race_id, options.round, options.mapping)
            files = drafted(sources, race)
        except DraftError as exc:
            return Outcome(problems=exc.problems)
        except ValueError as exc:
            return Outcome(problems=[str(exc)])
        digests = {d.digest for _, drafts in files for d in drafts}
        fresh = await published(client, settings, options.championship_id, digests)
        known = known if known is not None else Published()
        trial = Published(fresh.stored, {**fresh.by_digest, **known.by_digest}, dict(known.revisions))
        outcome = Outcome(settled(files, trial, options.championship_id))
        events = [(source, s) for source, settled_events in outcome.files for s in settled_events]
        verdicts = await judge(client, [contract(s.raw) for _, s in events], settings)
    finally:
        await client.aclose()
    labels = [f"{source.name}: {s.event.event_id}: " for source, s in events]
    if found := problems(verdicts, labels):
        return Outcome(problems=found)
    outcome.accepted = {v.event.event_id for v in verdicts if v.duplicate_of is not None}
    once = list({v.event.event_id: v for v in reversed(verdicts)}.values())[::-1]  # an event two files state: once
    if not options.dry_run:
        _, outcome.stream_ids = await check_and_publish(url, settings, [], once, False, False)
    known.by_digest, known.revisions = trial.by_digest, trial.revisions  # remembered only once it is published
    return outcome


async def published(client, settings: Settings, championship_id: str, digests: set[str]) -> Published:
    """The stored facts, and the events already published for `digests` (from the accepted record and the log)."""
    facts, _ = await read_model.facts(client, championship_id)
    found: dict[str, str] = {}
    async for event_id, value in client.hscan_iter(keys.accepted_key(championship_id), count=1000):
        if (digest := digest_of(event_id.decode())) in digests:
            found[digest] = Accepted.decode(value).stream_id
    by_digest = {}
    for digest, stream_id in found.items():
        entries = await client.xrange(settings.events_stream, stream_id, stream_id)
        if entries:
            raw = entry_json(entries[0][1])
            by_digest[digest] = raw.decode() if isinstance(raw, bytes) else raw
    return Published(stored=facts, by_digest=by_digest)


async def _registered(client, settings: Settings, championship_id: str) -> Rules:
    """The registered rules; a registration still on its way to the projection is waited for, as admission does."""
    registered = None

    async def settled() -> bool:
        nonlocal registered
        registered = await read_model.registration(client, championship_id)
        return registered is not None

    if not await while_projecting(client, settings, settled) and not await settled():
        raise NotRegistered(championship_id, await read_model.championship_ids(client))
    return registered.payload.rules


async def watch(url: str, settings: Settings, options: Options, folder: Folder, interval: float, stop: asyncio.Event,
                report: Callable[[str, Outcome], None]) -> None:
    """Until `stop`: each file of `folder` that is new or changed and has stopped growing, imported once."""
    known = Published()
    while not stop.is_set():
        for ready in folder.ready():
            try:
                source = source_of(ready.path, ready.data, options, ready.path.name)
                outcome = await import_sources(url, settings, options, [source], known)
            except NotAResult as exc:
                outcome = Outcome(skipped=str(exc))
            except (ValueError, NotRegistered) as exc:
                outcome = Outcome(problems=[str(exc)])
            report(ready.path.name, outcome)
            folder.done(ready)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
