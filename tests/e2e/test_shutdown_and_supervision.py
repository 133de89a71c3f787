"""Issue 9 faults: stopping with live SSE clients, and `standings up` keeping its embedded server.

Everything is real: `standings gateway` / `standings up` run as processes (on the session's test
Redis or on a temporary embedded data folder), the SSE clients are bare HTTP/1.1 readers on
asyncio sockets in this process. Every wait is a condition polled against a deadline; every
process started here is killed in a ``finally`` if it is still running.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from services.runtime import keys
from services.runtime.redis import connect, entry
from services.runtime.server import free_port
from tests.builders import car, classified, registered, rules_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from projection import commit  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

CID = "pccna-2024"
STOP_WITHIN = 10.0  # seconds: the bound for a stop and for serving again after a crash


async def until(check: Callable[[], Awaitable[object]], timeout: float, what: str, every: float = 0.05) -> object:
    """Poll the async ``check`` until it returns something truthy; AssertionError naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := await check():
            return value
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Service:
    """A `standings` command run as a process, its output in files (50+ clients make logs long)."""

    process: subprocess.Popen
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the service exited early ({self.process.returncode}): {self.output()[-3000:]}")
        try:
            async with httpx.AsyncClient(timeout=1) as client:
                return (await client.get(f"{self.base}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def exit_code(self, timeout: float) -> int:
        """The exit status, awaited (polled) for at most ``timeout`` seconds."""
        await until(lambda: _done(self.process), timeout, "the process to exit")
        return self.process.returncode


def uncaught(output: str) -> bool:
    """Whether a traceback reached stderr as such (the JSON log lines of library errors may quote one)."""
    return any(line.startswith("Traceback") for line in output.splitlines())


async def _done(process: subprocess.Popen) -> bool:
    return process.poll() is not None


@asynccontextmanager
async def service(tmp_path: Path, *args: str, module: str = "services.cli", **env: str) -> AsyncIterator[Service]:
    """`python -m <module> <args>` with a free gateway port, ready (/readyz 200); killed at the end if still alive."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "STANDINGS_REDIS_URL")}
    environ.update(STANDINGS_LOG_FORMAT="json", STANDINGS_GATEWAY_PORT=str(port), **env)
    log = tmp_path / f"{module}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=environ,
                                   stdout=out, stderr=subprocess.STDOUT)
    running = Service(process, f"http://127.0.0.1:{port}", log)
    try:
        await until(running.ready, 60, "/readyz to answer 200", every=0.2)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


@dataclass
class Reader:
    """What one SSE client saw: the status, a snapshot, the end of the stream and how it ended."""

    status: int = 0
    snapshot: bool = False
    ended: bool = False
    clean: bool = False  # the last chunk of a chunked body arrived: the server ended the response
    error: str = ""


async def sse_client(port: int, seen: Reader, path: str = f"/championships/{CID}/live") -> None:
    """A bare HTTP/1.1 SSE reader: fills ``seen`` until the server closes the connection."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as exc:
        seen.error = repr(exc)
        return
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        seen.status = int(head.split(b" ", 2)[1])
        buffer = b""
        while chunk := await reader.read(65536):
            buffer = (buffer + chunk)[-200_000:]
            if not seen.snapshot and b"event: snapshot" in buffer:
                seen.snapshot, buffer = True, buffer[-16:]
        seen.ended, seen.clean = True, buffer.endswith(b"0\r\n\r\n")
    except (OSError, asyncio.IncompleteReadError) as exc:
        seen.ended, seen.error = True, repr(exc)
    finally:
        writer.close()


@asynccontextmanager
async def sse_clients(port: int, count: int) -> AsyncIterator[tuple[list[Reader], list[asyncio.Task]]]:
    """``count`` concurrent SSE readers; cancelled at the end of the block if still reading."""
    readers = [Reader() for _ in range(count)]
    tasks = [asyncio.create_task(sse_client(port, seen)) for seen in readers]
    try:
        yield readers, tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def port_of(running: Service) -> int:
    return int(running.base.rsplit(":", 1)[1])


async def all_receiving(readers: list[Reader]) -> bool:
    failed = [r for r in readers if r.error or (r.status and r.status != 200)]
    assert not failed, f"{len(failed)} clients failed, e.g. {failed[0]}"
    return all(r.snapshot for r in readers)


async def stop_with_clients(running: Service, readers: list[Reader], tasks: list[asyncio.Task]) -> None:
    """SIGTERM: the process exits 0 within STOP_WITHIN s and every client's stream ends, cleanly."""
    await until(lambda: all_receiving(readers), 30, "every SSE client to receive its snapshot")
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    code = await running.exit_code(STOP_WITHIN)
    assert code == 0, running.output()[-3000:]
    await asyncio.wait_for(asyncio.gather(*tasks), STOP_WITHIN - (time.monotonic() - started) + 0.5)
    assert all(r.ended for r in readers)
    unclean = [r for r in readers if not r.clean]
    assert not unclean, f"{len(unclean)} streams were cut rather than ended, e.g. {unclean[0]}"
    assert not uncaught(running.output()), running.output()[-3000:]


async def seed(url: str) -> None:
    """A registered championship with one race, projected the way the projector commits it."""
    client = connect(url)
    try:
        await commit(client, CID, registered(rules_file("pccna-2024.yaml"), championship_id=CID))
        await commit(client, CID, classified("r01", 1, [car("1", "ann-lee", 1), car("2", "bob-ray", 2)],
                                             championship_id=CID))
    finally:
        await client.aclose()


async def publish_registration(url: str) -> None:
    """Register the championship through the events stream, for the running projector to apply."""
    client = connect(url)
    try:
        await client.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"),
                                                               championship_id=CID).model_dump_json()))
    finally:
        await client.aclose()


async def serves_standings(base: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            return (await client.get(f"{base}/championships/{CID}/standings")).status_code == 200
    except httpx.HTTPError:
        return False


# --- graceful shutdown with SSE clients connected ------------------------------------------------


async def test_gateway_stops_within_10s_with_50_sse_clients(redis_url, tmp_path):
    await seed(redis_url)
    async with service(tmp_path, "gateway", "--redis-url", redis_url) as running:
        async with sse_clients(port_of(running), 50) as (readers, tasks):
            await stop_with_clients(running, readers, tasks)


async def test_python_m_services_gateway_stops_the_same_way(redis_url, tmp_path):
    await seed(redis_url)
    async with service(tmp_path, module="services.gateway", STANDINGS_REDIS_URL=redis_url) as running:
        async with sse_clients(port_of(running), 50) as (readers, tasks):
            await stop_with_clients(running, readers, tasks)


@asynccontextmanager
async def up_serving(tmp_path: Path) -> AsyncIterator[tuple[Service, str]]:
    """`standings up` on an embedded server in `tmp_path/data`, serving a registered championship;
    yields it and its server's URL."""
    async with service(tmp_path, "up", STANDINGS_DATA_DIR=str(tmp_path / "data")) as running:
        url = (tmp_path / "data" / "embedded.url").read_text().strip()
        await publish_registration(url)
        await until(lambda: serves_standings(running.base), 30, "the projector to register the championship")
        yield running, url


async def test_up_stops_within_10s_with_50_sse_clients(tmp_path):
    async with up_serving(tmp_path) as (running, _):
        async with sse_clients(port_of(running), 50) as (readers, tasks):
            await stop_with_clients(running, readers, tasks)
    assert "embedded server stopped" in running.output()
    assert not (tmp_path / "data" / "embedded.url").exists()


async def test_a_second_signal_exits_at_once(tmp_path):
    """SIGTERM then SIGINT: the second is not ignored, `up` exits 130 at once; its server still goes away."""
    async with up_serving(tmp_path) as (running, url):
        pid = await server_pid(url)
        async with sse_clients(port_of(running), 1) as (readers, _):
            await until(lambda: all_receiving(readers), 30, "the SSE client to receive its snapshot")
            running.process.send_signal(signal.SIGTERM)
            # Sent together, both would be pending at once and the kernel delivers the lower number (SIGINT)
            # first: wait until the first one is taken, then the second lands while the services still stop.
            async def first_taken() -> bool:
                return "stopping services" in running.output()

            await until(first_taken, 10, "the first signal to be taken")
            running.process.send_signal(signal.SIGINT)
            assert await running.exit_code(2) == 130, running.output()[-3000:]
    assert "SIGINT again: exiting now" in running.output()

    async def server_gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    await until(server_gone, STOP_WITHIN, "the embedded server to die with its parent")


# --- `standings up` supervises its embedded server -----------------------------------------------


async def server_pid(url: str) -> int:
    async with aioredis.Redis.from_url(url, socket_timeout=1) as client:
        return int((await client.info("server"))["process_id"])


async def new_server(url: str, old_pid: int) -> int:
    """The pid of a server that answers on ``url`` and is not ``old_pid``, else 0."""
    with suppress(OSError, aioredis.RedisError):
        pid = await server_pid(url)
        return pid if pid != old_pid else 0
    return 0


async def test_up_restarts_a_killed_embedded_server_on_the_same_url(tmp_path):
    data = tmp_path / "data"
    async with up_serving(tmp_path) as (running, url):
        victim = await server_pid(url)

        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        await until(lambda: new_server(url, victim), STOP_WITHIN, "a new server on the same URL")
        await until(running.ready, STOP_WITHIN - (time.monotonic() - killed), "/readyz to be 200 again")
        await until(lambda: serves_standings(running.base), STOP_WITHIN - (time.monotonic() - killed),
                    "the API to serve the standings again")
        assert running.process.poll() is None
        assert (data / "embedded.url").read_text().strip() == url  # the advertised URL stays valid

        # the whole system works on the new server: the projector applies an event published now
        async with aioredis.Redis.from_url(url) as client:
            before = int(await client.get(keys.version_key(CID)) or 0)
            race = classified("r01", 1, [car("1", "ann-lee", 1)], championship_id=CID)
            await client.xadd("standings:events", entry(race.model_dump_json()))

            async def applied() -> bool:
                return int(await client.get(keys.version_key(CID)) or 0) > before

            await until(applied, 60, "the projector to apply an event published after the restart")
        running.process.send_signal(signal.SIGTERM)
        assert await running.exit_code(STOP_WITHIN) == 0, running.output()[-3000:]


async def test_up_gives_up_with_one_line_when_the_embedded_server_keeps_dying(tmp_path):
    data = tmp_path / "data"
    async with service(tmp_path, "up", STANDINGS_DATA_DIR=str(data)) as running:
        url = (data / "embedded.url").read_text().strip()
        victim = await server_pid(url)

        async def replaced_or_gone(old: int) -> int | bool:
            return running.process.poll() is not None or await new_server(url, old)

        for _ in range(10):  # more crashes than the restart budget allows
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            victim = await until(partial(replaced_or_gone, victim), STOP_WITHIN, "a restart or the end of `up`")
            if running.process.poll() is not None:
                break
        code = await running.exit_code(STOP_WITHIN - (time.monotonic() - killed))
        assert code == 1, running.output()[-3000:]
        errors = [line for line in running.output().splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "embedded server" in errors[0] and str(data) in errors[0], running.output()[-3000:]
        assert not uncaught(running.output()), running.output()[-3000:]


# --- a burst of SSE connects ---------------------------------------------------------------------


async def test_300_concurrent_sse_connects_get_no_5xx(redis_url, tmp_path):
    await seed(redis_url)
    async with service(tmp_path, "gateway", "--redis-url", redis_url) as running:
        async with sse_clients(port_of(running), 300) as (readers, tasks):
            await until(lambda: all_receiving(readers), 60, "300 SSE clients to receive their snapshot")
            assert {r.status for r in readers} == {200}
            await stop_with_clients(running, readers, tasks)
