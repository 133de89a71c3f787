"""The `standings` CLI against a real Redis: in-process (Typer's CliRunner) and as processes.

In-process commands call `asyncio.run` themselves, so these tests are synchronous; the projector
they need runs in a thread with its own event loop (`projector_thread`).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis
from typer.testing import CliRunner

from schemas.loading import load_rules
from services.cli.main import app
from services.demo.season import simulate_season
from services.engine import record, standings
from services.runtime import keys
from services.runtime.server import free_port
from services.runtime.streams import dead_letter_fields
from tests.builders import car, classified, registered, small_rules

ROOT = Path(__file__).parents[2]
PCCNA = ROOT / "rules" / "pccna-2024.yaml"
runner = CliRunner()


def cli(*args: str, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def season_jsonl(races: int = 2, seed: int = 3) -> tuple[str, list]:
    season = simulate_season(load_rules(PCCNA), seed=seed, races=races)
    events = season.events()
    return "\n".join(e.model_dump_json() for e in events) + "\n", events


def wait_until(check, timeout: float = 20.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def processed_all(url: str, events: list) -> bool:
    with redis.Redis.from_url(url) as client:
        return None not in client.hmget(keys.accepted_key(events[0].championship_id), [e.event_id for e in events])


# --- register -------------------------------------------------------------------


def test_errors_are_one_line_of_text_brackets_and_all(tmp_path, monkeypatch):
    """A pattern's `[...]` is not eaten as markup, and an error inside a command that runs on the
    embedded server is reported once, not again as "embedded server: 1"."""
    rules = tmp_path / "rules.yaml"
    rules.write_text('name: X\nseason: 2024\nclasses: [{id: "bad id", name: P}]\npoints: [{points: [1]}]\n')
    result = cli("register", rules, "--championship", "x-1", "--redis-url", "redis://127.0.0.1:1")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {rules}: classes.0.id: String should match pattern '^[A-Za-z0-9][A-Za-z0-9_.-]*$'"

    monkeypatch.setenv("STANDINGS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = cli("table", "nobody-1")
    assert result.exit_code != 0 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "embedded server" not in result.stderr


def test_register_publishes_the_rules_and_summarises(redis_url):
    result = cli("register", PCCNA, "--championship", "pccna-2024", "--redis-url", redis_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["classes"] == ["pro", "proam", "masters"] and summary["races"] == 16
    assert summary["revision"] == 1 and "junior" in summary["tables"]
    with redis.Redis.from_url(redis_url) as client:
        [(_, fields)] = client.xrange("standings:events")
    assert json.loads(fields[b"data"])["type"] == "championship.registered"


def test_bad_rules_file_names_the_field_and_exits_2(redis_url, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PCCNA.read_text().replace("points: [25, 20", "points: [twenty-five, 20"))
    result = cli("register", bad, "-c", "x-2024", "--redis-url", redis_url)
    assert result.exit_code == 2
    assert "points.0.points.0" in result.stderr and "Traceback" not in result.output
    result = cli("register", PCCNA, "-c", "Not An Id", "--redis-url", redis_url)
    assert result.exit_code == 2 and "--championship" in result.stderr
    with redis.Redis.from_url(redis_url) as client:
        assert client.xlen("standings:events") == 0


# --- publish --------------------------------------------------------------------


def test_publish_reports_line_and_field_and_publishes_nothing(redis_url, tmp_path):
    text, events = season_jsonl(races=1)
    lines = text.splitlines()
    broken = json.loads(lines[4])  # the provisional classification
    broken["payload"]["entries"][1]["position"] = 0
    lines[4] = json.dumps(broken)
    lines.insert(2, "{not json")
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = cli("publish", path, "--redis-url", redis_url)
    assert result.exit_code == 2
    assert "line 6: payload.entries.1.position" in result.stderr
    assert "line 3: " in result.stderr and "nothing published" in result.stderr
    with redis.Redis.from_url(redis_url) as client:
        assert client.xlen("standings:events") == 0

    result = cli("publish", path, "--skip-invalid", "--redis-url", redis_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["published"] == len(events) - 1
    with redis.Redis.from_url(redis_url) as client:
        assert client.xlen("standings:events") == len(events) - 1


def test_publish_reads_stdin(redis_url):
    text, events = season_jsonl(races=1)
    result = cli("publish", "-", "--redis-url", redis_url, "--json", input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["published"] == len(events)


# --- table, tail, rebuild (with the projector running) -------------------------


def test_table_json_matches_the_engine(redis_url, tmp_path, projector_thread):
    text, events = season_jsonl(races=2)
    (tmp_path / "season.jsonl").write_text(text)
    assert cli("publish", tmp_path / "season.jsonl", "--redis-url", redis_url).exit_code == 0
    wait_until(lambda: processed_all(redis_url, events))
    facts: dict = {}
    for event in events:
        record(facts, event)

    result = cli("table", "pccna-2024-sim", "--class", "pro", "--json", "--redis-url", redis_url)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [json.loads(json.dumps(standings(facts)["drivers/pro"]))]
    result = cli("table", "pccna-2024-sim", "--table", "teams", "--after-round", "1", "--json", "--redis-url", redis_url)
    assert json.loads(result.stdout) == [json.loads(json.dumps(standings(facts, 1)["teams/overall"]))]

    shown = cli("table", "pccna-2024-sim", "--redis-url", redis_url)
    assert shown.exit_code == 0 and "Loek Hartog" in shown.stdout and "after round 2" in shown.stdout

    unknown = cli("table", "nope", "--redis-url", redis_url)
    assert unknown.exit_code == 1 and "known: pccna-2024-sim" in unknown.stderr
    no_table = cli("table", "pccna-2024-sim", "--table", "rookies", "--redis-url", redis_url)
    assert no_table.exit_code == 1 and "drivers/pro" in no_table.stderr

    rebuilt = cli("rebuild", "pccna-2024-sim", "--json", "--redis-url", redis_url)
    assert rebuilt.exit_code == 0, rebuilt.output
    [report] = json.loads(rebuilt.stdout)
    assert report["championship_id"] == "pccna-2024-sim" and report["changed"] is False


def test_table_explain_says_why_tied_rows_rank_where_they_do(redis_url, tmp_path, projector_thread):
    # 10-6-4-3-2-1: cy 4 + 10 leads; ann 10 (a win) + 2 and bob 6 + 6 are level on 12, ann ahead on countback.
    hostile = "Bob [bold]Ray[/bold] <b>x</b>"
    cars = [car("1", "ann-lee", 1), car("2", "bob-ray", 2, driver_name=hostile), car("3", "cy-fox", 3)]
    later = [car("3", "cy-fox", 1), car("2", "bob-ray", 2, driver_name=hostile), car("4", "dan-ek", 3),
             car("5", "eve-oh", 4), car("1", "ann-lee", 5)]
    events = [registered(small_rules(), championship_id="tie-cup"), classified("r1", 1, cars, championship_id="tie-cup"),
              classified("r2", 2, later, championship_id="tie-cup")]
    (tmp_path / "tie.jsonl").write_text("".join(e.model_dump_json() + "\n" for e in events))
    assert cli("publish", tmp_path / "tie.jsonl", "--redis-url", redis_url).exit_code == 0
    wait_until(lambda: processed_all(redis_url, events))

    plain = cli("table", "tie-cup", "--class", "pro", "--redis-url", redis_url)
    assert plain.exit_code == 0 and "Why the order" not in plain.stdout and "countback" not in plain.stdout
    shown = cli("table", "tie-cup", "--class", "pro", "--explain", "--redis-url", redis_url)
    assert shown.exit_code == 0, shown.output
    why = " ".join(shown.stdout.split("Why the order", 1)[1].split())  # the reasons wrap at 80 columns
    assert why == (f"2 Ann Lee ahead of {hostile} (#2) on countback, more wins: 1 to 0 "
                   f"3 {hostile} behind Ann Lee (#1) on countback, fewer wins: 0 to 1")
    untied = cli("table", "tie-cup", "--class", "pro", "--after-round", "1", "--explain", "--redis-url", redis_url)
    assert untied.exit_code == 0 and "Why the order: nobody is level on points." in untied.stdout


def reading_changes(url: str) -> bool:
    """Whether `standings tail` is connected and blocked reading the changes streams."""
    with redis.Redis.from_url(url) as client:
        return any(c.get("name") == "cli-tail" and c.get("cmd") == "xread" for c in client.client_list())


def test_tail_prints_changes(redis_url, tmp_path, projector_thread):
    text, events = season_jsonl(races=1)
    (tmp_path / "season.jsonl").write_text(text)
    with redis.Redis.from_url(redis_url) as client:
        client.sadd(keys.CHAMPIONSHIPS_KEY, "pccna-2024-sim")
    tail = subprocess.Popen([sys.executable, "-m", "services.cli", "tail", "pccna-2024-sim", "--json", "--count", "2",
                             "--redis-url", redis_url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: reading_changes(redis_url))  # tail starts at the end of the changes stream
        assert cli("publish", tmp_path / "season.jsonl", "--redis-url", redis_url).exit_code == 0
        out, err = tail.communicate(timeout=30)
    finally:
        tail.kill()
        tail.wait()
    assert tail.returncode == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["type"] for r in records] == ["standings.changed"] * 2
    assert records[1]["payload"]["version"] == records[0]["payload"]["version"] + 1


# --- dead letters -------------------------------------------------------------------


def test_dead_letters_list_show_redrive_purge(redis_url):
    with redis.Redis.from_url(redis_url) as client:
        ids = [client.xadd("standings:dead-letters", dead_letter_fields(
            reason=f"payload.entries.0.class_id: unknown class 'gt{n}'", stream_id=f"1-{n}",
            payload=json.dumps({"event_id": f"e{n}", "n": n}), event_id=f"e{n}", championship_id="cup")).decode()
            for n in range(3)]
    listed = cli("dead-letters", "list", "--json", "--redis-url", redis_url)
    assert listed.exit_code == 0 and [d["id"] for d in json.loads(listed.stdout)] == ids
    assert "unknown class" in cli("dead-letters", "list", "--redis-url", redis_url).stdout
    shown = cli("dead-letters", "show", ids[0], "--json", "--redis-url", redis_url)
    assert json.loads(shown.stdout)["reason"].startswith("payload.entries.0.class_id")
    assert cli("dead-letters", "show", "9-9", "--redis-url", redis_url).exit_code == 1

    moved = cli("dead-letters", "redrive", ids[0], "--json", "--redis-url", redis_url)
    assert list(json.loads(moved.stdout)) == [ids[0]]
    with redis.Redis.from_url(redis_url) as client:
        [(_, fields)] = client.xrange("standings:events")
        assert json.loads(fields[b"data"])["event_id"] == "e0"
    purged = cli("dead-letters", "purge", "--yes", "--json", "--redis-url", redis_url)
    assert json.loads(purged.stdout) == {"purged": 2}
    assert json.loads(cli("dead-letters", "list", "--json", "--redis-url", redis_url).stdout) == []


# --- processes: up and demo -----------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "STANDINGS_REDIS_URL")}
    return {**env, "STANDINGS_LOG_FORMAT": "json", **extra}


def _standings(cli_env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.cli", *args], cwd=ROOT, env=cli_env,
                          capture_output=True, text=True, timeout=60)


def test_up_runs_everything_on_an_embedded_server_and_stops_cleanly(tmp_path):
    port = free_port()
    env = _env(STANDINGS_DATA_DIR=str(tmp_path / "data"), STANDINGS_GATEWAY_PORT=str(port))
    up = subprocess.Popen([sys.executable, "-m", "services.cli", "up"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(base, up), timeout=60, every=0.2)
        url = (tmp_path / "data" / "embedded.url").read_text().strip()
        assert _standings(env, "register", str(PCCNA), "-c", "pccna-2024-sim").returncode == 0
        text, _ = season_jsonl(races=1)
        (tmp_path / "race.jsonl").write_text("\n".join(text.splitlines()[1:]) + "\n")  # its own registration aside
        published = _standings(env, "publish", str(tmp_path / "race.jsonl"))
        assert published.returncode == 0, published.stderr

        def table() -> dict | None:
            reply = httpx.get(f"{base}/championships/pccna-2024-sim/standings", params={"table": "drivers", "class_id": "pro"})
            tables = reply.json().get("tables") if reply.status_code == 200 else None
            return tables[0] if tables and tables[0]["rows"] and not tables[0]["provisional"] else None

        assert len(wait_until(table, timeout=30)["rows"]) >= 20
    finally:
        up.send_signal(signal.SIGTERM)
        out, err = up.communicate(timeout=30)
    assert up.returncode == 0, err[-2000:]
    assert f"{base}/docs" in out and "overlay" in out
    assert "Traceback" not in err, err[-4000:]
    assert "embedded server stopped" in err
    assert not (tmp_path / "data" / "embedded.url").exists()
    with pytest.raises(redis.ConnectionError), redis.Redis.from_url(url, socket_timeout=1) as client:
        client.ping()
    with (tmp_path / "data" / "embedded.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody holds the data folder any more


def _ready(base: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"`standings up` exited early: {process.stderr.read()[-2000:]}")
    try:
        return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_demo_plays_a_short_simulated_season_and_exits(redis_url):
    env = _env(STANDINGS_GATEWAY_PORT=str(free_port()))
    demo = _standings(env, "demo", "--pace", "0", "--races", "2", "--exit-when-done", "--redis-url", redis_url)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "SIMULATED" in demo.stdout and "season complete" in demo.stdout
    shown = _standings(env, "table", "pccna-2024-sim", "--json", "--class", "masters", "--redis-url", redis_url)
    [masters] = json.loads(shown.stdout)
    assert masters["after_round"] == 2 and not masters["provisional"] and len(masters["rows"]) == 7


@pytest.mark.parametrize("command", [["show", "zzz"], ["redrive", "1-0", "zzz"], ["purge", "zzz"]])
def test_a_malformed_dead_letter_id_is_a_usage_error(redis_url, command):
    result = _standings(_env(), "dead-letters", *command, "--redis-url", redis_url)
    assert result.returncode == 2 and "'zzz' is not a stream id" in result.stderr and "Traceback" not in result.stderr
