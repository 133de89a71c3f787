"""Operating the projection: `standings rebuild` and `standings dead-letters ...`."""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from services.cli.common import Json, RedisUrl, console, errors, fail, load_settings, redis_url, run
from services.projector import dead_letters as dl
from services.projector.rebuild import rebuild as rebuild_projection
from services.runtime.redis import connect
from services.runtime.settings import Settings

dead_letters = typer.Typer(help="List, inspect, re-drive or purge dead letters.", no_args_is_help=True)
_STREAM_ID = re.compile(r"^\d+-\d+$")


def _stream_ids(values: str | list[str] | None) -> str | list[str] | None:
    """Dead-letter ids are stream ids ('1732259200000-0'): anything else is a usage error (exit 2)."""
    for value in [values] if isinstance(values, str) else values or []:
        if not _STREAM_ID.match(value):
            raise typer.BadParameter(f"{value!r} is not a stream id like 1732259200000-0")
    return values


Ids = Annotated[
    list[str] | None,
    typer.Argument(help="Dead-letter ids (default: all).", show_default=False, callback=_stream_ids),
]
OnlyChampionship = Annotated[str | None, typer.Option("--championship", "-c", help="Only this championship.")]
Count = Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")]


def rebuild(
    championship: Annotated[str | None, typer.Argument(help="Championship id; default: every one.", show_default=False)] = None,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Replay the event log into a fresh projection and swap it in (publishes nothing)."""
    settings = load_settings(url)
    with redis_url(settings, championship) as address:
        reports = run(_rebuild(address, settings, championship, quiet=as_json))
    if as_json:
        print(json.dumps([vars(r) for r in reports]))
        return
    out = Table("Championship", "Mode", "Events", "Skipped", "Tables", "Changed", "Version", title="Rebuilt")
    for r in reports:
        out.add_row(*(Text(str(v)) for v in (r.championship_id, r.mode, r.events, r.skipped, r.tables,
                                              "yes" if r.changed else "no", r.version)))
    console.print(out)


async def _rebuild(url: str, settings: Settings, cid: str | None, *, quiet: bool) -> list:
    client = connect(url, client_name="cli-rebuild")
    columns = (TextColumn("replaying the event log"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=errors, disable=quiet, transient=False) as bar:
            task = bar.add_task("rebuild", total=None)
            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return await rebuild_projection(client, settings, cid, progress)
    finally:
        await client.aclose()


async def _with_client(url: str, work):
    client = connect(url, client_name="cli-dead-letters")
    try:
        return await work(client)
    finally:
        await client.aclose()


def _call(url: str | None, work):
    settings = load_settings(url)
    with redis_url(settings) as address:
        return settings, run(_with_client(address, lambda client: work(client, settings)))


@dead_letters.command("list")
def list_(
    championship: OnlyChampionship = None,
    count: Count = 100,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """List dead letters, oldest first."""
    _, letters = _call(url, lambda c, s: dl.list_dead_letters(c, s, count=count, championship_id=championship))
    if as_json:
        print(json.dumps([d.to_dict() for d in letters]))
        return
    out = Table("Id", "Failed at", "Championship", "Event", "Reason", title=f"Dead letters ({len(letters)})")
    for d in letters:
        out.add_row(*(Text(v or "") for v in (d.id, d.failed_at, d.championship_id, d.event_id, d.reason)))
    console.print(out)


@dead_letters.command()
def show(
    dead_letter_id: Annotated[
        str, typer.Argument(metavar="ID", help="The dead letter's id.", show_default=False, callback=_stream_ids)
    ],
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Show one dead letter with its original payload."""
    _, letter = _call(url, lambda c, s: dl.get_dead_letter(c, s, dead_letter_id))
    if letter is None:
        fail(f"no dead letter {dead_letter_id!r} (see `standings dead-letters list`)")
    if as_json:
        print(json.dumps(letter.to_dict()))
        return
    for key, value in letter.to_dict().items():
        if key != "payload":
            console.print(Text.assemble((key, "bold"), f": {value}"), highlight=False, soft_wrap=True)
    try:
        console.print_json(letter.payload)
    except ValueError:
        console.print(letter.payload, markup=False)


@dead_letters.command()
def redrive(ids: Ids = None, url: RedisUrl = None, as_json: Json = False) -> None:
    """Re-publish dead letters' payloads to the event stream (all when no id is given)."""
    _, moved = _call(url, lambda c, s: dl.redrive(c, s, ids or None))
    if ids and len(moved) < len(ids):
        errors.print(f"[yellow]unknown:[/] {escape(', '.join(i for i in ids if i not in moved))}")
    if as_json:
        print(json.dumps(moved))
        return
    console.print(f"re-drove {len(moved)} dead letter(s)")
    for old, new in moved.items():
        console.print(f"  {old} → event stream {new}")


@dead_letters.command()
def purge(
    ids: Ids = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before purging all.")] = False,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Delete dead letters without re-driving them (all when no id is given)."""
    if not ids and not yes and not typer.confirm("Purge every dead letter?"):
        raise typer.Exit(1)

    async def work(client, settings):
        chosen = ids or [d.id for d in await dl.list_dead_letters(client, settings, count=1_000_000)]
        return await dl.purge(client, settings, chosen)

    _, purged = _call(url, work)
    print(json.dumps({"purged": purged})) if as_json else console.print(f"purged {purged} dead letter(s)")
