"""`standings demo`: `up` plus a simulated PCCNA season replayed at a chosen pace, live in the terminal.

The championship is `pccna-<season>-sim` and every screen says "simulated": driver and team names
come from the series' reports, the results are invented (see services/demo). Without a REDIS_URL
the demo uses its own embedded server in `<data_dir>/demo`, emptied at start; with one, only the
simulated championship's projection is reset.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.text import Text

from schemas.loading import RulesFileError, load_rules
from schemas.rules import Rules
from schemas.standings import read_changed
from services.cli.common import DEMO_FOLDER, RedisUrl, console, fail, reachable
from services.cli.render import standings_table
from services.cli.system import (
    OVERLAY_OPTIONS,
    Host,
    Port,
    gateway_settings,
    gateway_urls,
    layout_urls,
    overlay_urls,
    serve,
)
from services.demo.publisher import STEPS, publish_season, reset, wait_applied
from services.demo.roster import ROSTER
from services.demo.season import SimulatedRace, SimulatedSeason, simulate_season
from services.runtime import keys, read_model
from services.runtime.redaction import redact
from services.runtime.redis import connect, entry_json
from services.runtime.settings import Settings

# The checkout's rules/ (editable install, `make demo`), else ./rules (the container's WORKDIR).
RULES_DIR = next((d for d in (Path(__file__).resolve().parents[2] / "rules", Path.cwd() / "rules") if d.is_dir()),
                 Path("rules"))
ROWS = {0: 10, 1: 8, 2: 7}  # rows shown per class, by class order


def track_name(track: str) -> str:
    """'watkins-glen' -> 'Watkins Glen', 'cota' -> 'COTA' (the rules name tracks by id)."""
    return " ".join(w.upper() if len(w) <= 4 and w not in ("glen", "park") else w.capitalize() for w in track.split("-"))


def race_heading(rules: Rules, race: SimulatedRace, step: str) -> str:
    """'Round 2 of 16 · Sebring · provisional classification' (the race named when a round has several)."""
    rounds = max(r.round for r in rules.calendar)
    [held] = [r for r in rules.calendar if r.round == race.round]
    which = [r.race_id for r in held.races].index(race.race_id) + 1
    race_no = f" · race {which} of {len(held.races)}" if len(held.races) > 1 else ""
    return f"Round {race.round} of {rounds} · {track_name(race.track)}{race_no} · {step}"


class Board:
    """What the terminal shows: a "simulated" header, the step being published, one table per class."""

    def __init__(self, season: SimulatedSeason, urls: dict[str, str]) -> None:
        self.season, self.urls = season, urls
        self.rules = season.registration.payload.rules
        self.names = {c.id: c.name for c in self.rules.classes}
        self.tables: dict[str, dict] = {}
        self.status = "registering the championship"

    def step(self, race: SimulatedRace, index: int) -> None:
        note = f" · stewards: {race.penalty}" if index == 3 and race.penalty else ""
        self.status = race_heading(self.rules, race, STEPS[index]) + note

    def render(self) -> Group:
        head = Text.assemble(("  SIMULATED SEASON  ", "bold black on yellow"),
                             f"  {self.rules.name} · {self.season.championship_id} · invented results, real names\n",
                             (self.status, "bold"))
        links = Text(f"page {self.urls['page']} · API docs {self.urls['docs']} · overlays: see above",
                     no_wrap=True, overflow="ignore")
        parts = [Panel(head, border_style="yellow"), links]
        for i, klass in enumerate(self.rules.classes):
            table = self.tables.get(f"drivers/{klass.id}")
            compact = console.width < 110
            empty = Text(f"{klass.name}: no results yet", style="dim")
            parts.append(standings_table(table, limit=ROWS.get(i, 8), compact=compact, class_names=self.names)
                         if table else empty)
        return Group(*parts)


def links(settings: Settings, sim: SimulatedSeason, own_server: bool) -> None:
    """Every URL worth opening, printed once (to copy): the page, the API docs, each overlay, the Redis."""
    urls = gateway_urls(settings, sim.championship_id)
    say = partial(console.print, soft_wrap=True, highlight=False, markup=False)
    where = f" (the demo's own, data in {settings.data_dir}; `standings` commands find it)" if own_server else ""
    say(f"  standings page: {urls['page']}")
    say(f"  API docs:       {urls['docs']}")
    say(f"  Redis:          {redact(settings.redis_url)}{where}")
    rules = sim.registration.payload.rules
    overlays = overlay_urls(settings, sim.championship_id, rules)
    leader = next(e for e in ROSTER if e.klass == 0 and not e.guest)
    layouts = layout_urls(settings, sim.championship_id, rules, leader.driver_id)
    width = max(len(label) for label, _ in overlays + layouts)
    say("  overlays (OBS browser source):")
    for label, url in overlays:
        say(f"    {label:<{width}}  {url}")
    say("  layouts:")
    for label, url in layouts:
        say(f"    {label:<{width}}  {url}")
    say(f"  overlay builder: {urls['builder']}")
    say(f"  overlay options: {OVERLAY_OPTIONS}", style="dim")


def demo(
    pace: Annotated[float, typer.Option(min=0, help="Seconds per race.")] = 2.0,
    races: Annotated[int | None, typer.Option(min=1, help="Only the first N races (default: all 16).")] = None,
    season: Annotated[int, typer.Option(help="Season whose rules to use (rules/pccna-<season>.yaml).")] = 2024,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed plays the same season.")] = 2024,
    exit_when_done: Annotated[bool, typer.Option("--exit-when-done", help="Stop once the season is projected.")] = False,
    url: RedisUrl = None,
    host: Host = None,
    port: Port = None,
) -> None:
    """Run the system and replay a SIMULATED PCCNA season at PACE seconds per race."""
    path = RULES_DIR / f"pccna-{season}.yaml"
    if not path.exists():
        seasons = ", ".join(sorted(p.stem.removeprefix("pccna-") for p in RULES_DIR.glob("pccna-*.yaml")))
        fail(f"--season: no rules file {path.name} (seasons: {seasons})", 2)
    try:
        rules = load_rules(path)
    except RulesFileError as exc:
        fail(str(exc), 2)
    settings = gateway_settings(url, host, port, quiet=True)
    own_server = settings.redis_url is None
    if own_server:  # advertised in <data_dir>/demo/embedded.url, where `standings table` etc. look too
        settings = settings.model_copy(update={"data_dir": Path(settings.data_dir) / DEMO_FOLDER})
    else:
        reachable(settings.redis_url)
    run_id = datetime.now(UTC).strftime("%Y%m%dt%H%M%S")
    sim = simulate_season(rules, seed=seed, races=races, run=run_id)
    board = Board(sim, gateway_urls(settings, sim.championship_id))
    count = f"{len(sim.races)} race{'s' if len(sim.races) != 1 else ''}"
    console.print(Text.assemble(("SIMULATED", "bold black on yellow"), f" PCCNA {season} season, seed {seed}: "
                                f"{count} at {pace:g} s per race. The results are not real."))
    serve(settings, projector=True, gateway=True, before=lambda live: _reset(live, sim.championship_id, own_server),
          on_ready=lambda live: links(live, sim, own_server),
          extras=lambda live: [("demo", _play(live, sim, pace, exit_when_done, board))])


async def _reset(settings: Settings, cid: str, flush: bool) -> None:
    client = connect(settings.redis_url)
    try:
        await reset(client, cid, flush=flush)
    finally:
        await client.aclose()


async def _play(settings: Settings, sim: SimulatedSeason, pace: float, exit_when_done: bool, board: Board) -> None:
    client, reader = connect(settings.redis_url), connect(settings.redis_url, client_name="demo-live")
    try:
        with Live(board.render(), console=console, refresh_per_second=4) as live:
            last = await reader.xrevrange(keys.changes_stream(sim.championship_id), count=1)
            cursor = last[0][0] if last else b"0-0"
            follower = asyncio.create_task(_follow(reader, sim.championship_id, cursor, board, live))

            def shown(race: SimulatedRace, index: int) -> None:
                board.step(race, index)
                live.update(board.render())

            await publish_season(client, settings, sim, pace, shown)
            if not exit_when_done:
                board.status = "season complete (simulated) · Ctrl-C to stop"
                live.update(board.render())
                await follower
                return
            applied = await wait_applied(client, sim)
            follower.cancel()
            board.tables = (await read_model.snapshot(client, sim.championship_id)).tables
            board.status = "season complete (simulated)" if applied else "timed out waiting for the projector"
            live.update(board.render())
    finally:
        await reader.aclose()
        await client.aclose()


async def _follow(client, cid: str, cursor: bytes, board: Board, live: Live) -> None:
    """Refresh the board from `standings:{cid}:changes` (after `cursor`) as the projector publishes.

    The records are compact: the tables they name are read from the tables hash, once per read.
    """
    while True:
        for _, entries in await client.xread({keys.changes_stream(cid): cursor}, block=1000) or []:
            cursor = entries[-1][0]
            records = [read_changed(entry_json(fields)) for _, fields in entries]
            for change in await read_model.with_tables(client, cid, records):
                board.tables.update(change.tables)
            live.update(board.render())
