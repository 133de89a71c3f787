"""`standings import alkamel`: Al Kamel classification CSV files -> race results, fastest laps and poles.

Every file is read and checked first (rows, classes, drivers, the contracts); any problem exits
with status 2, one line per problem naming the file, line and column, and nothing is published.
`--watch DIR` imports each new or changed file of a folder once, as it fills. docs/cli.md has the
details: the mapping file, the revision scheme, the event ids.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from schemas.loading import RulesFileError, load_rules
from services.cli.common import Json, RedisUrl, errors, fail, invalid, load_settings, redis_url, run
from services.cli.import_flow import NotAResult, NotRegistered, Options, Outcome, import_sources, offline, source_of, watch
from services.cli.import_report import imported, watched
from services.importers.batch import occurred_at
from services.importers.mapping import Mapping, MappingFileError, load_mapping
from services.importers.watch import Folder
from services.runtime.settings import Settings

app = typer.Typer(help="Import timing systems' files as events.", no_args_is_help=True)


class SessionChoice(StrEnum):
    auto = "auto"
    race = "race"
    qualifying = "qualifying"


@app.command()
def alkamel(
    championship: Annotated[str, typer.Option("--championship", "-c", help="Championship id, e.g. pccna-2025.")],
    race: Annotated[str, typer.Option("--race", "-r", help="Race id of the calendar the files are about, e.g. r03.")],
    files: Annotated[list[Path] | None, typer.Argument(
        help="Al Kamel classification CSV files (Results, Results by Class, Classification), applied in this order.",
        show_default=False)] = None,
    mapping_file: Annotated[Path | None, typer.Option("--mapping", "-m", help="The championship's mapping file (YAML).",
                                                      show_default=False)] = None,
    round_: Annotated[int | None, typer.Option("--round", min=1, help="Round of the race; default: the calendar's.",
                                               show_default=False)] = None,
    session: Annotated[SessionChoice, typer.Option(
        help="race: results and fastest laps; qualifying: poles; auto: from each file's name.")] = SessionChoice.auto,
    provisional: Annotated[bool | None, typer.Option(
        "--provisional/--official", help="Default: from each file's name (Provisional, Unofficial, Official).",
        show_default=False)] = None,
    occurred: Annotated[str | None, typer.Option(
        "--occurred-at", help="When the results were issued (ISO 8601 with a timezone); default: each file's modification time.",
        show_default=False)] = None,
    rules_file: Annotated[Path | None, typer.Option(
        "--rules", help="Check against this rules file instead of the registered rules (with --dry-run: no Redis at all).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the events as JSON lines; publish nothing.")] = False,
    watch_dir: Annotated[Path | None, typer.Option(
        "--watch", file_okay=False, exists=True, help="Import each new or changed CSV of this folder once, until Ctrl-C.",
        show_default=False)] = None,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between two looks at the watched folder.")] = 1.0,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Import Al Kamel classification files: race.classified, fastest_lap.set per class, or pole.awarded per class."""
    if bool(files) == bool(watch_dir):
        invalid(["give FILE... or --watch DIR (one of them)"])
    options = Options(championship, race, round_, _mapping(mapping_file), _rules(rules_file),
                      None if session is SessionChoice.auto else session.value, provisional, _when(occurred), dry_run)
    settings = load_settings(url)
    if watch_dir is not None:
        _watch(settings, options, watch_dir, interval, as_json)
        return
    sources = []
    for path in files:
        try:
            sources.append(source_of(path, path.read_bytes(), options))
        except NotAResult as exc:
            invalid([escape(str(exc))])
        except OSError as exc:
            invalid([escape(f"cannot read {path}: {exc}")])
    if dry_run and options.rules is not None:
        outcome = offline(sources, options)
    else:
        with redis_url(settings) as address:
            outcome = _or_fail(lambda: run(import_sources(address, settings, options, sources)))
    if outcome.problems:
        invalid([escape(p) for p in outcome.problems] + [f"nothing published: {len(outcome.problems)} problem(s)"])
    imported(outcome, settings, as_json, dry_run)


def _mapping(path: Path | None) -> Mapping:
    try:
        return load_mapping(path) if path is not None else Mapping()
    except MappingFileError as exc:
        invalid([escape(f"{path}: {p}") for p in exc.problems])


def _rules(path: Path | None):
    try:
        return load_rules(path) if path is not None else None
    except RulesFileError as exc:
        invalid([escape(f"{path}: {p}") for p in exc.problems])


def _when(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        invalid([f"--occurred-at: {escape(text)!r} is not an ISO 8601 time, e.g. 2025-05-05T17:30:00Z"])
    if value.tzinfo is None:
        invalid(["--occurred-at: needs a timezone, e.g. 2025-05-05T17:30:00Z or 2025-05-05T17:30:00-04:00"])
    return occurred_at(value)


def _or_fail(call):
    try:
        return call()
    except NotRegistered as exc:
        fail(escape(str(exc)))


def _watch(settings: Settings, options: Options, folder: Path, interval: float, as_json: bool) -> None:
    def report(name: str, outcome: Outcome) -> None:
        watched(name, outcome, settings, as_json, options.dry_run)

    async def main(address: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await watch(address, settings, options, Folder(folder), interval, stop, report)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    with redis_url(settings) as address:
        errors.print(f"watching {escape(str(folder))} for Al Kamel files (Ctrl-C to stop)", highlight=False)
        run(main(address))
        errors.print("stopped watching", highlight=False)
