"""`standings notifier`: run the notifier (no subcommand), or operate its dead letters.

- `standings notifier [--redis-url URL]`: the service alone, as before (compose, Kubernetes);
- `standings notifier dead-letters list`: the notifier's dead letters, oldest first.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from services.cli import system
from services.cli.common import Json, RedisUrl, console, load_settings, redis_url, run
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
    from services.notifier.settings import NotifierSettings

    return NotifierSettings(**load_settings(url).model_dump())


@dead_letters.command("list")
def list_(
    championship: Annotated[str | None, typer.Option("--championship", "-c", help="Only this championship.")] = None,
    count: Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")] = 100,
    url: RedisUrl = None,
    as_json: Json = False,
) -> None:
    """List the notifier's dead letters, oldest first."""
    from services.notifier.dead_letters import list_dead_letters

    settings = _notifier_settings(url)

    async def work(address: str) -> list[dict[str, str]]:
        client = connect(address, client_name="cli-notifier-dead-letters")
        try:
            return await list_dead_letters(client, settings, count=count)
        finally:
            await client.aclose()

    with redis_url(settings) as address:
        letters = [d for d in run(work(address)) if championship in (None, d.get("championship_id"))]
    if as_json:
        print(json.dumps(letters))
        return
    out = Table("Id", "Failed at", "Webhook", "Event", "Reason", title=f"Notifier dead letters ({len(letters)})")
    for d in letters:
        out.add_row(d["id"], d.get("failed_at", ""), d.get("url", ""), d.get("event_id", ""), d.get("reason", ""))
    console.print(out)
