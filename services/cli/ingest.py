"""`standings publish`: a JSON lines file of events, validated, then onto the event stream.

Every line is validated first; invalid input exits with status 2 and one line per problem naming
the line number and the field. Nothing is published then unless `--skip-invalid` is given.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from schemas.events import (
    ChampionshipRegistered,
    Event,
    EventTooLarge,
    FastestLapSet,
    PoleAwarded,
    RaceClassified,
    StandingsAdjusted,
    parse_event,
)
from schemas.loading import describe
from services.cli.common import Json, RedisUrl, console, errors, fail, invalid, load_settings, redis_url, run
from services.runtime.redis import connect, entry
from services.runtime.settings import Settings

CHUNK = 500
EVENT_TYPES = [m.model_fields["type"].default for m in (ChampionshipRegistered, RaceClassified, PoleAwarded,
                                                         FastestLapSet, StandingsAdjusted)]


def publish(
    file: Annotated[str, typer.Argument(help="JSON lines file, one event per line; '-' for stdin.", show_default=False)],
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Publish the valid lines even if some are not.")] = False,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Validate every line of a JSON lines file, then publish the events (pipelined XADDs)."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}", 2)
    valid, problems = validate_lines(text)
    if problems and not skip_invalid:
        invalid([*problems, f"nothing published: {len(problems)} problem(s); --skip-invalid publishes the valid lines"])
    for line in problems:
        errors.print(f"[yellow]skipped[/] {line}", highlight=False, soft_wrap=True)
    settings = load_settings(url)
    with redis_url(settings) as address:
        ids = run(_publish(address, settings, [raw for raw, _ in valid]))
    if as_json:
        print(json.dumps({"published": len(ids), "stream": settings.events_stream, "ids": ids, "invalid": problems}))
        return
    console.print(f"[green]published[/] {len(ids)} event(s) to {settings.events_stream}"
                  + (f", skipped {len(problems)} invalid line(s)" if problems else ""))


def validate_lines(text: str) -> tuple[list[tuple[str, Event]], list[str]]:
    """(raw line, event) for each valid non-blank line; 'line N: field: reason' for each problem."""
    valid, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        raw = line.strip()
        if not raw:
            continue
        try:
            valid.append((raw, parse_event(raw)))
        except ValidationError as exc:
            problems += [f"line {number}: {_untagged(problem)}" for problem in describe(exc)]
        except EventTooLarge as exc:
            problems.append(f"line {number}: {exc}")
    return valid, problems


def _untagged(problem: str) -> str:
    """Drop the union tag pydantic puts first ("race.classified.payload..." -> "payload...")."""
    return next((problem.removeprefix(f"{t}.") for t in EVENT_TYPES if problem.startswith(f"{t}.")), problem)


async def _publish(url: str, settings: Settings, lines: list[str]) -> list[str]:
    client = connect(url, client_name="cli-publish")
    ids: list[str] = []
    try:
        for start in range(0, len(lines), CHUNK):
            async with client.pipeline(transaction=False) as pipe:
                for raw in lines[start:start + CHUNK]:
                    pipe.xadd(settings.events_stream, entry(raw))
                ids += [i.decode() for i in await pipe.execute()]
    finally:
        await client.aclose()
    return ids
