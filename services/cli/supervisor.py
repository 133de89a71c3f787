"""Running services as asyncio tasks in one process, with one owner of SIGINT/SIGTERM.

:func:`supervise` installs the signal handlers (uvicorn's own signal capture is switched off and
FastStream's app runner is not used): the first signal stops every service in order and the
coroutine returns. A service that fails ends the others too and the command exits 1 with one line
naming it. Used by `standings up`, `projector`, `gateway` and `demo` (services/cli/system.py).
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import socket
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, contextmanager
from typing import Any

import structlog
import uvicorn
from pydantic import ValidationError

from schemas.loading import describe
from services.cli.common import fail
from services.runtime.settings import Settings

log = structlog.get_logger("standings.cli")
Extra = tuple[str, Coroutine[Any, Any, Any]]


class _Gateway(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:  # the supervisor handles the signals
        yield


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
                    ready: Callable[[], None] | None = None) -> None:
    """Run the chosen services on `settings.redis_url` until a signal, a failure or every extra is done."""
    from services.gateway.app import create_app
    from services.projector.app import projector_running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks: dict[str, asyncio.Task] = {}
    server = None
    async with AsyncExitStack() as stack:
        if projector:
            await stack.enter_async_context(projector_running(settings.redis_url, settings))
        if gateway is not None:
            config = uvicorn.Config(create_app(settings.redis_url), log_config=None, access_log=False, lifespan="on")
            server = _Gateway(config)
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
            server.should_exit = True
        for name, task in {**extra, **tasks}.items():
            if name != "gateway":
                task.cancel()
        results = await asyncio.gather(*tasks.values(), *extra.values(), return_exceptions=True)
        stopper.cancel()
    for name, result in zip([*tasks, *extra], results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            fail(f"{name} failed: {result}")
    if ended in tasks:
        fail(f"{ended} stopped unexpectedly")


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


async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn exits on a failed startup; keep it inside the task
        raise RuntimeError(f"the gateway did not start (exit {exc.code})") from None


async def in_turn(*coros: Coroutine[Any, Any, Any] | None) -> None:
    for coro in coros:
        if coro is not None:
            await coro
