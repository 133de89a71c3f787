"""The shared runtime against real server processes: fixtures, embedded server, settings, logging."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time

import pytest
import redis
import structlog
from faststream.redis import RedisBroker, StreamSub
from redis.crc import key_slot

from services.runtime import keys
from services.runtime.embedded import embedded_server, redis_url_for
from services.runtime.healthcheck import check
from services.runtime.logging import configure_logging, event_logger
from services.runtime.redis import connect, ensure_group, entry, entry_json
from services.runtime.settings import Settings


def test_fixture_server_answers_ping_off_the_shared_port(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        assert client.ping()
        assert client.dbsize() == 0
    assert not redis_url.endswith(":6379/0")


def test_private_server_keeps_its_url_across_kill_and_restart(start_redis) -> None:
    server = start_redis(appendonly=True)
    with redis.Redis.from_url(server.url) as client:
        client.set("k", "v")
    server.stop()
    url = server.url
    server.start()
    server.kill()
    server.start()
    assert server.url == url
    with redis.Redis.from_url(server.url) as client:
        assert client.get("k") == b"v"


def test_embedded_server_has_aof_on_loopback_and_recovers_its_data(tmp_path) -> None:
    with embedded_server(tmp_path) as server, redis.Redis.from_url(server.url) as client:
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("bind") == {"bind": "127.0.0.1"}
        client.hset(keys.facts_key("c1"), "race-1", '{"x": 1}')
        client.xadd("standings:events", entry('{"event_id": "e1"}'))
    assert server.process.returncode == 0  # clean SHUTDOWN on SIGTERM
    with embedded_server(tmp_path) as again, redis.Redis.from_url(again.url) as client:
        assert client.hget(keys.facts_key("c1"), "race-1") == b'{"x": 1}'
        [(_, fields)] = client.xrange("standings:events")
        assert json.loads(entry_json(fields)) == {"event_id": "e1"}


def test_embedded_server_refuses_a_second_server_on_the_same_folder(tmp_path) -> None:
    with embedded_server(tmp_path), pytest.raises(RuntimeError, match="another embedded"):
        with embedded_server(tmp_path):
            pass


def test_redis_url_for_prefers_the_configured_url(redis_url: str, tmp_path) -> None:
    with redis_url_for(Settings(redis_url=redis_url, data_dir=tmp_path)) as url:
        assert url == redis_url
    assert not any(tmp_path.iterdir())  # no embedded server was started


@pytest.mark.parametrize("bad", ["http://localhost:6379", "localhost:6379", "unix:///tmp/r.sock"])
def test_settings_reject_a_bad_url_scheme_naming_the_field(bad: str, monkeypatch) -> None:
    with pytest.raises(ValueError, match="redis_url must start with redis:// or rediss://"):
        Settings(redis_url=bad)
    monkeypatch.setenv("REDIS_URL", bad)
    with pytest.raises(ValueError, match="redis_url"):
        Settings()


def test_settings_read_plain_and_prefixed_env(monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", "rediss://cache:6380/0")
    monkeypatch.setenv("STANDINGS_BATCH_SIZE", "7")
    assert (Settings().redis_url, Settings().batch_size) == ("rediss://cache:6380/0", 7)
    monkeypatch.setenv("STANDINGS_REDIS_URL", "redis://mine:1/0")
    assert Settings().redis_url == "redis://mine:1/0"
    monkeypatch.setenv("STANDINGS_REDIS_URL", "")
    monkeypatch.delenv("REDIS_URL")
    assert Settings().redis_url is None


@pytest.fixture
def restore_logging():
    """Undo :func:`configure_logging`'s global changes after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


def test_logging_emits_json_lines_carrying_event_context(restore_logging) -> None:
    out = io.StringIO()  # not a TTY: "auto" means JSON
    configure_logging(Settings(log_level="debug"), out)
    event_logger("e-1", "pccna-2024").info("applied", tables=3)
    with structlog.contextvars.bound_contextvars(event_id="e-2", championship_id="imsa"):
        logging.getLogger("faststream.access").warning("consumed %s", "x")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event_id"] == "e-1" and first["championship_id"] == "pccna-2024"
    assert first["level"] == "info" and first["logger"] == "standings" and first["tables"] == 3
    assert first["timestamp"].endswith("Z")
    assert second["event"] == "consumed x" and second["logger"] == "faststream.access"
    assert second["event_id"] == "e-2" and second["championship_id"] == "imsa"


def test_championship_keys_share_one_cluster_slot() -> None:
    cid = "pccna-2024"
    names = [f(cid) for f in (keys.facts_key, keys.tables_key, keys.version_key,
                              keys.accepted_key, keys.changes_stream)]
    assert names[0] == "standings:{pccna-2024}:facts"
    assert names[-1] == "standings:{pccna-2024}:changes"
    assert len({key_slot(name.encode()) for name in names}) == 1
    with pytest.raises(ValueError):
        keys.facts_key("a}b")


async def test_ensure_group_starts_at_zero_and_is_idempotent(redis_client) -> None:
    await redis_client.xadd("s", entry("{}"))
    assert await ensure_group(redis_client, "s", "g") is True
    assert await ensure_group(redis_client, "s", "g") is False
    reply = await redis_client.xreadgroup("g", "c", {"s": ">"}, count=10)
    assert len(reply[0][1]) == 1


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
async def test_how_faststream_reads_a_plain_data_entry(redis_url: str, batch) -> None:
    """A bare ``XADD s * data <json>``: the JSON itself for a single-message subscriber, but
    ``{"data": "<json>"}`` per entry for a batch subscriber (see services/runtime/redis.py)."""
    client = connect(redis_url)
    await ensure_group(client, "plain", "g")
    event = {"event_id": "e-1", "type": "race.classified", "payload": {"rows": [1, 2]}}
    await client.xadd("plain", entry(json.dumps(event)))
    received: asyncio.Future = asyncio.get_running_loop().create_future()
    broker = RedisBroker(redis_url, logger=None)
    stream = StreamSub("plain", group="g", consumer="c1", max_records=10, batch=batch)

    @broker.subscriber(stream=stream)
    async def handle(body: list[dict] | dict) -> None:
        received.set_result(body)

    async with broker:
        await broker.start()
        body = await asyncio.wait_for(received, 10)
    await client.aclose()
    if batch:
        [item] = body
        assert item == {"data": json.dumps(event)} and json.loads(entry_json(item)) == event
    else:
        assert body == event


async def test_healthcheck_needs_redis_and_the_named_group(redis_url: str, redis_client) -> None:
    settings = Settings(redis_url=redis_url)
    assert check(settings, None) is None
    assert "redis" in check(settings, "projector")  # no events stream yet
    await ensure_group(redis_client, settings.events_stream, "projector")
    assert check(settings, "projector") is None
    assert "missing" in check(settings, "notifier")
    assert "redis" in check(Settings(redis_url="redis://127.0.0.1:1/0"), None)


async def test_readiness_fails_when_the_group_falls_behind(redis_url: str, redis_client) -> None:
    """--max-stale: an entry left undelivered, then pending, longer than allowed fails the probe."""
    settings = Settings(redis_url=redis_url)
    await ensure_group(redis_client, settings.events_stream, "projector")
    assert check(settings, "projector", max_stale=60) is None  # nothing to do: never stale
    old = f"{int(time.time() * 1000) - 120_000}-0"  # published two minutes ago
    await redis_client.xadd(settings.events_stream, {"data": "{}"}, id=old)
    assert "behind" in check(settings, "projector", max_stale=60)  # not yet delivered
    assert check(settings, "projector", max_stale=600) is None
    await redis_client.xreadgroup("projector", "slow", {settings.events_stream: ">"})
    assert "behind" in check(settings, "projector", max_stale=60)  # delivered, never acknowledged
    await redis_client.xack(settings.events_stream, "projector", old)
    assert check(settings, "projector", max_stale=60) is None
