"""Running services as asyncio tasks in one process, with one owner of SIGINT/SIGTERM.

:func:`supervise` installs the signal handlers (uvicorn's own signal capture is switched off and
FastStream's app runner is not used): the first signal stops every service in order and the
coroutine returns, the gateway's live feeds ended at once and its other connections drained for at
most a few seconds (:mod:`services.gateway.server`), so the command exits 0 well within 10 s. A
second signal exits at once (status 128 + signal) without waiting for anything: every piece is
crash-safe (the projector's batches are redelivered, the embedded server, which dies with its
parent, shuts down on SIGTERM with its AOF flushed). A service or guard that fails ends the others
too and the command exits 1 with one line naming it. Used by `standings up`, `projector`,
`gateway`, `notifier` and `demo` (services/cli/system.py).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import ValidationError

from schemas.loading import describe
from services.cli.common import errors, fail
from services.runtime.settings import Settings

if TYPE_CHECKING:  # imported when used: commands that serve no HTTP do not load FastAPI
    from services.gateway.server import GatewayServer

log = structlog.get_logger("standings.cli")
Extra = tuple[str, Coroutine[Any, Any, Any]]


def _notifier(settings: Settings) -> AbstractAsyncContextManager | None:
    """The notifier running in-process (`services.notifier.notifier_running`), if this checkout has it."""
    try:
        module = importlib.import_module("services.notifier")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("services.notifier"):
            return None
        raise
    running = getattr(module, "notifier_running", None)
    if running is None:
        return None
    try:
        own = module.NotifierSettings(**settings.model_dump())  # adds STANDINGS_WEBHOOK_* from the env
    except ValidationError as exc:
        fail("notifier settings: " + "; ".join(describe(exc)), 2)
    return running(settings.redis_url, own)


def listen(settings: Settings) -> socket.socket:
    """Bind the gateway's socket now, so a busy port is a one-line error before anything starts."""
    sock = socket.socket(socket.AF_INET6 if ":" in settings.gateway_host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.gateway_host, settings.gateway_port))
    except OSError as exc:
        sock.close()
        fail(f"gateway: cannot listen on {settings.gateway_host}:{settings.gateway_port}: {exc.strerror}")
    return sock


async def supervise(settings: Settings, *, projector: bool = True, gateway: socket.socket | None = None,
                    notifier: bool = True, extras: Callable[[], list[Extra]] = list,
                    guards: Callable[[], list[Extra]] = list, ready: Callable[[], None] | None = None) -> None:
    """Run the chosen services on `settings.redis_url` until a signal, a failure or every extra is done.

    `guards` run for as long as the services, like them (their end is a failure), from the start.
    """
    from services.gateway.app import create_app
    from services.gateway.server import GatewayServer, gateway_config
    from services.projector.app import projector_running

    stop = asyncio.Event()
    server: GatewayServer | None = None

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            errors.print(f"[bold red]error:[/] {sig.name} again: exiting now, without waiting for the services")
            sys.stderr.flush()
            os._exit(128 + sig)  # the second signal: nothing may keep us waiting now
        stop.set()
        if server is not None:  # the live feeds end now, not after the other services stopped
            server.begin_shutdown()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    tasks: dict[str, asyncio.Task] = {}
    extra: dict[str, asyncio.Task] = {}
    ended: str | None = None
    closing: Exception | None = None  # an error closing the services must not hide why they ended
    try:
        async with AsyncExitStack() as stack:
            tasks = {name: asyncio.create_task(coro, name=name) for name, coro in guards()}
            stack.callback(lambda: [task.cancel() for task in tasks.values()])  # a failed start leaves none behind
            if projector:
                await stack.enter_async_context(projector_running(settings.redis_url, settings))
            if gateway is not None:
                server = GatewayServer(gateway_config(create_app(settings.redis_url)), signals=False)
                tasks["gateway"] = asyncio.create_task(_serve(server, gateway), name="gateway")
                while not server.started and not tasks["gateway"].done():
                    await asyncio.sleep(0.05)
            if notifier and (running := _notifier(settings)) is not None:
                await stack.enter_async_context(running)
            if ready is not None and not any(t.done() for t in tasks.values()):
                ready()
            extra = {name: asyncio.create_task(coro, name=name) for name, coro in extras()}
            stopper = asyncio.create_task(stop.wait())
            ended = await _until_the_end(stopper, tasks, extra)
            log.info("stopping services", reason=ended or "signal")
            if server is not None:
                server.begin_shutdown()
            for name, task in {**extra, **tasks}.items():
                if name != "gateway":
                    task.cancel()
            await asyncio.gather(*tasks.values(), *extra.values(), return_exceptions=True)
            stopper.cancel()
    except Exception as exc:  # re-raised below, once a service's own failure (the cause) is reported
        closing = exc
    for name, task in {**tasks, **extra}.items():
        if task.done() and not task.cancelled() and task.exception() is not None:
            fail(f"{name} failed: {task.exception()}")
    if ended in tasks:
        fail(f"{ended} stopped unexpectedly")
    if closing is not None:
        raise closing


async def _until_the_end(stopper: asyncio.Task, tasks: dict[str, asyncio.Task], extra: dict[str, asyncio.Task]) -> str | None:
    """Wait for a signal (None), a service ending or an extra failing (its name), or every extra done ("done")."""
    watched = {stopper, *tasks.values(), *extra.values()}
    while not stopper.done():
        done, watched = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stopper}:
            if task.get_name() in tasks or task.cancelled() or task.exception():
                return task.get_name()
        if extra and all(t.done() for t in extra.values()):
            return "done"
    return None


async def _serve(server: GatewayServer, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn exits on a failed startup; keep it inside the task
        raise RuntimeError(f"the gateway did not start (exit {exc.code})") from None


async def in_turn(*coros: Coroutine[Any, Any, Any] | None) -> None:
    for coro in coros:
        if coro is not None:
            await coro
