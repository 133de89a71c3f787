"""What the notifier's integration tests share: a real HTTP receiver, the championship, waits on conditions.

`Receiver` is `http.server` in a thread on a free loopback port, scripted per path, recording every
request (path, JSON body, raw bytes, headers, status, monotonic arrival time): no mocks anywhere.
Per path: `script[path]` answers in turn (a status, or a `Reply` with headers and a JSON body), then
`always[path]` (200); `delay[path]` seconds before answering; `hold(path)` makes requests to the
path wait (unanswered) until `release(path)` or teardown: a hung webhook.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.notifier import NotifierSettings
from services.notifier.webhooks import webhook_key
from services.projector import projector_running
from services.runtime import keys
from services.runtime.settings import Settings
from tests.builders import car, small_rules

CID = "pccna-2024"
CHAMP = "Porsche Carrera Cup North America"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    json: object = None


class Receiver:
    """Scripted webhook receiver (see the module doc)."""

    def __init__(self) -> None:
        self.script: dict[str, list[int | Reply]] = {}
        self.always: dict[str, int] = {}
        self.delay: dict[str, float] = {}
        self.gates: dict[str, threading.Event] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                arrived = time.monotonic()
                gate = receiver.gates.get(self.path)
                if gate is not None:
                    gate.wait()
                time.sleep(receiver.delay.get(self.path, 0))
                with receiver.lock:
                    queued = receiver.script.get(self.path)
                    reply = queued.pop(0) if queued else receiver.always.get(self.path, 200)
                    reply = reply if isinstance(reply, Reply) else Reply(reply)
                    receiver.requests.append({"path": self.path, "body": json.loads(raw), "raw": raw, "status": reply.status,
                                              "headers": dict(self.headers.items()), "at": arrived,
                                              "id": self.headers.get("X-Standings-Announcement-Id")})
                content = b"" if reply.json is None else json.dumps(reply.json).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if content:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def hold(self, path: str) -> None:
        self.gates[path] = threading.Event()

    def release(self, path: str) -> None:
        self.gates.pop(path).set()

    def posts(self, path: str = "/ok", status: int | None = 200) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path and (status is None or r["status"] == status)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    for gate in list(r.gates.values()):
        gate.set()
    r.server.shutdown()
    r.server.server_close()


def notifier_settings(url: str, webhooks: list[str], **overrides) -> NotifierSettings:
    """Fast retries, quick discovery, no spacing, and the whole history (tests project before they start)."""
    values = {"redis_url": url, "consumer_name": "test-notifier", "webhook_urls": webhooks, "webhook_backoff_s": 0.01,
              "webhook_max_attempts": 3, "discovery_interval_s": 0.05, "claim_idle_ms": 2000, "webhook_interval_s": 0,
              "notifier_start": "beginning"}
    return NotifierSettings(**{**values, **overrides})


def event(type_: str, event_id: str, payload: dict, minute: int = 0, cid: str = CID) -> dict:
    return {"event_id": event_id, "type": type_, "championship_id": cid,
            "occurred_at": f"2024-03-01T12:{minute:02d}:00Z", "payload": payload}


def registration(cid: str = CID) -> dict:
    return event("championship.registered", "reg", {"revision": 1, "rules": small_rules(name=CHAMP)}, cid=cid)


RACES = {  # points 10-6-4-3-2-1: Parker leads after r1, Loek after r2, Parker again after r3
    1: ["parker-thompson", "loek-hartog", "riley-dickinson"],
    2: ["loek-hartog", "riley-dickinson", "parker-thompson"],
    3: ["parker-thompson", "riley-dickinson", "loek-hartog"],
}
LEADERS = {1: "Parker Thompson", 2: "Loek Hartog", 3: "Parker Thompson"}


def race(n: int, order: list[str] | None = None, names: dict[str, str] | None = None, cid: str = CID) -> dict:
    names = names or {}
    entries = [car(str(10 + i), d, pos, **({"driver_name": names[d]} if d in names else {}))
               for i, (pos, d) in enumerate(enumerate(order or RACES[n], start=1))]
    return event("race.classified", f"race-{n}", {"race_id": f"r{n}", "round": n, "revision": 1, "entries": entries}, n,
                 cid=cid)


def lead_text(n: int) -> str:
    return f"{LEADERS[n]} takes the Pro lead ({CHAMP})"


async def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("condition not met")


async def group_done(client, stream: str, group: str) -> bool:
    """Every entry of `stream` was delivered to `group` and acknowledged."""
    groups = {g["name"].decode(): g for g in await client.xinfo_groups(stream)} if await client.exists(stream) else {}
    g = groups.get(group)
    return g is not None and g["pending"] == 0 and g["lag"] == 0


def groups_of(settings: NotifierSettings) -> list[str]:
    """The log group and one group per webhook."""
    return [settings.notifier_group, *(f"{settings.notifier_group}:{webhook_key(u)}" for u in settings.webhook_urls)]


async def project(client, url: str, events: list[dict]) -> None:
    """Run the real projector on `events`, one at a time (one standings.changed each)."""
    settings = Settings(redis_url=url, consumer_name="test-projector", claim_idle_ms=100)
    async with projector_running(url, settings):
        for e in events:
            await client.xadd(settings.events_stream, {"data": json.dumps(e)})
            await wait_for(lambda: group_done(client, settings.events_stream, settings.projector_group))


async def notified(client, settings: NotifierSettings, cid: str = CID) -> bool:
    """Every group of the notifier (log and webhooks) has every change of `cid` done."""
    stream = keys.changes_stream(cid)
    return all([await group_done(client, stream, g) for g in groups_of(settings)])
