"""`standings up`, `standings projector`, `standings gateway`: the services in one process.

Without a Redis URL the embedded server runs for the command's lifetime (started before the
services, stopped cleanly after them) and its URL is advertised in ``<data_dir>/embedded.url`` so
other `standings` commands on the same data folder use it. If it dies meanwhile it is restarted on
the same port and folder (:func:`services.runtime.embedded.keep_running`: the URL stays valid),
or, after too many deaths in a row, the command exits 1 with one line. Signals and failures: see
:mod:`services.cli.supervisor`.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import Annotated
from urllib.parse import quote

import redis
import typer
from rich.markup import escape

from schemas.events import ChampionshipRegistered, parse_stored
from schemas.rules import Rules
from services.cli.common import RedisUrl, advertise, console, fail, load_settings, reachable
from services.cli.supervisor import in_turn, listen, supervise
from services.runtime import keys
from services.runtime.embedded import embedded_server, keep_running
from services.runtime.redaction import redact
from services.runtime.server import RedisProcess
from services.runtime.settings import Settings

Host = Annotated[str | None, typer.Option("--host", help="Gateway address (default STANDINGS_GATEWAY_HOST).", show_default=False)]
Port = Annotated[int | None, typer.Option("--port", help="Gateway port (default STANDINGS_GATEWAY_PORT).", show_default=False)]


# The overlay's query parameters besides championship, table, class_id and layout (services/gateway/static/overlay.html).
OVERLAY_OPTIONS = ("&theme=dark|light|transparent · &rows=N · &gap=leader|interval · &names=full|short · "
                   "&page_seconds=8 · &title=TEXT")


def gateway_urls(settings: Settings, championship: str | None = None) -> dict[str, str]:
    host = "127.0.0.1" if settings.gateway_host in ("0.0.0.0", "::") else settings.gateway_host
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    base = f"http://{host}:{settings.gateway_port}"
    cid = quote(championship or "<championship>", safe="<>")
    return {"gateway": base, "docs": f"{base}/docs", "page": f"{base}/championships/{cid}/page",
            "overlay": f"{base}/overlay?championship={cid}", "builder": f"{base}/overlay/builder"}


def overlay_urls(settings: Settings, championship: str, rules: Rules | None) -> list[tuple[str, str]]:
    """(label, URL) of the overlay of every table and class the rules keep: "Drivers · Pro-Am", ..."""
    base = gateway_urls(settings, championship)["overlay"]
    if rules is None:
        return [("Drivers", f"{base}&table=drivers")]
    names = {c.id: c.name for c in rules.classes}
    out = []
    for table in rules.tables:
        if not table.per_class:
            out.append((table.name, f"{base}&table={quote(table.id)}"))
            continue
        for class_id in table.classes or list(names):
            out.append((f"{table.name} · {names[class_id]}", f"{base}&table={quote(table.id)}&class_id={quote(class_id)}"))
    return out


def layout_urls(settings: Settings, championship: str, rules: Rules, driver: str) -> list[tuple[str, str]]:
    """(label, URL) of the overlay's other layouts (the tower is the default) for the first class's drivers."""
    klass = rules.classes[0]
    base = f"{gateway_urls(settings, championship)['overlay']}&table=drivers&class_id={quote(klass.id)}"
    return [(f"lower third · {klass.name}", f"{base}&layout=lower-third&driver={quote(driver)}"),
            (f"ticker · {klass.name}", f"{base}&layout=ticker"),
            (f"title fight · {klass.name}", f"{base}&layout=title-fight")]


def _rules(client: redis.Redis, championship: str) -> Rules | None:
    raw = client.hget(keys.facts_key(championship), "rules")
    registered = parse_stored(raw) if raw is not None else None
    return registered.payload.rules if isinstance(registered, ChampionshipRegistered) else None


def banner(settings: Settings) -> None:
    """Where the gateway listens: API docs, and the page and overlays of each registered championship."""
    with redis.Redis.from_url(settings.redis_url, socket_timeout=2) as client:
        known = sorted(c.decode() for c in client.smembers(keys.CHAMPIONSHIPS_KEY))
        rules = {cid: _rules(client, cid) for cid in known[:5]}
    urls = gateway_urls(settings)
    say = partial(console.print, soft_wrap=True, highlight=False)  # URLs stay whole, to copy
    say(f"[bold green]standings is up[/] · gateway {escape(urls['gateway'])} · Redis {escape(redact(settings.redis_url))}")
    say(f"  API docs:  {urls['docs']}", markup=False)
    for cid in known[:5] or [None]:
        urls = gateway_urls(settings, cid)
        say(f"  standings: {urls['page']}", markup=False)
        overlays = overlay_urls(settings, cid, rules[cid]) if cid else [("Drivers", f"{urls['overlay']}&table=drivers")]
        width = max(len(label) for label, _ in overlays)
        say("  overlays (OBS browser source):", markup=False)
        for label, url in overlays:
            say(f"    {label:<{width}}  {url}", markup=False)
    say(f"  overlay builder: {urls['builder']}", markup=False)
    say(f"  overlay options: &layout=tower|lower-third|ticker|title-fight · {OVERLAY_OPTIONS}", markup=False, style="dim")
    say("  Ctrl-C to stop", style="dim")


def serve(settings: Settings, *, projector: bool, gateway: bool, notifier: bool | None = None, on_ready=None,
          extras=None, before=None) -> None:
    """Run services with the configured Redis, or an embedded server for their lifetime.

    `before(live_settings)`: a coroutine run first, before any service starts (the demo's reset).
    A configured Redis that does not answer is one line and exit 1 before anything starts.
    """
    if settings.redis_url:
        reachable(settings.redis_url)
    sock = listen(settings) if gateway else None
    try:
        with _embedded(settings) as (url, server), advertise(settings, url):
            live = settings.model_copy(update={"redis_url": url})
            services = supervise(live, projector=projector, gateway=sock,
                                 notifier=projector and gateway if notifier is None else notifier,
                                 ready=(lambda: on_ready(live)) if on_ready else None,
                                 extras=lambda: extras(live) if extras else [],
                                 guards=lambda: [("embedded server", keep_running(server))] if server else [])
            try:
                asyncio.run(in_turn(before(live) if before else None, services))
            except redis.AuthenticationError as exc:
                fail(f"Redis at {redact(url)} refused the credentials: {exc}")
            except (redis.ConnectionError, redis.TimeoutError) as exc:  # lost while starting
                if server is not None:  # ours: say which, and where its log is
                    fail(f"the embedded server at {url} stopped answering: {exc} (its log: {server.log_path})")
                fail(f"cannot reach Redis at {redact(url)}: {exc}")
            finally:
                services.close()  # not started when `before` failed: no "never awaited" warning
    except KeyboardInterrupt:  # before the services installed their handlers
        raise typer.Exit(130) from None
    finally:
        if sock is not None:
            with suppress(OSError):
                sock.close()


@contextmanager
def _embedded(settings: Settings) -> Iterator[tuple[str, RedisProcess | None]]:
    """The configured URL, or an embedded server's (and the server); failing to start it is a one-line error."""
    if settings.redis_url:
        yield settings.redis_url, None
        return
    started = False
    try:
        with embedded_server(settings.data_dir) as server:
            started = True
            yield server.url, server
    except RuntimeError as exc:
        if started:
            raise
        fail(f"embedded server: {exc} (is `standings up` already running? set STANDINGS_DATA_DIR or REDIS_URL)")


def gateway_settings(url: str | None, host: str | None, port: int | None, *, quiet: bool = False) -> Settings:
    overrides = {k: v for k, v in (("gateway_host", host), ("gateway_port", port)) if v is not None}
    return load_settings(url, quiet=quiet, **overrides)


def up(url: RedisUrl = None, host: Host = None, port: Port = None) -> None:
    """The whole system in one process: projector, gateway (and notifier), embedded Redis if no URL."""
    serve(gateway_settings(url, host, port), projector=True, gateway=True, on_ready=banner)


def projector(url: RedisUrl = None) -> None:
    """Run the projector alone (for compose / Kubernetes)."""
    serve(load_settings(url, quiet=False), projector=True, gateway=False)


def notifier(url: RedisUrl = None) -> None:
    """Run the notifier alone: webhooks for bots (for compose / Kubernetes)."""
    if importlib.util.find_spec("services.notifier") is None:
        fail("this installation has no notifier service (services/notifier)")
    serve(load_settings(url, quiet=False), projector=False, gateway=False, notifier=True)


def gateway(url: RedisUrl = None, host: Host = None, port: Port = None) -> None:
    """Run the gateway alone (for compose / Kubernetes)."""
    settings = gateway_settings(url, host, port)
    serve(settings, projector=False, gateway=True,
          on_ready=lambda s: console.print(f"gateway on {gateway_urls(s)['gateway']}", markup=False, highlight=False))
