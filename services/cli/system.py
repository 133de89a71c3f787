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

import redis
import typer

from services.cli.common import RedisUrl, advertise, console, fail, load_settings
from services.cli.supervisor import in_turn, listen, supervise
from services.runtime import keys
from services.runtime.embedded import embedded_server, keep_running
from services.runtime.redaction import redact
from services.runtime.server import RedisProcess
from services.runtime.settings import Settings

Host = Annotated[str | None, typer.Option("--host", help="Gateway address (default STANDINGS_GATEWAY_HOST).", show_default=False)]
Port = Annotated[int | None, typer.Option("--port", help="Gateway port (default STANDINGS_GATEWAY_PORT).", show_default=False)]


def gateway_urls(settings: Settings, championship: str | None = None) -> dict[str, str]:
    host = "127.0.0.1" if settings.gateway_host in ("0.0.0.0", "::") else settings.gateway_host
    base = f"http://{host}:{settings.gateway_port}"
    cid = championship or "<championship>"
    return {"gateway": base, "docs": f"{base}/docs", "page": f"{base}/championships/{cid}/page",
            "overlay": f"{base}/overlay?championship={cid}&class_id=pro"}


def banner(settings: Settings) -> None:
    """Where the gateway listens: API docs, and the page and overlay of each registered championship."""
    with redis.Redis.from_url(settings.redis_url, socket_timeout=2) as client:
        known = sorted(c.decode() for c in client.smembers(keys.CHAMPIONSHIPS_KEY))
    urls = gateway_urls(settings)
    say = partial(console.print, soft_wrap=True, highlight=False)  # URLs stay whole, to copy
    say(f"[bold green]standings is up[/] · gateway {urls['gateway']} · Redis {redact(settings.redis_url)}")
    say(f"  API docs:  {urls['docs']}")
    for cid in known[:5] or [None]:
        urls = gateway_urls(settings, cid)
        say(f"  standings: {urls['page']}")
        say(f"  overlay:   {urls['overlay']}  (OBS browser source)")
    say("  Ctrl-C to stop", style="dim")


def serve(settings: Settings, *, projector: bool, gateway: bool, notifier: bool | None = None, on_ready=None,
          extras=None, before=None) -> None:
    """Run services with the configured Redis, or an embedded server for their lifetime.

    `before(live_settings)`: a coroutine run first, before any service starts (the demo's reset).
    """
    sock = listen(settings) if gateway else None
    try:
        with _embedded(settings) as (url, server), advertise(settings, url):
            live = settings.model_copy(update={"redis_url": url})
            services = supervise(live, projector=projector, gateway=sock,
                                 notifier=projector and gateway if notifier is None else notifier,
                                 ready=(lambda: on_ready(live)) if on_ready else None,
                                 extras=lambda: extras(live) if extras else [],
                                 guards=lambda: [("embedded server", keep_running(server))] if server else [])
            asyncio.run(in_turn(before(live) if before else None, services))
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
    serve(settings, projector=False, gateway=True, on_ready=lambda s: console.print(f"gateway on {gateway_urls(s)['gateway']}"))
