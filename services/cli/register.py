"""`standings register`: a rules file, validated, published as `championship.registered`.

A rules file that does not validate exits with status 2 and one line per problem naming the field.
"""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from schemas.events import Event, parse_event
from schemas.loading import RulesFileError, describe, load_rules
from schemas.rules import Rules
from services.cli.common import Json, RedisUrl, console, invalid, load_settings, redis_url, run
from services.runtime import read_model
from services.runtime.redis import connect, entry
from services.runtime.settings import Settings


def register(
    rules_file: Annotated[Path, typer.Argument(help="YAML, TOML or JSON rules file.", show_default=False)],
    championship: Annotated[str, typer.Option("--championship", "-c", help="Championship id, e.g. pccna-2024.")],
    revision: Annotated[int | None, typer.Option(
        help="Registration revision; default: the stored one, +1 if the rules changed.")] = None,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Validate a rules file and publish `championship.registered` for it."""
    try:
        rules = load_rules(rules_file)
    except RulesFileError as exc:
        invalid([f"{rules_file}: {p}" for p in exc.problems])
    registration(championship, rules, revision or 1)  # a bad id fails before Redis is touched
    settings = load_settings(url)
    with redis_url(settings) as address:
        event, stream_id = run(_register(address, settings, championship, rules, revision))
    summary = {"championship_id": championship, "revision": event.payload.revision, "event_id": event.event_id,
               "stream_id": stream_id, "name": rules.name, "season": rules.season,
               "classes": [c.id for c in rules.classes],
               "races": sum(len(r.races) for r in rules.calendar), "tables": [t.id for t in rules.tables]}
    if as_json:
        print(json.dumps(summary))
        return
    say = partial(console.print, highlight=False, soft_wrap=True)
    say(f"[green]registered[/] [bold]{escape(rules.name)} {rules.season}[/] as [bold]{escape(championship)}[/] "
        f"(revision {summary['revision']}, stream id {stream_id})")
    say(f"  classes: {', '.join(c.name for c in rules.classes)}", markup=False)
    say(f"  races:   {summary['races']} over {len(rules.calendar)} rounds", markup=False)
    say(f"  tables:  {', '.join(t.name for t in rules.tables)}", markup=False)


async def _register(url: str, settings: Settings, cid: str, rules: Rules, revision: int | None) -> tuple[Event, str]:
    client = connect(url, client_name="cli-register")
    try:
        if revision is None:
            revision = await _next_revision(client, cid, rules)
        event = registration(cid, rules, revision)
        stream_id = await client.xadd(settings.events_stream, entry(event.model_dump_json()))
        return event, stream_id.decode()
    finally:
        await client.aclose()


def registration(cid: str, rules: Rules, revision: int) -> Event:
    """The validated event; its id names the revision and a digest of the rules (same file, same id)."""
    digest = hashlib.sha256(rules.model_dump_json().encode()).hexdigest()[:12]
    data = {"event_id": f"{cid}:rules:r{revision}:{digest}", "type": "championship.registered",
            "championship_id": cid, "occurred_at": _now(),
            "payload": {"revision": revision, "rules": rules.model_dump(mode="json")}}
    try:
        return parse_event(data)
    except ValidationError as exc:
        invalid([p.replace("championship_id", "--championship", 1) for p in describe(exc)])


async def _next_revision(client, cid: str, rules: Rules) -> int:
    """The stored registration's revision if its rules are these, else one more (1 when none)."""
    stored = await read_model.registration(client, cid)
    if stored is None:
        return 1
    same = stored.payload.rules.model_dump() == rules.model_dump()
    return stored.payload.revision + (0 if same else 1)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
