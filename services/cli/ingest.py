"""`standings publish`: a JSON lines file of events, checked, then onto the event stream.

Every line is checked first by :mod:`services.runtime.admission`, the check HTTP ingest makes: the
contract, the accepted record and the registered rules (unknown championship, unknown class, race
not in the calendar, ...), read from Redis once per championship; a registration earlier in the
file counts. Problems exit with status 2 and one line per problem naming the line number and the
field; nothing is published then unless `--skip-invalid` is given. Events already accepted with the
same content are not published again. `--no-check` checks the contract only, for a producer who
publishes ahead of the rules (the projector retries such events for a while, then dead-letters them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from services.cli.common import Json, RedisUrl, console, errors, fail, invalid, load_settings, redis_url, run
from services.runtime.admission import judge
from services.runtime.redis import connect, entry
from services.runtime.settings import Settings
from services.runtime.verdicts import Verdict, contract, problems

CHUNK = 500


def publish(
    file: Annotated[str, typer.Argument(help="JSON lines file, one event per line; '-' for stdin.", show_default=False)],
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Publish the valid lines even if some are not.")] = False,
    no_check: Annotated[bool, typer.Option(
        "--no-check", help="Check the contracts only, not the registered rules (publish ahead of the rules).")] = False,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Check every line of a JSON lines file (contracts and registered rules), then publish the events."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}", 2)
    numbers, verdicts = read_lines(text)
    _refuse_unless_skipping(numbers, verdicts, skip_invalid, no_check)  # the contracts, before Redis is touched
    settings = load_settings(url)
    with redis_url(settings) as address:
        verdicts, ids = run(check_and_publish(address, settings, numbers, verdicts, not no_check, skip_invalid))
    skipped = problems(verdicts, _labels(numbers))
    duplicates = [v.event.event_id for v in verdicts if v.duplicate_of]
    if as_json:
        print(json.dumps({"published": len(ids), "stream": settings.events_stream, "ids": ids, "invalid": skipped,
                          "duplicates": duplicates}))
        return
    for line in skipped:
        errors.print(f"[yellow]skipped[/] {escape(line)}", highlight=False, soft_wrap=True)
    console.print(f"[green]published[/] {len(ids)} event(s) to {escape(settings.events_stream)}"
                  + (f", {len(duplicates)} already accepted (not published again)" if duplicates else "")
                  + (f", skipped {len(skipped)} invalid line(s)" if skipped else ""), soft_wrap=True)


def read_lines(text: str) -> tuple[list[int], list[Verdict]]:
    """The line number and the contract verdict of each non-blank line."""
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    return [n for n, _ in numbered], [contract(raw) for _, raw in numbered]


def _labels(numbers: list[int]) -> list[str]:
    return [f"line {n}: " for n in numbers]


def _refuse_unless_skipping(numbers: list[int], verdicts: list[Verdict], skip_invalid: bool, no_check: bool) -> None:
    found = problems(verdicts, _labels(numbers))
    if found and not skip_invalid:
        hint = "; --no-check publishes ahead of the rules" if any(v.rules_broken for v in verdicts) and not no_check else ""
        invalid([*found, f"nothing published: {len(found)} problem(s); --skip-invalid publishes the valid lines{hint}"])


async def check_and_publish(url: str, settings: Settings, numbers: list[int], verdicts: list[Verdict], check: bool,
                             skip_invalid: bool) -> tuple[list[Verdict], list[str]]:
    """The verdicts (judged against the rules when `check`) and the stream ids of what was published."""
    client = connect(url, client_name="cli-publish")
    ids: list[str] = []
    try:
        if check:
            verdicts = await judge(client, verdicts, settings)
            _refuse_unless_skipping(numbers, verdicts, skip_invalid, no_check=False)
        lines = [v.raw for v in verdicts if v.to_publish]
        for start in range(0, len(lines), CHUNK):
            async with client.pipeline(transaction=False) as pipe:
                for raw in lines[start:start + CHUNK]:
                    pipe.xadd(settings.events_stream, entry(raw))
                ids += [i.decode() for i in await pipe.execute()]
    finally:
        await client.aclose()
    return verdicts, ids
