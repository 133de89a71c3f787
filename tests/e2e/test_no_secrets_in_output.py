"""No secret is ever printed: the services run as processes with Redis passwords, webhook tokens, an
ingest token and a signing secret in their environment and files, traffic flows through every
path that logs (registration, HTTP ingest, projection, webhooks answering 204 and 500, retries,
dead letters, one-shot commands, probes), and every byte they wrote (stdout, stderr, log files)
is searched for each secret, percent-encoded forms included: none may appear.

Two runs on one Redis server that loaded the ACL file of `standings acl`:

1. `standings up` (the banner) with the password inside ``REDIS_URL`` (the operator user);
2. `standings projector`, `gateway` and `notifier` as separate processes, each as its own ACL
   user, its password given three ways (a file, ``STANDINGS_REDIS_PASSWORD``, inside the URL), at
   DEBUG level (every library's chatter included).

The webhook receiver sits on loopback: a Discord-like path ``/api/webhooks/<id>/<token>`` that
answers 204 and a Slack-like path ``/services/T../B../<token>`` that answers 500.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import redis
import yaml

from services.runtime import acl as acls
from services.runtime import keys
from services.runtime.server import LOOPBACK, RedisProcess, free_port, server_binary
from tests.builders import car, envelope, small_rules

ROOT = Path(__file__).resolve().parents[2]
CID = "secret-cup"
PASSWORDS = {name: f"S3cretPw-4711-{name}" for name in acls.USERS}
DISCORD_TOKEN = "DiscordT0ken-AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789"
SLACK_TOKEN = "SlackT0kenXyZ0123456789abcd"
INGEST_TOKEN = "ingest-T0ken-0123456789abcdef"
SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwQmZ0ZXN0"
SECRETS = [*PASSWORDS.values(), DISCORD_TOKEN, SLACK_TOKEN, INGEST_TOKEN, SIGNING_SECRET, SIGNING_SECRET.removeprefix("whsec_")]


class Receiver:
    """Webhooks on loopback: the Discord-like path answers 204, the Slack-like one 500 (retries, dead letters)."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append(self.path)
                self.send_response(500 if "/services/" in self.path else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.server.server_port}"

    def urls(self) -> str:
        return f"{self.base()}/api/webhooks/123456789012345678/{DISCORD_TOKEN},{self.base()}/services/T0AAA/B0BBB/{SLACK_TOKEN}"

    def delivered(self) -> int:
        return sum(1 for p in self.posts if "/api/webhooks/" in p)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A Redis server with the ACL file of `standings acl`, every user with its password."""
    env = {**os.environ, **{f"STANDINGS_ACL_{u.upper()}_PASSWORD": pw for u, pw in PASSWORDS.items()}}
    version = subprocess.run([server_binary(prefer_path=True), "--version"], capture_output=True, text=True).stdout
    server_version = version.split("v=", 1)[1].split()[0] if "v=" in version else "7.0"
    aclfile = tmp_path / "users.acl"
    made = subprocess.run([sys.executable, "-m", "services.cli", "acl", "--output", str(aclfile), "--server-version",
                           server_version], env=env, cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "acl.stdout").write_text(made.stdout)
    (tmp_path / "out" / "acl.stderr").write_text(made.stderr)
    process = RedisProcess(server_binary(prefer_path=True), tmp_path / "redis",
                           ("--save", "", "--appendonly", "no", "--aclfile", str(aclfile)))
    process.start()
    yield process
    process.stop()


class Processes:
    """`python -m services.cli ...` processes, each with its stdout and stderr in files of `out/`."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.running = folder, []

    def env(self, **values: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "STANDINGS_"))}
        return {**base, "STANDINGS_LOG_FORMAT": "json", "STANDINGS_DATA_DIR": str(self.folder / "data"), **values}

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen:
        with (self.folder / f"{name}.stdout").open("wb") as out, (self.folder / f"{name}.stderr").open("wb") as err:
            process = subprocess.Popen([sys.executable, "-m", "services.cli", *args], cwd=ROOT, env=self.env(**env),
                                       stdout=out, stderr=err)
        self.running.append(process)
        return process

    def run(self, name: str, *args: str, module: str = "services.cli", **env: str) -> subprocess.CompletedProcess:
        with (self.folder / f"{name}.stdout").open("wb") as out, (self.folder / f"{name}.stderr").open("wb") as err:
            done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=self.env(**env), stdout=out,
                                  stderr=err, timeout=60)
        assert done.returncode == 0, (name, (self.folder / f"{name}.stderr").read_text()[-3000:])
        return done

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def outputs(self) -> dict[str, str]:
        return {p.name: p.read_text(errors="replace") for p in sorted(self.folder.rglob("*")) if p.is_file()}


def until(check: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def race(n: int, order: list[str]) -> dict:
    entries = [car(str(10 + i), d, pos) for i, (pos, d) in enumerate(enumerate(order, start=1))]
    return envelope("race.classified", {"race_id": f"r{n}", "round": n, "revision": 1, "entries": entries}, CID, f"race-{n}")


def ingest(base: str, event: dict) -> None:
    answer = httpx.post(f"{base}/championships/{CID}/events", json=event, timeout=10,
                        headers={"Authorization": f"Bearer {INGEST_TOKEN}"})
    assert answer.status_code == 202, answer.text


def accepted(url: str, event_id: str) -> bool:
    with redis.Redis.from_url(url, username="operator", password=PASSWORDS["operator"]) as client:
        return client.hget(keys.accepted_key(CID), event_id) is not None


def leaks(outputs: dict[str, str]) -> list[str]:
    """'<file>: <secret>' for every secret (or its percent-encoded form) found in any output."""
    found = []
    for name, text in outputs.items():
        for secret in SECRETS:
            if secret in text or quote(secret, safe="") in text:
                found.append(f"{name}: {secret}")
    return found


def test_no_output_of_any_service_or_command_holds_a_secret(server: RedisProcess, receiver: Receiver, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(small_rules(name="Secret Cup")))
    (tmp_path / "projector-password").write_text(PASSWORDS["projector"] + "\n")
    (tmp_path / "ingest-tokens").write_text(f"timing={INGEST_TOKEN}\n")
    host = f"{LOOPBACK}:{server.port}/0"
    operator_url = f"redis://operator:{PASSWORDS['operator']}@{host}"
    webhooks = {"STANDINGS_WEBHOOK_URLS": receiver.urls(), "STANDINGS_WEBHOOK_SECRET": SIGNING_SECRET,
                "STANDINGS_WEBHOOK_MAX_ATTEMPTS": "2", "STANDINGS_WEBHOOK_BACKOFF_S": "0.05",
                "STANDINGS_WEBHOOK_INTERVAL_S": "0", "STANDINGS_DISCOVERY_INTERVAL_S": "0.2"}
    processes = Processes(out)
    try:
        # 1. everything in one process, the password inside REDIS_URL: the banner, every service's lines
        port = free_port()
        processes.start("up", "up", REDIS_URL=operator_url, STANDINGS_GATEWAY_PORT=str(port),
                        STANDINGS_INGEST_TOKENS=f"timing={INGEST_TOKEN}", **webhooks)
        base = f"http://{LOOPBACK}:{port}"
        until(lambda: ready(base) or processes.running[-1].poll() is not None, "standings up to serve")
        assert processes.running[-1].poll() is None, (out / "up.stderr").read_text()[-3000:]
        processes.run("register", "register", str(rules), "-c", CID, REDIS_URL=operator_url)
        until(lambda: _registered(operator_url), "the registration projected")
        time.sleep(0.5)  # the notifier discovers the championship (every 0.2 s) before its first change
        ingest(base, race(1, ["ann-lee", "bob-ray"]))
        until(lambda: receiver.delivered() >= 1, "the first announcement delivered")
        until(lambda: any("/services/" in p for p in receiver.posts), "the failing webhook tried")
        processes.run("table", "table", CID, "--redis-url", operator_url)
        processes.run("notifier-dead-letters", "notifier", "dead-letters", "list", REDIS_URL=operator_url)
        processes.run("healthcheck", "--group", "projector", module="services.runtime.healthcheck", REDIS_URL=operator_url)
        processes.stop()

        # 2. one process per service, each as its own ACL user, at DEBUG
        debug = {"STANDINGS_LOG_LEVEL": "DEBUG"}
        processes.running.clear()
        processes.start("projector", "projector", REDIS_URL=f"redis://{host}", STANDINGS_REDIS_USERNAME="projector",
                        STANDINGS_REDIS_PASSWORD_FILE=str(tmp_path / "projector-password"), **debug)
        port = free_port()
        processes.start("gateway", "gateway", REDIS_URL=f"redis://gateway@{host}", STANDINGS_REDIS_PASSWORD=PASSWORDS["gateway"],
                        STANDINGS_GATEWAY_PORT=str(port), STANDINGS_INGEST_TOKENS_FILE=str(tmp_path / "ingest-tokens"),
                        **debug)
        processes.start("notifier", "notifier", REDIS_URL=f"redis://notifier:{PASSWORDS['notifier']}@{host}", **webhooks, **debug)
        base = f"http://{LOOPBACK}:{port}"
        until(lambda: ready(base), "the gateway to serve")
        delivered = receiver.delivered()
        time.sleep(1)  # the notifier has subscribed to the championship
        ingest(base, race(2, ["bob-ray", "ann-lee"]))
        ingest(base, race(3, ["bob-ray", "ann-lee"]))  # Bob leads: one more announcement
        until(lambda: receiver.delivered() > delivered, "an announcement from the separate notifier")
        processes.run("healthcheck-projector", "--group", "projector", module="services.runtime.healthcheck",
                      REDIS_URL=f"redis://{host}", STANDINGS_REDIS_USERNAME="projector",
                      STANDINGS_REDIS_PASSWORD_FILE=str(tmp_path / "projector-password"))
    finally:
        processes.stop()

    outputs = processes.outputs()
    assert len(outputs) >= 16 and sum(len(t) for t in outputs.values()) > 10_000  # there was a lot to search
    assert leaks(outputs) == []
    assert f"Redis redis://operator:***@{host}" in outputs["up.stdout"]  # the banner names the URL, redacted


def _registered(url: str) -> bool:
    with redis.Redis.from_url(url) as client:
        return bool(client.sismember(keys.CHAMPIONSHIPS_KEY, CID))


def test_the_search_would_find_a_leak(tmp_path: Path) -> None:
    """The search itself: a secret written plainly, or percent-encoded, is found."""
    assert leaks({"x.log": f"connecting to redis://:{PASSWORDS['operator']}@h"}) == [f"x.log: {PASSWORDS['operator']}"]
    assert leaks({"y.log": quote(f"{DISCORD_TOKEN}", safe="")}) == [f"y.log: {DISCORD_TOKEN}"]
    assert leaks({"z.log": json.dumps({"url": "redis://:***@h"})}) == []
