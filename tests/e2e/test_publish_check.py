"""`standings publish` checks the registered rules before publishing (the check HTTP ingest makes), and
`--no-check` skips that part only. Against a real Redis, in-process (Typer's CliRunner)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from schemas.events import parse_event
from services.cli.main import app
from services.projector import Projector
from services.runtime.redis import connect
from services.runtime.settings import Settings
from tests.builders import car, envelope, registered, rules_file
from tests.integration.projection import commit

ROOT = Path(__file__).parents[2]
CID = "pccna-2024"
runner = CliRunner()


def cli(*args: object, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def race(race_id: str, round_: int, cid: str = CID, class_id: str = "pro", event_id: str | None = None) -> dict:
    entries = [car("1", "ann-lee", 1, class_id=class_id), car("2", "bob-ray", 2)]
    return envelope("race.classified", {"race_id": race_id, "round": round_, "entries": entries}, cid, event_id)


def registration(cid: str) -> dict:
    return envelope("championship.registered", {"revision": 1, "rules": rules_file("pccna-2024.yaml").model_dump(mode="json")},
                    cid)


def jsonl(tmp_path: Path, *events: dict | str) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events))
    return path


def xlen(redis_url: str) -> int:
    with redis.Redis.from_url(redis_url) as client:
        return client.xlen("standings:events")


@pytest.fixture
def registered_cup(redis_url: str) -> str:
    """`pccna-2024` registered and projected (by the projector's own commit step)."""
    async def register() -> None:
        client = connect(redis_url)
        try:
            await commit(client, CID, registered(rules_file("pccna-2024.yaml"), championship_id=CID))
        finally:
            await client.aclose()

    asyncio.run(register())
    return redis_url


def test_publish_refuses_what_breaks_the_rules_naming_every_problem_and_publishes_nothing(registered_cup, tmp_path):
    path = jsonl(tmp_path, race("r01", 1), race("r02", 2, class_id="gt3"), race("r99", 3), race("r01", 1, cid="nope-cup"))
    result = cli("publish", path, "--redis-url", registered_cup)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "error: line 2: payload.entries.0.class_id: unknown class 'gt3' (known: masters, pro, proam)",
        "error: line 3: payload.race_id: race 'r99' is not in the calendar",
        "error: line 4: championship_id: unknown championship 'nope-cup': register its rules first",
        "error: nothing published: 3 problem(s); --skip-invalid publishes the valid lines; "
        "--no-check publishes ahead of the rules",
    ]
    assert xlen(registered_cup) == 0


def test_no_check_publishes_ahead_of_the_rules_but_still_checks_the_contracts(registered_cup, tmp_path):
    path = jsonl(tmp_path, race("r01", 1), race("r02", 2, class_id="gt3"), race("r01", 1, cid="nope-cup"))
    result = cli("publish", path, "--no-check", "--json", "--redis-url", registered_cup)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["published"] == 3 and xlen(registered_cup) == 3

    bad = race("r03", 3)
    bad["payload"]["entries"][0]["position"] = "1"
    result = cli("publish", jsonl(tmp_path, bad), "--no-check", "--redis-url", registered_cup)
    assert result.exit_code == 2
    assert "line 1: payload.entries.0.position: Input should be a valid integer" in result.stderr
    assert "--no-check publishes" not in result.stderr
    assert xlen(registered_cup) == 3


def test_skip_invalid_publishes_the_lines_that_pass_the_rules(registered_cup, tmp_path):
    path = jsonl(tmp_path, race("r01", 1), race("r02", 2, class_id="gt3"), race("r03", 3))
    result = cli("publish", path, "--skip-invalid", "--json", "--redis-url", registered_cup)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["published"] == 2 and report["invalid"] == [
        "line 2: payload.entries.0.class_id: unknown class 'gt3' (known: masters, pro, proam)"]
    assert xlen(registered_cup) == 2


def test_a_registration_earlier_in_the_file_counts(redis_url, tmp_path):
    backwards = jsonl(tmp_path, race("r01", 1, cid="new-cup"), registration("new-cup"))
    result = cli("publish", backwards, "--redis-url", redis_url)
    assert result.exit_code == 2
    assert "line 1: championship_id: unknown championship 'new-cup': register its rules first" in result.stderr
    result = cli("publish", jsonl(tmp_path, registration("new-cup"), race("r01", 1, cid="new-cup")), "--redis-url", redis_url)
    assert result.exit_code == 0, result.output
    assert xlen(redis_url) == 2


def test_events_already_accepted_are_not_published_again(registered_cup, tmp_path):
    first = race("r01", 1, event_id="r01-final")

    async def accept() -> None:
        client = connect(registered_cup)
        try:
            await commit(client, CID, parse_event(json.dumps(first)))
        finally:
            await client.aclose()

    asyncio.run(accept())
    result = cli("publish", jsonl(tmp_path, first, race("r02", 2)), "--json", "--redis-url", registered_cup)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["published"] == 1 and report["duplicates"] == ["r01-final"]
    shown = cli("publish", jsonl(tmp_path, first), "--redis-url", registered_cup)
    assert "published 0 event(s)" in shown.stdout and "1 already accepted (not published again)" in shown.stdout

    changed = {**first, "payload": {**first["payload"], "revision": 2}}
    conflict = cli("publish", jsonl(tmp_path, changed), "--redis-url", registered_cup)
    assert conflict.exit_code == 2
    assert "line 1: event_id: event_id 'r01-final' was accepted from entry" in conflict.stderr
    assert xlen(registered_cup) == 1


def group_polls(client) -> int:
    """XINFO GROUPS calls the server has answered so far (the check's poll of the projector's progress)."""
    return client.info("commandstats").get("cmdstat_xinfo|groups", {}).get("calls", 0)


def test_publish_waits_for_a_registration_still_on_its_way_to_the_projection(redis_url, tmp_path):
    with redis.Redis.from_url(redis_url) as client:
        client.xgroup_create("standings:events", "projector", id="0", mkstream=True)
        client.xadd("standings:events", {"data": json.dumps(registration("slow-cup"))})
    path = jsonl(tmp_path, race("r01", 1, cid="slow-cup"))
    outcome: dict = {}
    publishing = threading.Thread(target=lambda: outcome.update(result=cli("publish", path, "--redis-url", redis_url)))
    with redis.Redis.from_url(redis_url) as client:
        polled = group_polls(client)
        publishing.start()
        while group_polls(client) < polled + 3:  # publish asks how far the projector is, again and again
            assert publishing.is_alive(), outcome["result"].output
            time.sleep(0.02)
    assert publishing.is_alive()  # waiting for the projector, not refusing
    asyncio.run(project(redis_url))
    publishing.join(20)
    assert outcome["result"].exit_code == 0, outcome["result"].output
    assert xlen(redis_url) == 2


async def project(redis_url: str) -> None:
    """What the projector does with the entries not yet delivered (its own batch handler)."""
    settings = Settings(redis_url=redis_url)
    client = connect(redis_url)
    try:
        for _, batch in await client.xreadgroup(settings.projector_group, "test", {settings.events_stream: ">"}):
            await Projector(client, settings).handle([sid for sid, _ in batch], [fields for _, fields in batch])
    finally:
        await client.aclose()


def test_register_then_publish_at_once_succeeds_with_a_projector_running(redis_url, tmp_path, projector_thread):
    for n in range(3):  # each time, the races follow their registration onto the stream within milliseconds
        cid = f"quick-{n}"
        assert cli("register", ROOT / "rules" / "pccna-2024.yaml", "-c", cid, "--redis-url", redis_url).exit_code == 0
        result = cli("publish", jsonl(tmp_path, race("r01", 1, cid=cid), race("r02", 2, cid=cid)), "--redis-url", redis_url)
        assert result.exit_code == 0, result.output


def test_without_a_projector_an_unregistered_championship_is_refused_at_once(redis_url, tmp_path):
    assert cli("register", ROOT / "rules" / "pccna-2024.yaml", "-c", "lonely", "--redis-url", redis_url).exit_code == 0
    result = cli("publish", jsonl(tmp_path, race("r01", 1, cid="lonely")), "--redis-url", redis_url)
    assert result.exit_code == 2  # no projector group: nothing would ever apply the registration
    assert "unknown championship 'lonely'" in result.stderr
