"""What the `standings` commands say: whole messages, one-line errors with exit codes, the demo's links.

Start-up problems (an unreachable or invalid Redis) are checked on real processes: that is where
the tracebacks were. Everything else in-process (Typer's CliRunner) against a real Redis.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import redis
from rich.console import Console

from schemas.loading import load_rules
from services.cli.render import change_lines, standings_table
from services.demo.publisher import STEPS
from services.demo.season import simulate_season
from services.runtime.server import free_port
from services.runtime.streams import dead_letter_fields
from tests.builders import f1_1975_season
from tests.e2e.test_cli import PCCNA, ROOT, _env, _standings, cli, processed_all, season_jsonl, wait_until


def rendered(renderable, width: int = 160) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def unreachable_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # a free port: nothing listens there


# --- start-up: Redis unreachable or invalid (processes) ------------------------------------


@pytest.mark.parametrize("command", [["up"], ["projector"], ["notifier"], ["gateway"],
                                     ["demo", "--pace", "0", "--races", "1", "--exit-when-done"]])
def test_an_unreachable_redis_is_one_line_and_exit_1_without_traceback(tmp_path, command):
    url = unreachable_url()
    env = _env(REDIS_URL=url, STANDINGS_DATA_DIR=str(tmp_path), STANDINGS_GATEWAY_PORT=str(free_port()))
    result = _standings(env, *command)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "never awaited" not in result.stderr, result.stderr[-3000:]
    assert result.stderr.strip().splitlines() == [f"error: cannot reach Redis at {url}: Error 111 connecting to "
                                                  f"127.0.0.1:{url.split(':')[2].split('/')[0]}. Connection refused."]


@pytest.mark.parametrize(("variable", "named"), [("REDIS_URL", "REDIS_URL"), ("STANDINGS_REDIS_URL", "STANDINGS_REDIS_URL"),
                                                 (None, "--redis-url")])
def test_an_invalid_redis_url_is_named_as_it_was_given(tmp_path, variable, named):
    env = _env(STANDINGS_DATA_DIR=str(tmp_path), **({variable: "nope://x"} if variable else {}))
    result = _standings(env, "up", *([] if variable else ["--redis-url", "nope://x"]))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"error: settings: {named} must start with redis:// or rediss:// (got 'nope://x'); "
                                     "leave REDIS_URL unset to use the embedded server")


# --- messages keep their characters -------------------------------------------------------


def test_a_yaml_syntax_error_keeps_its_snippet_brackets_and_all(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("name: X\nseason: 2024\nclasses: [{id: pro, name: [Pro\n")
    result = cli("register", rules, "-c", "x-1", "--redis-url", unreachable_url())
    assert result.exit_code == 2
    assert f"error: {rules}: cannot read: while parsing a flow sequence" in result.stderr
    assert "    classes: [{id: pro, name: [Pro\n" in result.stderr
    assert "expected ',' or ']', but got '<stream end>'" in result.stderr


def test_untrusted_text_is_printed_whole(redis_url, tmp_path):
    """Dead letters' reasons, a rules file's names and skipped lines are text, not markup."""
    reason = "payload.race_id: String should match pattern '^[a-z0-9][a-z0-9-]{0,62}$' [bold]x[/]"
    with redis.Redis.from_url(redis_url) as client:
        letter = client.xadd("standings:dead-letters", dead_letter_fields(
            reason=reason, stream_id="1-0", payload="{}", event_id="e[1]", championship_id="cup")).decode()
    listed = cli("dead-letters", "list", "--redis-url", redis_url).stdout
    assert "[bold]x[/]" in listed and "e[1]" in listed, listed  # a narrow table wraps the rest
    shown = cli("dead-letters", "show", letter, "--redis-url", redis_url).stdout
    assert f"reason: {reason}" in shown and "event_id: e[1]" in shown

    rules = tmp_path / "rules.yaml"
    rules.write_text(PCCNA.read_text().replace("name: Porsche Carrera Cup North America",
                                               "name: Cup [beta] [/]", 1).replace("name: Pro-Am}", "name: '[Pro-Am]'}"))
    result = cli("register", rules, "-c", "cup-2024", "--redis-url", redis_url)
    assert result.exit_code == 0, result.output
    assert "registered Cup [beta] [/] 2024 as cup-2024" in result.stdout
    assert "classes: Pro, [Pro-Am], Masters" in result.stdout

    text, _ = season_jsonl(races=1)
    lines = text.splitlines()
    lines[1] = lines[1].replace('"championship_id":"pccna-2024-sim"', '"championship_id":"[x]"')
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    result = cli("publish", tmp_path / "events.jsonl", "--skip-invalid", "--no-check", "--redis-url", redis_url)
    assert result.exit_code == 0, result.output
    assert "skipped line 2: championship_id: String should match pattern '^[" in result.stderr


# --- help, tail, table ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["table"], ["publish"], ["demo"], ["dead-letters", "purge"]])
def test_help_shows_flags_as_flags(command):
    result = _standings(_env(COLUMNS="200"), *command, "--help")
    assert result.returncode == 0
    assert "<bool>" not in result.stdout, result.stdout
    assert "--help" in result.stdout and "<int" not in result.stdout.split("--help")[1].splitlines()[0]


def test_tail_signs_points_won_and_lost():
    record = {"championship_id": "cup", "payload": {"version": 7, "changes": [{
        "table": "drivers/pro", "moves": [],
        "points_gained": [{"id": "a", "name": "Ann", "points": 4}, {"id": "b", "name": "Bo", "points": -4},
                          {"id": "c", "name": "Cy", "points": 2.5}]}]}}
    [line] = change_lines(record, {})
    assert line.plain == "v7 cup drivers/pro: points: Ann +4, Bo -4, Cy +2.5"


def _row(position: int, name: str, pts: int, gap: int, ahead: int | None) -> dict:
    return {"position": position, "shared": False, "id": name.lower(), "name": name, "car_number": "9",
            "team_name": "[Team] Racing", "points": pts, "gap_to_leader": gap, "gap_to_ahead": ahead,
            "wins": 0, "podiums": 0, "clinched": False, "change": 0}


def test_a_countback_tie_reads_tied_and_the_heading_names_the_class():
    table = {"table_id": "drivers", "class_id": "proam", "name": "Drivers", "kind": "drivers", "after_round": 3,
             "provisional": True, "rows": [_row(1, "Ann", 40, 0, None), _row(2, "Bo", 40, 0, 0), _row(3, "Cy", 36, 4, 4)]}
    out = rendered(standings_table(table, class_names={"proam": "Pro-Am"}))
    assert out.splitlines()[0].strip() == "Drivers · Pro-Am · after round 3 · provisional"
    assert "-0" not in out and "[Team] Racing" in out
    bo = next(line for line in out.splitlines() if "Bo" in line)
    assert bo.split()[6:9] == ["40", "tied", "tied"], bo  # points, gap to the leader, to the car ahead
    cy = next(line for line in out.splitlines() if "Cy" in line)
    assert "-4" in cy and "tied" not in cy


def test_table_orders_and_names_classes_as_the_rules_do_and_bounds_after_round(redis_url, tmp_path, projector_thread):
    text, events = season_jsonl(races=2)
    (tmp_path / "season.jsonl").write_text(text)
    assert cli("publish", tmp_path / "season.jsonl", "--redis-url", redis_url).exit_code == 0
    wait_until(lambda: processed_all(redis_url, events))

    shown = cli("table", "pccna-2024-sim", "--redis-url", redis_url)
    assert shown.exit_code == 0, shown.output
    headings = [line.strip() for line in shown.stdout.splitlines() if line.startswith("Drivers ·")]
    assert headings == ["Drivers · Pro · after round 2", "Drivers · Pro-Am · after round 2",
                        "Drivers · Masters · after round 2"]
    as_json = json.loads(cli("table", "pccna-2024-sim", "--json", "--redis-url", redis_url).stdout)
    assert [t["class_id"] for t in as_json] == ["pro", "proam", "masters"]
    andial = json.loads(cli("table", "pccna-2024-sim", "--table", "andial", "--json", "--redis-url", redis_url).stdout)
    assert [t["class_id"] for t in andial] == ["pro", "proam", "masters"]

    beyond = cli("table", "pccna-2024-sim", "--after-round", "99", "--redis-url", redis_url)
    assert beyond.exit_code == 2 and beyond.stdout == ""
    assert beyond.stderr.strip() == "error: --after-round 99: pccna-2024-sim has only 16 rounds"
    assert cli("table", "pccna-2024-sim", "--after-round", "16", "--redis-url", redis_url).exit_code == 0


def test_a_manufacturers_table_lists_makes_without_car_or_team(redis_url, tmp_path, projector_thread):
    events = f1_1975_season()
    (tmp_path / "f1.jsonl").write_text("".join(e.model_dump_json() + "\n" for e in events))
    assert cli("publish", tmp_path / "f1.jsonl", "--redis-url", redis_url).exit_code == 0
    wait_until(lambda: processed_all(redis_url, events))

    shown = cli("table", "f1-1975", "--table", "constructors", "--redis-url", redis_url)
    assert shown.exit_code == 0, shown.output
    lines = [line.split() for line in shown.stdout.splitlines() if line.strip() and "─" not in line]
    assert lines == [["Constructors", "·", "Formula", "One", "·", "after", "round", "2"],
                     ["Pos", "Manufacturer", "Pts", "Gap", "Ahead", "Wins", "Pod"],
                     ["1", "–", "McLaren-Ford", "15", "1", "2"],
                     ["2", "▲1", "Brabham-Ford", "13", "-2", "-2", "1", "2"],
                     ["3", "▼1", "Hesketh-Ford", "9", "-6", "-4", "0", "1"]]


# --- the demo -------------------------------------------------------------------------------


def test_demo_headings_read_naturally():
    from services.cli.demo import race_heading

    season = simulate_season(load_rules(PCCNA), races=2)
    rules = season.registration.payload.rules
    assert race_heading(rules, season.races[1], STEPS[1]) == "Round 2 of 16 · Sebring · provisional classification"
    assert race_heading(rules, season.races[0], STEPS[0]) == "Round 1 of 16 · Sebring · pole positions from qualifying"


def test_commands_find_the_running_demo_and_the_demo_prints_every_link(tmp_path):
    port = free_port()
    env = _env(STANDINGS_DATA_DIR=str(tmp_path), STANDINGS_GATEWAY_PORT=str(port))
    demo = subprocess.Popen([sys.executable, "-m", "services.cli", "demo", "--pace", "0", "--races", "2"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    advertised = tmp_path / "demo" / "embedded.url"
    try:
        def table_shown() -> subprocess.CompletedProcess | None:
            if demo.poll() is not None:
                raise AssertionError(f"the demo exited early: {demo.stderr.read()[-2000:]}")
            if not advertised.exists():
                return None
            shown = _standings(env, "table", "pccna-2024-sim", "--class", "proam")
            return shown if shown.returncode == 0 and "after round 2" in shown.stdout else None

        shown = wait_until(table_shown, timeout=60, every=0.3)
        assert shown.stdout.splitlines()[0].strip() == "Drivers · Pro-Am · after round 2"
        url = advertised.read_text().strip()
        rebuilt = _standings(env, "rebuild", "pccna-2024-sim", "--json")
        assert rebuilt.returncode == 0 and json.loads(rebuilt.stdout)[0]["championship_id"] == "pccna-2024-sim"
    finally:
        demo.send_signal(signal.SIGTERM)
        out, err = demo.communicate(timeout=30)
    assert demo.returncode == 0, err[-2000:]
    base = f"http://127.0.0.1:{port}"
    overlay = f"{base}/overlay?championship=pccna-2024-sim"
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert f"standings page: {base}/championships/pccna-2024-sim/page" in lines
    assert f"API docs: {base}/docs" in lines
    assert any(line.startswith(f"Redis: {url} (the demo's own") for line in lines), out
    for label, query in [("Drivers · Pro", "table=drivers&class_id=pro"),
                         ("Drivers · Pro-Am", "table=drivers&class_id=proam"),
                         ("Drivers · Masters", "table=drivers&class_id=masters"), ("Entrants", "table=teams"),
                         ("Junior · Pro", "table=junior&class_id=pro"),
                         ("ANDIAL Cup · Masters", "table=andial&class_id=masters")]:
        assert f"{label} {overlay}&{query}" in lines, out
    pro = f"{overlay}&table=drivers&class_id=pro"
    for label, query in [("lower third · Pro", "layout=lower-third&driver=loek-hartog"), ("ticker · Pro", "layout=ticker"),
                         ("title fight · Pro", "layout=title-fight")]:
        assert f"{label} {pro}&{query}" in lines, out
    assert f"overlay builder: {base}/overlay/builder" in lines
    assert any(line.startswith("overlay options: &theme=dark|light|transparent · &rows=N") for line in lines)
    assert "Gap -0" not in out and "r02:" not in out
    assert not advertised.exists() and "Traceback" not in err


def test_without_the_demo_an_unknown_championship_still_lists_none(tmp_path):
    env = _env(STANDINGS_DATA_DIR=str(tmp_path))
    result = _standings(env, "table", "pccna-2024-sim")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: unknown championship 'pccna-2024-sim'; known: none (register one first)"
