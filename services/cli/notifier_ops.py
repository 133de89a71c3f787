"""`standings notifier`: run the notifier (no subcommand), or operate its dead letters.

- `standings notifier [--redis-url URL]`: the service alone, as before (compose, Kubernetes);
- `standings notifier dead-letters list`: the notifier's dead letters, oldest first;
- `standings notifier dead-letters redrive [ID...]`: send them again to their webhooks (all when no
  id is given), with the webhooks, format and secret of this environment's settings
  (`STANDINGS_WEBHOOK_*`); sent letters are deleted, the others kept. Exit status 1 when a send failed.
"""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from services.cli import system
from services.cli.common import Json, RedisUrl, console, errors, fail, load_settings, redis_url, run
from services.cli.ops import Count, Ids, OnlyChampionship
from services.runtime.redis import connect

app = typer.Typer(help="Run the notifier (webhooks for bots), or operate its dead letters.")
dead_letters = typer.Typer(help="The notifier's dead letters: list them, re-send them.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")


@app.callback(invoke_without_command=True)
def notifier(ctx: typer.Context, url: RedisUrl = None) -> None:
    """Run the notifier alone: webhooks for bots (for compose / Kubernetes)."""
    if ctx.invoked_subcommand is None:
        system.notifier(url)


def _notifier_settings(url: str | None):
    from pydantic import ValidationError

    from schemas.loading import describe
    from services.notifier.settings import NotifierSettings

    try:
        return NotifierSettings(**load_settings(url).model_dump())  # adds STANDINGS_WEBHOOK_* from the env
    except ValidationError as exc:
        fail("notifier settings: " + "; ".join(describe(exc)), 2)


@dead_letters.command("list")
def list_(
    championship: OnlyChampionship = None,
    count: Count = 100,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """List the notifier's dead letters, oldest first."""
    from services.notifier.dead_letters import list_dead_letters

    settings = _notifier_settings(url)

    async def work(address: str) -> list[dict[str, str]]:
        client = connect(address, client_name="cli-notifier-dead-letters")
        try:
            return await list_dead_letters(client, settings, count=count, championship_id=championship)
        finally:
            await client.aclose()

    with redis_url(settings) as address:
        letters = run(work(address))
    if as_json:
        print(json.dumps(letters))
        return
    out = Table("Id", "Failed at", "Webhook", "Event", "Payload", "Reason", title=f"Notifier dead letters ({len(letters)})")
    for d in letters:
        out.add_row(*(escape(d.get(k, "")) for k in ("id", "failed_at", "url", "event_id", "payload_type", "reason")))
    console.print(out)


@dead_letters.command()
def redrive(ids: Ids = None, url: RedisUrl = None, as_json: Json = False) -> None:
    """Send dead letters again to their webhooks (all when no id is given); sent ones are deleted."""
    import httpx

    from services.notifier.handler import Notifier
    from services.notifier.redrive import redrive as redrive_letters

    settings = _notifier_settings(url)

    async def work(address: str):
        client = connect(address, client_name="cli-notifier-redrive")
        async with httpx.AsyncClient() as http:
            try:
                return await redrive_letters(Notifier(client, http, settings), ids or None)
            finally:
                await client.aclose()

    with redis_url(settings) as address:
        results = run(work(address))
    if as_json:
        print(json.dumps([vars(r) for r in results]))
    else:
        counts = {o: sum(r.outcome == o for r in results) for o in ("sent", "failed", "skipped")}
        console.print(f"re-sent {counts['sent']} dead letter(s); {counts['failed']} failed, {counts['skipped']} skipped")
        for r in results:
            (console if r.outcome == "sent" else errors).print(f"  {r.id} {r.outcome}: {r.url} {r.detail}".rstrip(),
                                                               highlight=False, markup=False)
    if any(r.outcome == "failed" for r in results):
        raise typer.Exit(1)
