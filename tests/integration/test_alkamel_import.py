"""`standings import alkamel` end to end: real Redis (tests/conftest.py), the real projector, the CLI.

The CLI calls `asyncio.run` itself, so these tests are synchronous; the projector runs in a thread
with its own event loop. Every wait is on a condition with a deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from schemas.events import parse_event
from services.cli.main import app
from services.runtime import keys

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "alkamel"
OFFICIAL = FIXTURES / "grcup-2025-indianapolis-race1-results-official.csv"
RULES = FIXTURES / "grcup-2025-rules.yaml"
CID, RACE = "gr-2025", "indy-1"
runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def wait_until(check, timeout: float = 20.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {check.__name__}")


def provisional_bytes() -> bytes:
    """The official file as it stood before a post-race penalty: #2 ahead of #55."""
    data = OFFICIAL.read_bytes()
    return data.replace(b"\r\n1;55;", b"\r\nONE;55;").replace(b"\r\n2;2;", b"\r\n1;2;").replace(b"\r\nONE;55;", b"\r\n2;55;")


@pytest.fixture
def registered(redis_url: str, projector_thread) -> str:
    assert cli("register", RULES, "-c", CID, "--redis-url", redis_url).exit_code == 0
    return redis_url


def table(url: str, key: str = "drivers/am") -> dict | None:
    with redis.Redis.from_url(url) as client:
        raw = client.hget(keys.tables_key(CID), key)
    return json.loads(raw) if raw else None


def events_on_stream(url: str) -> list[dict]:
    with redis.Redis.from_url(url) as client:
        return [json.loads(fields[b"data"]) for _, fields in client.xrange("standings:events")]


def imported(url: str, *files: Path, extra: tuple = ()) -> dict:
    result = cli("import", "alkamel", *files, "-c", CID, "-r", RACE, "--redis-url", url, "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_provisional_then_an_official_file_change_the_tables_and_the_change_names_the_revision(registered, tmp_path):
    url = registered
    provisional = tmp_path / "00_Results GR Cup Race 1 Provisional INDY.csv"
    provisional.write_bytes(provisional_bytes())
    official = tmp_path / "00_Results GR Cup Race 1 Official INDY.csv"
    shutil.copyfile(OFFICIAL, official)

    first = imported(url, provisional)
    assert first["published"] == 2
    race = first["files"][0]["events"][0]
    assert race["event_id"].startswith(f"{CID}:{RACE}:race-provisional:r1:") and race["new"]

    def provisional_table():
        t = table(url)
        return t if t and t["provisional"] and t["rows"][0]["id"] == "will-robusto" else None

    assert wait_until(provisional_table)["rows"][1]["id"] == "spike-kohlbecker"

    second = imported(url, official)
    race, fastest = second["files"][0]["events"]
    assert race["event_id"].startswith(f"{CID}:{RACE}:race-result:r2:") and race["revision"] == 2 and race["new"]
    assert fastest["accepted_before"] and second["published"] == 1  # the same fastest lap: not published again

    def official_table():
        t = table(url)
        return t if t and not t["provisional"] and t["rows"][0]["id"] == "spike-kohlbecker" else None

    rows = wait_until(official_table)["rows"]
    assert [r["id"] for r in rows[:2]] == ["spike-kohlbecker", "will-robusto"] and rows[0]["fastest_laps"] == 1
    with redis.Redis.from_url(url) as client:
        changes = [json.loads(fields[b"data"]) for _, fields in client.xrange(keys.changes_stream(CID))]
        stored = parse_event(client.hget(keys.facts_key(CID), f"race:{RACE}"))
    assert changes[-1]["payload"]["causes"] == [race["event_id"]]  # the change names the revision-2 event
    assert stored.event_id == race["event_id"] and stored.payload.revision == 2

    # importing both files again publishes nothing new and changes nothing
    again = imported(url, provisional, official)
    assert again["published"] == 0
    assert all(e["accepted_before"] for f in again["files"] for e in f["events"])
    with redis.Redis.from_url(url) as client:
        assert client.xlen(keys.changes_stream(CID)) == len(changes) and client.xlen("standings:dead-letters") == 0


def test_a_qualifying_file_awards_the_pole(registered, tmp_path):
    qualifying = tmp_path / "03_Results_Qualifying_Official.CSV"
    shutil.copyfile(FIXTURES / "grcup-2025-indianapolis-race1-results-by-class-official.csv", qualifying)
    result = imported(registered, qualifying)
    [pole] = result["files"][0]["events"]
    assert pole["type"] == "pole.awarded" and result["published"] == 1
    [event] = [e for e in events_on_stream(registered) if e["type"] == "pole.awarded"]
    assert (event["payload"]["class_id"], event["payload"]["car_number"], event["payload"]["driver_id"]) == (
        "am", "55", "spike-kohlbecker")


def test_nothing_is_published_when_a_row_is_wrong(registered, tmp_path):
    bad = tmp_path / "results.csv"
    data = OFFICIAL.read_bytes().replace(b";Am;;GR Cup;", b";Pro;;GR Cup;", 1)
    bad.write_bytes(data.replace(b";26;46:41.723", b";2x;46:41.723"))
    before = len(events_on_stream(registered))
    result = cli("import", "alkamel", bad, "-c", CID, "-r", RACE, "--redis-url", registered)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}: line 2: CLASS: unknown class 'Pro' (known: am); map it under classes: in the mapping file",
        f"error: {bad}: line 3: LAPS: '2x' is not a whole number",
        "error: nothing published: 2 problem(s)",
    ]
    assert len(events_on_stream(registered)) == before


def test_dry_run_prints_the_events_and_publishes_nothing(registered, tmp_path):
    before = len(events_on_stream(registered))
    result = cli("import", "alkamel", OFFICIAL, "-c", CID, "-r", RACE, "--redis-url", registered, "--dry-run",
                 "--occurred-at", "2025-09-20T15:30:00-04:00")
    assert result.exit_code == 0, result.output
    events = [parse_event(line) for line in result.stdout.splitlines()]
    assert [e.type for e in events] == ["race.classified", "fastest_lap.set"]
    assert events[0].occurred_at.isoformat() == "2025-09-20T19:30:00+00:00" and len(events[0].payload.entries) == 29
    assert "nothing published" in result.stderr and len(events_on_stream(registered)) == before


def test_dry_run_with_a_rules_file_needs_no_redis():
    result = cli("import", "alkamel", OFFICIAL, "-c", CID, "-r", RACE, "--rules", RULES, "--dry-run",
                 "--redis-url", "redis://127.0.0.1:1/0")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["type"] for line in result.stdout.splitlines()] == ["race.classified", "fastest_lap.set"]


def test_an_unknown_championship_is_named(redis_url):
    result = cli("import", "alkamel", OFFICIAL, "-c", "nope", "-r", RACE, "--redis-url", redis_url)
    assert result.exit_code == 1
    assert "unknown championship 'nope' (registered: none)" in result.stderr


def test_watch_publishes_each_new_or_changed_file_once(registered, tmp_path):
    url = registered
    folder = tmp_path / "results"
    folder.mkdir()
    env = {**os.environ, "REDIS_URL": url, "STANDINGS_DATA_DIR": str(tmp_path / "data")}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "import", "alkamel", "--watch", str(folder), "-c", CID, "-r", RACE,
         "--interval", "0.1", "--json"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def race_events() -> list[dict]:
            return [e for e in events_on_stream(url) if e["type"] == "race.classified"]

        provisional = folder / "00_Results GR Cup Race 1 Provisional INDY.csv"
        (folder / "notes.txt").write_text("not a timing file")
        (folder / "12_Starting Grid_Race 1.CSV").write_bytes(OFFICIAL.read_bytes())  # no result: skipped
        provisional.write_bytes(provisional_bytes())
        wait_until(lambda: (t := table(url)) and t["provisional"])
        provisional.write_bytes(provisional_bytes())  # rewritten, same content: not published again
        shutil.copyfile(OFFICIAL, folder / "00_Results GR Cup Race 1 Official INDY.csv")
        both = wait_until(lambda: found if len(found := race_events()) >= 2 else None)
        wait_until(lambda: (t := table(url)) and not t["provisional"] and t["rows"][0]["id"] == "spike-kohlbecker")
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=20)
    assert watcher.returncode == 0, err
    assert "stopped watching" in err and "skipped 12_Starting Grid_Race 1.CSV" in err
    assert [e["payload"]["revision"] for e in both] == [1, 2] and len(race_events()) == 2
    assert [e["payload"]["provisional"] for e in both] == [True, False]
    fastest = [e for e in events_on_stream(url) if e["type"] == "fastest_lap.set"]
    assert len(fastest) == 1  # the official file's fastest lap is the provisional one's: accepted, not published again
    reports = [json.loads(line) for line in out.splitlines()]
    assert [r["published"] for r in reports] == [2, 1]
