"""Serving the gateway with uvicorn (``python -m services.gateway``), and stopping it with live feeds open.

Guarantee: a first SIGINT/SIGTERM ends every SSE stream at once (a last ``retry:`` comment, then a
clean end of the response: EventSource reconnects by itself), stops accepting connections and
drains the others for at most :data:`GRACEFUL_SHUTDOWN_SECONDS` before cancelling them; the
process then exits 0. A second signal forces the exit: no more waiting for connections.

Why not uvicorn's own signal handling: sse-starlette ends its streams when it sees uvicorn exiting
(its ``AppStatus`` patch of ``Server.handle_exit``, or a poll of the SIGTERM handler's server) by
cancelling them, which cuts each response mid-body; and uvicorn re-raises the captured signal
after its shutdown, so the process would die by SIGTERM instead of exiting 0. Here the handlers are
the event loop's (``loop.add_signal_handler``), which sse-starlette cannot see, and the streams end
through :meth:`Hub.close <services.gateway.hub.Hub.close>`.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn
from fastapi import FastAPI

from services.gateway.app import create_app
from services.runtime.embedded import redis_url_for
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings

GRACEFUL_SHUTDOWN_SECONDS = 5.0  # connections still open then (not SSE: those end at once) are cancelled
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def gateway_config(app: FastAPI, **options: object) -> uvicorn.Config:
    """The uvicorn configuration of every gateway: structlog logging (``log_config=None``), bounded drain."""
    return uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                          timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, **options)


class GatewayServer(uvicorn.Server):
    """uvicorn with the stop described in the module docstring.

    ``signals=False``: install no handler; the owner of the signals calls :meth:`handle_exit`
    (`standings` commands: :mod:`services.cli.supervisor`).
    """

    def __init__(self, config: uvicorn.Config, *, signals: bool = True) -> None:
        super().__init__(config)
        self.signals = signals

    def begin_shutdown(self) -> None:
        """End the live feeds and make :meth:`serve` drain and return; idempotent, safe in a signal handler."""
        hub = getattr(self.config.app.state, "hub", None)  # set by the app's lifespan once it started
        if hub is not None:
            hub.close()
        self.should_exit = True

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # The signal is deliberately not appended to `_captured_signals`: uvicorn would re-raise it.
        if self.should_exit:
            self.force_exit = True  # a second signal: stop waiting for connections and the lifespan
        self.begin_shutdown()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if not self.signals or threading.current_thread() is not threading.main_thread():
            yield  # signals reach only the main thread; whoever runs us there handles them
            return
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)


async def run_gateway(settings: Settings) -> None:
    """Serve until signalled (see the module docstring); starts the embedded Redis when no URL is configured."""
    with redis_url_for(settings) as url:
        config = gateway_config(create_app(url), host=settings.gateway_host, port=settings.gateway_port)
        await GatewayServer(config).serve()


def main() -> None:
    """Entry point of ``python -m services.gateway``: settings from the environment."""
    settings = Settings()
    configure_logging(settings)
    asyncio.run(run_gateway(settings))
