"""Least-privilege Redis: each service under its own ACL user, against a real server that loaded the
file `standings acl` writes (``redis-server --aclfile``).

For every user: the service does its whole job (the projector projects, claims and dead-letters and
a rebuild runs with its credentials; the gateway serves, fans out and ingests; the notifier
notifies and dead-letters), the server's ACL LOG records no refused command meanwhile (so the file
grants everything the code issues, FastStream's subscribers included), and a write outside the
user's rights is refused with NOPERM. A test-only ``admin`` user, appended to the file, reads the
ACL LOG and empties the server between tests. TLS (``rediss://``) is tested when the server binary
was built with it and ``openssl`` can make a certificate; otherwise skipped, saying why.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from prometheus_client import generate_latest
from redis.asyncio import Redis as AsyncRedis
from typer.testing import CliRunner

from services.cli.main import app as cli
from services.gateway import create_app
from services.projector import projector_running
from services.projector.rebuild import rebuild
from services.runtime import acl as acls
from services.runtime import keys, metrics
from services.runtime.healthcheck import check
from services.runtime.logging import configure_logging
from services.runtime.redis import connect, entry
from services.runtime.server import LOOPBACK, RedisProcess, free_port, server_binary
from services.runtime.settings import Settings
from tests.builders import car, envelope, small_rules
from tests.integration import notifier_support

CID = "acl-cup"
EVENTS = "standings:events"
ADMIN_PASSWORD = "admin-only-in-tests-4711"
TOKENS = "timing=acl-ingest-token-0123456789"
PASSWORDS = {name: f"{name}-Pw-{i}x9!" for i, name in enumerate(acls.USERS)}


def server_version(binary: str) -> str:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    return re.search(r"v=(\d+\.\d+)", output)[1]


@dataclass
class AclServer:
    process: RedisProcess
    aclfile: Path

    @property
    def url(self) -> str:
        return self.process.url

    def settings(self, user: str, **overrides) -> Settings:
        """The settings of a service connecting as `user` (user name and password apart from the URL)."""
        return Settings(redis_url=self.url, redis_username=user, redis_password=PASSWORDS[user], **overrides)

    def client(self, user: str) -> redis.Redis:
        return redis.Redis(host=LOOPBACK, port=self.process.port, username=user, password=PASSWORDS[user])

    def admin(self) -> redis.Redis:
        return redis.Redis(host=LOOPBACK, port=self.process.port, username="admin", password=ADMIN_PASSWORD)

    def refused(self) -> list[str]:
        """What the ACL LOG recorded as refused: '<user> <command> on <object> (<reason>)'."""
        with self.admin() as admin:
            return [f"{e['username']} {e['context']}:{e['object']} ({e['reason']})" for e in admin.acl_log()]


@pytest.fixture(scope="module")
def acl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AclServer]:
    """A server with the ACL file of `standings acl` (every user) plus the test's admin user."""
    folder = tmp_path_factory.mktemp("acl")
    binary = server_binary(prefer_path=True)
    env = {f"STANDINGS_ACL_{name.upper()}_PASSWORD": pw for name, pw in PASSWORDS.items()}
    result = CliRunner().invoke(cli, ["acl", "--output", str(folder / "users.acl"), "--server-version",
                                      server_version(binary)], env=env)
    assert result.exit_code == 0, result.output
    configure_logging(Settings(log_format="json"), sys.stderr)  # the command logged to the runner's stream, now closed
    aclfile = folder / "users.acl"
    aclfile.write_text(aclfile.read_text() + f"user admin on >{ADMIN_PASSWORD} ~* &* +@all\n")
    server = RedisProcess(binary, folder / "data", ("--save", "", "--appendonly", "no", "--aclfile", str(aclfile)))
    server.start()  # it waits for PING as the default user: the file gives it that much
    yield AclServer(server, aclfile)
    server.stop()


@pytest.fixture
def acl(acl_server: AclServer) -> AclServer:
    """The server emptied, its ACL LOG too."""
    with acl_server.admin() as admin:
        admin.flushall()
        admin.execute_command("ACL", "LOG", "RESET")
    return acl_server


def refused(client: redis.Redis, *command) -> str:
    """The NOPERM error the command meets (fails the test if it runs)."""
    with pytest.raises(redis.exceptions.NoPermissionError) as error:
        client.execute_command(*command)
    return str(error.value)


def registration() -> dict:
    return envelope("championship.registered", {"revision": 1, "rules": small_rules(name="ACL Cup")}, CID, "reg")


def race(n: int, order: list[str]) -> dict:
    entries = [car(str(10 + i), d, pos) for i, (pos, d) in enumerate(enumerate(order, start=1))]
    return envelope("race.classified", {"race_id": f"r{n}", "round": n, "revision": 1, "entries": entries}, CID, f"race-{n}")


def publish(server: AclServer, *events: dict | str) -> None:
    """XADD as the producer user: what a timing system does."""
    with server.client("producer") as producer:
        for event in events:
            producer.xadd(EVENTS, entry(event if isinstance(event, str) else json.dumps(event)))


async def until(check_, timeout: float = 20.0, what: str = "the condition", server: AclServer | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check_():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}" + (f"; refused: {server.refused()}" if server else ""))


def version(server: AclServer) -> int:
    with server.admin() as admin:
        return int(admin.get(keys.version_key(CID)) or 0)


def applied(server: AclServer, *event_ids: str) -> bool:
    """Whether the projector accepted these events (one commit may hold several)."""
    with server.admin() as admin:
        return None not in admin.hmget(keys.accepted_key(CID), list(event_ids))


@asynccontextmanager
async def projector(server: AclServer, **overrides) -> AsyncIterator[Settings]:
    settings = server.settings("projector", consumer_name="acl-projector", **overrides)
    async with projector_running(settings.redis_url, settings):
        yield settings


# --- the file, the default user, passwords --------------------------------------------------------


def test_the_file_holds_hashes_and_the_default_user_may_only_ping(acl: AclServer) -> None:
    text = acl.aclfile.read_text()
    assert not any(pw in text for pw in PASSWORDS.values()) and text.count(" #") == len(acls.USERS)
    anonymous = redis.Redis(host=LOOPBACK, port=acl.process.port)
    assert anonymous.ping()
    refused(anonymous, "GET", keys.version_key(CID))
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host=LOOPBACK, port=acl.process.port, username="projector", password="wrong").ping()
    assert {e.split()[0] for e in acl.refused()} == {"default", "projector"}  # the GET, the failed AUTH


# --- projector ------------------------------------------------------------------------------------


async def test_the_projector_projects_claims_dead_letters_and_rebuilds_under_its_user(acl: AclServer) -> None:
    publish(acl, registration(), race(1, ["ann-lee", "bob-ray"]), "not an event")
    async with projector(acl, claim_idle_ms=200) as settings:
        await until(lambda: applied(acl, "reg", "race-1"), what="the registration and the race projected", server=acl)
        with acl.admin() as admin:
            await until(lambda: admin.xlen(settings.dead_letter_stream) == 1, what="the poison entry dead-lettered")
        assert check(settings, settings.projector_group) is None  # the container probe, with its credentials
        assert check(settings, settings.projector_group, max_stale=60) is None  # readiness: keeping up
        scraped = generate_latest(metrics.REGISTRY).decode()  # /metrics reads lag and dead letters as the projector
        assert 'standings_dead_letters{stream="standings:dead-letters"} 1.0' in scraped
        await asyncio.sleep(0.5)  # the claimer's XAUTOCLAIM runs a few times meanwhile
    client = connect(settings.redis_url)
    try:
        [report] = await rebuild(client, settings, CID)
    finally:
        await client.aclose()
    assert report.events == 2 and not report.changed
    assert acl.refused() == []

    with acl.client("projector") as p:
        refused(p, "XADD", EVENTS, "*", "data", "{}")  # never writes the event log
        refused(p, "SET", EVENTS, "x")
        refused(p, "SET", "standings:{acl-cup}:notifier:version", "9")
        refused(p, "XGROUP", "CREATE", keys.changes_stream(CID), "mine", "0")
        refused(p, "HSET", "elsewhere", "k", "v")
        refused(p, "FLUSHALL")
        refused(p, "CONFIG", "GET", "*")


# --- gateway --------------------------------------------------------------------------------------


async def test_the_gateway_serves_fans_out_and_ingests_under_its_user(acl: AclServer) -> None:
    publish(acl, registration(), race(1, ["ann-lee", "bob-ray"]))
    async with projector(acl) as projecting:
        await until(lambda: applied(acl, "reg", "race-1"), what="the first race projected", server=acl)
        before = version(acl)
        settings = acl.settings("gateway", ingest_tokens=TOKENS)
        assert check(settings, projecting.projector_group) is None
        gateway = create_app(settings.redis_url, settings)
        async with gateway.router.lifespan_context(gateway):
            subscription = await gateway.state.hub.subscribe(CID)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as http:
                for path in ("/readyz", "/metrics", "/championships", f"/championships/{CID}/standings",
                             f"/championships/{CID}/standings?after_round=1", f"/championships/{CID}/progression",
                             f"/championships/{CID}/drivers/ann-lee", f"/championships/{CID}/events"):
                    response = await http.get(path)
                    assert response.status_code == 200, (path, response.text)
                answer = await http.post(f"/championships/{CID}/events", json=race(2, ["bob-ray", "ann-lee"]),
                                         headers={"Authorization": "Bearer acl-ingest-token-0123456789"})
                assert answer.status_code == 202, answer.text
                change = await asyncio.wait_for(subscription.queue.get(), 20)  # XREAD of the changes stream
                assert change.version == before + 1
            gateway.state.hub.unsubscribe(subscription)
    assert acl.refused() == []

    with acl.client("gateway") as g:
        refused(g, "HSET", keys.tables_key(CID), "drivers/pro", "{}")
        refused(g, "XADD", keys.changes_stream(CID), "*", "data", "{}")
        refused(g, "XREADGROUP", "GROUP", "projector", "thief", "STREAMS", EVENTS, ">")
        refused(g, "DEL", EVENTS)
        refused(g, "SET", keys.version_key(CID), "99")


# --- notifier -------------------------------------------------------------------------------------


receiver = notifier_support.receiver  # the scripted webhook receiver fixture


def notifier_group_exists(server: AclServer, group: str) -> bool:
    with server.admin() as admin:
        stream = keys.changes_stream(CID)
        return bool(admin.exists(stream)) and any(g["name"].decode() == group for g in admin.xinfo_groups(stream))


async def test_the_notifier_notifies_and_dead_letters_under_its_user(acl: AclServer, receiver) -> None:
    from services.notifier import NotifierSettings, notifier_running

    receiver.always["/down"] = 500
    base = acl.settings("notifier")
    settings = NotifierSettings(**{**base.model_dump(), "consumer_name": "acl-notifier", "discovery_interval_s": 0.05,
                                   "webhook_urls": [receiver.url("/ok"), receiver.url("/down")],
                                   "webhook_max_attempts": 1, "webhook_backoff_s": 0.01, "claim_idle_ms": 1000})
    publish(acl, registration())
    async with projector(acl):
        await until(lambda: applied(acl, "reg"), what="the registration projected", server=acl)
        async with notifier_running(settings.redis_url, settings):
            await until(lambda: notifier_group_exists(acl, settings.notifier_group), what="the notifier's group")
            publish(acl, race(1, ["ann-lee", "bob-ray"]))
            await until(lambda: applied(acl, "race-1"), what="race 1 projected", server=acl)
            publish(acl, race(2, ["bob-ray", "ann-lee"]), race(3, ["bob-ray", "ann-lee"]))  # a tie, then Bob leads
            await until(lambda: len(receiver.posts("/ok")) >= 2, what="two leaders announced", server=acl)
            with acl.admin() as admin:
                await until(lambda: admin.xlen(settings.notifier_dead_letter_stream) >= 1,
                            what="the failing webhook's announcements dead-lettered")

                def acknowledged() -> bool:
                    [group] = [g for g in admin.xinfo_groups(keys.changes_stream(CID))
                               if g["name"].decode() == settings.notifier_group]
                    return group["pending"] == 0 and group["last-delivered-id"] == admin.xrevrange(
                        keys.changes_stream(CID), count=1)[0][0]
                await until(acknowledged, what="every change acknowledged")
    assert acl.refused() == []

    with acl.client("notifier") as n:
        refused(n, "XADD", keys.changes_stream(CID), "*", "data", "{}")
        refused(n, "SET", keys.changes_stream(CID), "overwritten")
        refused(n, "HSET", keys.tables_key(CID), "drivers/pro", "{}")
        refused(n, "XADD", EVENTS, "*", "data", "{}")
        refused(n, "XREADGROUP", "GROUP", "projector", "thief", "STREAMS", EVENTS, ">")
        refused(n, "EVAL", "return 1", 1, keys.tables_key(CID))
        # a script is no way around it: each command it runs is checked against the user's rights
        with pytest.raises(redis.exceptions.ResponseError, match="(?i)noperm|no permissions|can.t run"):
            n.eval(f"return redis.call('HSET', '{keys.tables_key(CID)}', 'k', 'v')", 1, "standings:{acl-cup}:notifier:version")


# --- producer and operator ----------------------------------------------------------------------


def test_the_producer_may_only_append_to_the_event_stream(acl: AclServer) -> None:
    line = json.dumps(registration())
    result = CliRunner().invoke(cli, ["publish", "-", "--no-check", "--redis-url", acl.url],
                                input=line + "\n", env={"STANDINGS_REDIS_USERNAME": "producer",
                                                        "STANDINGS_REDIS_PASSWORD": PASSWORDS["producer"]})
    assert result.exit_code == 0, result.output
    with acl.client("producer") as p:
        assert p.xadd(EVENTS, entry(line))
        assert acl.refused() == []
        refused(p, "XRANGE", EVENTS, "-", "+")
        refused(p, "XADD", keys.changes_stream(CID), "*", "data", "{}")
        refused(p, "GET", keys.version_key(CID))
        refused(p, "XTRIM", EVENTS, "MAXLEN", "0")
        refused(p, "DEL", EVENTS)
    with acl.admin() as admin:
        assert admin.xlen(EVENTS) == 2


def test_the_operator_runs_rebuild_and_dead_letters_but_nothing_dangerous(acl: AclServer) -> None:
    publish(acl, registration(), "not an event")
    env = {"STANDINGS_REDIS_USERNAME": "operator", "STANDINGS_REDIS_PASSWORD": PASSWORDS["operator"]}

    async def project() -> None:
        async with projector(acl):
            with acl.admin() as admin:
                await until(lambda: applied(acl, "reg") and admin.xlen("standings:dead-letters") == 1, server=acl)
    asyncio.run(project())
    for args in (["rebuild", CID, "--json"], ["dead-letters", "list", "--json"], ["table", CID, "--json"]):
        result = CliRunner().invoke(cli, [*args, "--redis-url", acl.url], env=env)
        assert result.exit_code == 0, (args, result.output)
    assert acl.refused() == []
    with acl.client("operator") as o:
        refused(o, "FLUSHALL")
        refused(o, "KEYS", "*")
        refused(o, "CONFIG", "SET", "appendonly", "no")
        refused(o, "SET", "not-standings", "x")


def test_standings_acl_needs_every_password_and_prints_none(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["acl", "--secrets-dir", str(tmp_path / "secrets")])
    assert missing.exit_code == 2 and "projector: no password" in missing.stderr and "--generate" in missing.stderr
    made = runner.invoke(cli, ["acl", "--secrets-dir", str(tmp_path / "secrets"), "--generate"])
    assert made.exit_code == 0, made.output
    written = {p.name: p.read_text().strip() for p in (tmp_path / "secrets").iterdir()}
    assert set(written) == {"users.acl", *(f"redis-{u}" for u in acls.USERS), "ingest-tokens", "webhook-urls", ".gitignore",
                            "webhook-signing-secret"}
    assert (tmp_path / "secrets").stat().st_mode & 0o077 == 0  # the folder is private
    for user in acls.USERS:
        assert written[f"redis-{user}"] not in made.output and written[f"redis-{user}"] not in written["users.acl"]
    again = runner.invoke(cli, ["acl", "--secrets-dir", str(tmp_path / "secrets"), "--output", "-"])
    assert again.stdout == written["users.acl"] + "\n"  # the passwords are kept, not generated again
    plain = runner.invoke(cli, ["acl", "--user", "producer", "--plain"], env={"STANDINGS_ACL_PRODUCER_PASSWORD": "pp-4711xyz"})
    assert plain.stdout.splitlines()[-1].startswith("user producer on >pp-4711xyz ")


# --- TLS ------------------------------------------------------------------------------------------


def no_tls(log: str) -> str | None:
    """The server's own words when it was built without TLS (Valkey: "Failed finding TLS support")."""
    lines = [line for line in log.splitlines() if "TLS" in line and re.search(r"(?i)support|not built|missing", line)]
    return lines[-1].split("#", 1)[-1].strip() if lines else None


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1 (openssl)."""
    run = lambda *args: subprocess.run(["openssl", *args], cwd=folder, capture_output=True, check=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=standings-test-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "san.cnf", "-out", "server.crt")
    return {name: folder / name for name in ("ca.crt", "server.crt", "server.key")}


async def test_the_projector_projects_over_tls_with_its_user(acl_server: AclServer, tmp_path: Path) -> None:
    binary = server_binary(prefer_path=True)
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate can be made for the TLS server")
    certs = make_certificates(tmp_path)
    port = free_port()
    log = tmp_path / "server.log"
    process = subprocess.Popen(
        [binary, "--port", "0", "--tls-port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path), "--tls-cert-file", str(certs["server.crt"]), "--tls-key-file", str(certs["server.key"]),
         "--tls-ca-cert-file", str(certs["ca.crt"]), "--tls-auth-clients", "no", "--aclfile", str(acl_server.aclfile)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex((LOOPBACK, port)) != 0:
            if process.poll() is not None and (reason := no_tls(log.read_text())):
                pytest.skip(f"{binary} has no TLS: {reason}")
            assert time.monotonic() < deadline and process.poll() is None, f"the TLS server did not start: {log.read_text()}"
            time.sleep(0.05)
        url = f"rediss://{LOOPBACK}:{port}/0?ssl_ca_certs={certs['ca.crt']}"
        with pytest.raises(redis.exceptions.ConnectionError):  # no CA given: the certificate is not trusted
            redis.Redis.from_url(f"rediss://{LOOPBACK}:{port}/0", username="producer", password=PASSWORDS["producer"]).ping()
        with redis.Redis.from_url(url, username="producer", password=PASSWORDS["producer"]) as producer:
            producer.xadd(EVENTS, entry(json.dumps(registration())))
        settings = Settings(redis_url=url, redis_username="projector", redis_password=PASSWORDS["projector"],
                            consumer_name="tls-projector")
        async with projector_running(settings.redis_url, settings):
            client: AsyncRedis = connect(settings.redis_url)
            try:
                deadline = time.monotonic() + 20
                while not await client.get(keys.version_key(CID)):
                    assert time.monotonic() < deadline, "nothing projected over TLS"
                    await asyncio.sleep(0.05)
            finally:
                await client.aclose()
    finally:
        process.terminate()
        process.wait(10)
