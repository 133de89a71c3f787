"""`standings table` (the stored tables, or any past round) and `standings tail` (live changes)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer
from redis.asyncio import Redis

from schemas.rules import Rules
from schemas.standings import read_changed
from services.cli.common import Json, RedisUrl, console, errors, fail, load_settings, redis_url, run
from services.cli.render import change_lines, standings_table, tie_reasons
from services.engine import standings
from services.runtime import keys, read_model
from services.runtime.redis import connect, entry_json

Championship = Annotated[str, typer.Argument(help="Championship id, e.g. pccna-2024.", show_default=False)]


def table(
    championship: Championship,
    class_id: Annotated[str | None, typer.Option("--class", help="Only this class (default: every class).")] = None,
    table_id: Annotated[str, typer.Option("--table", help="Table id: drivers, teams, junior, ...")] = "drivers",
    after_round: Annotated[int | None, typer.Option(min=0, help="Compute the tables as they stood after round N.")] = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Under each table, why the rows level on points rank where they do.")] = False,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Show a championship's standings table(s)."""
    settings = load_settings(url)
    with redis_url(settings, championship) as address:
        tables, rules = run(_tables(address, championship, after_round))
    order = read_model.rules_order(rules)
    chosen = [t for key, t in sorted(tables.items(), key=lambda item: order(item[0]))
              if t["table_id"] == table_id and (class_id is None or t["class_id"] == class_id)]
    if not chosen:
        where = f" for class {class_id!r}" if class_id else ""
        known = ", ".join(sorted(tables, key=order)) or "none yet"
        fail(f"no table {table_id!r}{where} in {championship}; tables: {known}")
    if as_json:
        print(json.dumps(chosen))
        return
    names = {c.id: c.name for c in rules.classes} if rules else {}
    for one in chosen:
        console.print(standings_table(one, class_names=names))
        if explain:
            console.print(tie_reasons(one))


async def _tables(url: str, cid: str, after_round: int | None) -> tuple[dict[str, dict], Rules | None]:
    """The tables (stored, or as they stood after `after_round`) and the rules in force."""
    client = connect(url, client_name="cli-table")
    try:
        await _known(client, cid)
        registered = await read_model.registration(client, cid)
        rules = registered.payload.rules if registered else None
        if after_round is None:
            return (await read_model.snapshot(client, cid)).tables, rules
        rounds = max((r.round for r in rules.calendar), default=None) if rules else None
        if rounds is not None and after_round > rounds:
            fail(f"--after-round {after_round}: {cid} has only {rounds} round{'s' if rounds != 1 else ''}", 2)
        facts, _ = await read_model.facts(client, cid)
        return standings(facts, after_round), rules
    finally:
        await client.aclose()


async def _known(client: Redis, cid: str) -> None:
    """Fail, listing the championships that exist, when `cid` is not one of them."""
    if not await read_model.exists(client, cid):
        known = await read_model.championship_ids(client)
        fail(f"unknown championship {cid!r}; known: {', '.join(known) or 'none (register one first)'}")


def tail(
    championship: Annotated[str | None, typer.Argument(
        help="Championship id; default: every registered one.", show_default=False)] = None,
    count: Annotated[int | None, typer.Option(help="Exit after this many changes.")] = None,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """Follow standings.changed: moves, leader changes, clinches (Ctrl-C to stop)."""
    settings = load_settings(url)
    with redis_url(settings, championship) as address:
        try:
            run(_follow(address, championship, count, as_json))
        except KeyboardInterrupt:
            pass


async def _follow(url: str, cid: str | None, count: int | None, as_json: bool) -> None:
    client = connect(url, client_name="cli-tail")
    cursors: dict[str, bytes] = {}
    seen, first = 0, True
    try:
        if not as_json:
            errors.print(f"following {cid or 'every championship'}; Ctrl-C to stop", style="dim", markup=False, highlight=False)
        while count is None or seen < count:
            cids = [cid] if cid else await read_model.championship_ids(client)
            for one in cids:  # known at the start: from now on; registered later: from their first change
                if keys.changes_stream(one) not in cursors:
                    last = await client.xrevrange(keys.changes_stream(one), count=1) if first else None
                    cursors[keys.changes_stream(one)] = last[0][0] if last else b"0-0"
            first = False
            if not cursors:
                await asyncio.sleep(1)
                continue
            for stream, entries in await client.xread(cursors, block=1000) or []:
                for stream_id, fields in entries:
                    cursors[stream.decode()] = stream_id
                    if count is None or seen < count:
                        await _show(client, entry_json(fields), as_json)
                        seen += 1
    finally:
        await client.aclose()


async def _show(client: Redis, raw: bytes, as_json: bool) -> None:
    """Print one record: as read (`--json`), else its lines, with names from the tables it names."""
    if as_json:
        sys.stdout.write(json.dumps(json.loads(raw)) + "\n")
        sys.stdout.flush()
        return
    record = read_changed(raw)
    [change] = await read_model.with_tables(client, record.event["championship_id"], [record])
    for line in change_lines(change.event, change.tables):
        console.print(line, soft_wrap=True, highlight=False)
