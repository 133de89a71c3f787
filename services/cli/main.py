"""The `standings` command: `standings --help` lists the commands; docs/cli.md describes them."""

from __future__ import annotations

import typer

from services.cli import demo, ingest, notifier_ops, ops, register, system, views
from services.cli.acl import acl
from services.cli.importing import app as importing

app = typer.Typer(
    name="standings",
    help="Live motor-racing championship standings, event-sourced on Redis streams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command(rich_help_panel="Run")(system.up)
app.command(rich_help_panel="Run")(demo.demo)
app.command(rich_help_panel="Run")(system.projector)
app.command(rich_help_panel="Run")(system.gateway)
app.add_typer(notifier_ops.app, name="notifier", rich_help_panel="Run")
app.command(rich_help_panel="Feed")(register.register)
app.command(rich_help_panel="Feed")(ingest.publish)
app.add_typer(importing, name="import", rich_help_panel="Feed")
app.command(rich_help_panel="Read")(views.table)
app.command(rich_help_panel="Read")(views.tail)
app.command(rich_help_panel="Operate")(ops.rebuild)
app.add_typer(ops.dead_letters, name="dead-letters", rich_help_panel="Operate")
app.command(rich_help_panel="Operate")(acl)

if __name__ == "__main__":
    app()
