"""What `standings import alkamel` prints: JSON lines (--dry-run), one JSON document (--json), or a summary.

Text from the files (names, problems) is escaped: rich reads no markup in it.
"""

from __future__ import annotations

import json

from rich.markup import escape

from services.cli.common import console, errors
from services.cli.import_flow import Outcome
from services.runtime.settings import Settings


def imported(outcome: Outcome, settings: Settings, as_json: bool, dry_run: bool) -> None:
    events = [s for _, settled in outcome.files for s in settled]
    if dry_run:
        to_publish = {s.event.event_id: s.raw for s in events if s.event.event_id not in outcome.accepted}
        for raw in to_publish.values():
            print(raw, flush=True)
        errors.print(f"dry run: {len(to_publish)} event(s) would be published ({len(outcome.accepted)} already accepted); "
                     "nothing published", highlight=False)
        return
    if as_json:
        files = [_file_json(source, settled, outcome.accepted) for source, settled in outcome.files]
        print(json.dumps({"published": len(outcome.stream_ids), "stream": settings.events_stream, "ids": outcome.stream_ids,
                          "files": files}), flush=True)
        return
    for source, settled in outcome.files:
        stage = "provisional" if source.provisional else "official"
        console.print(f"[bold]{escape(source.name)}[/]: {source.session}, {stage}", highlight=False)
        for s in settled:
            p = s.event.payload
            what = f"{len(p.entries)} cars" if s.event.type == "race.classified" else f"{p.class_id} #{p.car_number}"
            state = ("[green]new[/]" if s.new else "[dim]already accepted, not published again[/]"
                     if s.event.event_id in outcome.accepted else "[dim]published before: a duplicate[/]")
            console.print(f"  {s.event.type} {escape(what)} revision {p.revision}: {state}", highlight=False)
    new = sum(s.new for s in events)
    console.print(f"[green]published[/] {len(outcome.stream_ids)} event(s) to {escape(settings.events_stream)} "
                  f"({new} new, {len(outcome.accepted)} already accepted)", highlight=False)


def _file_json(source, settled, accepted: set[str]) -> dict:
    return {"file": source.name, "session": source.session, "provisional": source.provisional,
            "events": [{"event_id": s.event.event_id, "type": s.event.type, "revision": s.event.payload.revision,
                        "new": s.new, "accepted_before": s.event.event_id in accepted} for s in settled]}


def watched(name: str, outcome: Outcome, settings: Settings, as_json: bool, dry_run: bool) -> None:
    """One file of a watched folder, as it is handled."""
    if outcome.skipped:
        errors.print(f"[yellow]skipped[/] {escape(outcome.skipped)}", highlight=False, soft_wrap=True)
    for problem in outcome.problems:
        errors.print(f"[bold red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if outcome.problems:
        errors.print(f"nothing published from {escape(name)}: {len(outcome.problems)} problem(s)", highlight=False)
    elif outcome.files:
        imported(outcome, settings, as_json, dry_run)
