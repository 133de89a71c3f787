"""The overlay's layouts and themes in headless Chromium, at fixed data, through the real pipeline.

For each layout (tower, lower-third, ticker, title-fight) and theme (dark, light, transparent): a
screenshot in ``test-artifacts/overlay-<layout>-<theme>.png`` and assertions on the page: nothing
outside the 1920x1080 canvas, no text clipped (``scrollWidth <= clientWidth``), the header as high
with the PROVISIONAL badge as without it, the reorder animation finished, and no Content-Security-
Policy refusal. Also: the "unknown class" and "no results yet" states, ``rows=20`` fitting the canvas,
a manufacturers' table (F1 1975's constructors) shown like a teams table, and the builder page.
Data: the demo's real names (the longest among them), PCCNA 2024 rules with their branding.
Fixtures and helpers come from test_overlay_browser.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import redis

from services.demo.roster import ROSTER, Entrant
from services.runtime.redis import entry
from tests.builders import classified, f1_1975_season, registered, rules_file
from tests.e2e.chromium import ROOT, wait, wait_projected
from tests.e2e.test_overlay_browser import (  # noqa: F401  (fixtures)
    CID,
    assert_nothing_refused,
    browser,
    pipeline,
)

ARTIFACTS = ROOT / "test-artifacts"
LAYOUTS = ("tower", "lower-third", "ticker", "title-fight")
THEMES = ("dark", "light", "transparent")
PRO = [e for e in ROSTER if e.klass == 0 and not e.guest]  # 20 drivers, "Elias De La Torre" among them
BACKDROP = {"dark": "#5a6b7d", "light": "#2b3440", "transparent": "#7d8fa3"}  # what the overlay is keyed over


def cars(order: list[Entrant]) -> list[dict]:
    return [{"car_number": e.number, "driver_id": e.driver_id, "driver_name": e.name, "team_id": e.team_id,
             "team_name": e.team, "class_id": "pro", "position": i + 1, "laps": 20} for i, e in enumerate(order)]


def publish(redis_url: str, *events) -> None:
    client = redis.Redis.from_url(redis_url)
    for event in events:
        client.xadd("standings:events", entry(event.model_dump_json()))


def race(race_id: str, round_: int, order: list[Entrant], revision: int = 1, provisional: bool = False):
    return classified(race_id, round_, cars(order), revision=revision, provisional=provisional, championship_id=CID)


def season(redis_url: str, base: str, tmp_path: Path) -> None:
    """Round 1 final; round 2 provisional, with the longest name in the lead."""
    rules = rules_file("pccna-2024.yaml")
    longest = max(PRO, key=lambda e: len(e.name))
    publish(redis_url, registered(rules, championship_id=CID), race("r01", 1, PRO),
            race("r02", 2, [longest, *[e for e in PRO if e is not longest]], provisional=True))
    wait(lambda: _table(base)["after_round"] == 2, "two rounds projected", tmp_path)


def _table(base: str) -> dict:
    response = httpx.get(f"{base}/championships/{CID}/standings", params={"table": "drivers", "class_id": "pro"})
    return response.json()["tables"][0] if response.status_code == 200 else {"after_round": None, "provisional": None}


CHECKS = """
const outside = [...document.querySelectorAll('body *')].filter((e) => {
  if (e.closest('.ticker-view') && e.id !== 'ticker') return false;  // scrolls inside its clipped view by design
  const r = e.getBoundingClientRect();
  if (!r.width && !r.height) return false;
  return r.left < -0.5 || r.top < -0.5 || r.right > 1920.5 || r.bottom > 1080.5;
}).map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`);
const cells = '.fit, .pos, .pts, .gap, .num, .arrow, .state, .badge, .title, .round, .figure b, .result, .colhead span';
const clipped = [...document.querySelectorAll(cells)]
  .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth)
  .map((e) => `${e.className}: ${e.textContent} (${e.scrollWidth} > ${e.clientWidth})`);
return {outside, clipped, header: document.getElementById('header').getBoundingClientRect().height,
        view: document.body.dataset.view, provisional: !document.getElementById('provisional').hidden};
"""
SETTLED = "return document.getAnimations().filter((a) => a.id !== 'ticker' && a.playState !== 'finished').length === 0"


def open_overlay(chromium, url: str, theme: str, tmp_path: Path) -> None:
    chromium.get(url)
    wait(lambda: chromium.execute_script("return document.body.dataset.view") == "table", f"the table at {url}", tmp_path)
    wait(lambda: chromium.execute_script("return document.fonts.status") == "loaded", "fonts")
    wait(lambda: chromium.execute_script(SETTLED), "the animations to end", tmp_path)
    chromium.execute_script(f"document.documentElement.style.background = '{BACKDROP[theme]}'")


def checked(chromium, name: str) -> dict:
    page = chromium.execute_script(CHECKS)
    chromium.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    assert page["outside"] == [], page["outside"]
    assert page["clipped"] == [], page["clipped"]
    return page


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_in_every_theme(layout: str, pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    season(redis_url, pipeline, tmp_path)
    longest = max(PRO, key=lambda e: len(e.name))
    query = f"championship={CID}&table=drivers&class_id=pro&layout={layout}&driver={longest.driver_id}"
    heights = {}
    for theme in THEMES:
        open_overlay(browser, f"{pipeline}/overlay?{query}&theme={theme}", theme, tmp_path)
        page = checked(browser, f"overlay-{layout}-{theme}")
        assert page["provisional"], "round 2 is provisional"
        heights[theme] = page["header"]
    # round 2 made final, in a new order: the badge goes, the rows move, the header keeps its height
    final = list(reversed(PRO))
    publish(redis_url, race("r02", 2, final, revision=2))
    wait(lambda: browser.execute_script("return document.getElementById('provisional').hidden"), "the final table", tmp_path)
    wait(lambda: browser.execute_script(SETTLED), "the reorder animation to end", tmp_path)
    page = checked(browser, f"overlay-{layout}-final")
    assert page["header"] == heights["transparent"] > 0
    if layout in ("tower", "title-fight"):
        shown = browser.execute_script("return [...document.querySelectorAll('#rows li')].map((li) => li.dataset.id)")
        assert shown[0] == _table(pipeline)["rows"][0]["id"]
    assert_nothing_refused(browser)


def test_twenty_rows_fit_the_canvas(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    season(redis_url, pipeline, tmp_path)
    for gap, names in (("leader", "full"), ("interval", "short")):
        open_overlay(browser, f"{pipeline}/overlay?championship={CID}&class_id=pro&rows=20&gap={gap}&names={names}",
                     "dark", tmp_path)
        checked(browser, f"overlay-tower-20-rows-{gap}")
        bottoms = browser.execute_script(
            "return [...document.querySelectorAll('#rows li')].map((li) => li.getBoundingClientRect().bottom)")
        assert len(bottoms) == 20 and max(bottoms) <= 1080 - 54, bottoms
    assert_nothing_refused(browser)


def test_teams_table_has_no_empty_number_column(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    season(redis_url, pipeline, tmp_path)
    open_overlay(browser, f"{pipeline}/overlay?championship={CID}&table=teams", "dark", tmp_path)
    checked(browser, "overlay-tower-teams")
    assert browser.execute_script("return getComputedStyle(document.querySelector('#rows li .num')).width") == "0px"


def f1_1975(redis_url: str, base: str, tmp_path: Path) -> None:
    """Two races of F1 1975, whose constructors' table ranks the makes (kind manufacturers)."""
    publish(redis_url, *f1_1975_season())
    wait_projected(base, "f1-1975", "constructors", 2, tmp_path)


def test_manufacturers_table_shows_makes_like_teams(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    """F1 1975's constructors (a table of kind manufacturers): no car number, each make in its branding colour."""
    f1_1975(redis_url, pipeline, tmp_path)
    makes = httpx.get(f"{pipeline}/championships/f1-1975/branding").json()["manufacturers"]
    open_overlay(browser, f"{pipeline}/overlay?championship=f1-1975&table=constructors", "dark", tmp_path)
    checked(browser, "overlay-tower-manufacturers")
    shown = browser.execute_script("""return [...document.querySelectorAll('#rows li')].map((li) => [li.dataset.id,
        li.querySelector('.name').textContent, li.querySelector('.num').textContent,
        getComputedStyle(li.querySelector('.num')).width, getComputedStyle(li.querySelector('.bar')).backgroundColor])""")
    rgb = {i: "rgb({}, {}, {})".format(*bytes.fromhex(m["colour"][1:])) for i, m in makes.items()}
    assert shown == [[i, name, "", "0px", rgb[i]] for i, name in
                     (("mclaren-ford", "McLaren-Ford"), ("brabham-ford", "Brabham-Ford"), ("hesketh-ford", "Hesketh-Ford"))]
    open_overlay(browser, f"{pipeline}/overlay?championship=f1-1975&table=constructors&layout=lower-third"
                          "&driver=brabham-ford", "dark", tmp_path)
    who = browser.execute_script("return [...document.querySelectorAll('.who .fit')].map((e) => e.textContent)")
    assert who == ["Brabham-Ford", ""]  # no number, no team
    assert_nothing_refused(browser)


def test_builder_offers_the_makes_of_a_manufacturers_table(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.support.ui import Select

    f1_1975(redis_url, pipeline, tmp_path)
    browser.get(f"{pipeline}/overlay/builder")
    wait(lambda: browser.execute_script("return document.getElementById('table').options.length") == 2, "the tables")
    Select(browser.find_element("id", "table")).select_by_value("constructors")
    Select(browser.find_element("id", "layout")).select_by_value("lower-third")
    options = "return [...document.getElementById('driver').options].map((o) => o.textContent)"
    wait(lambda: browser.execute_script(options) == ["The leader", "1. McLaren-Ford", "2. Brabham-Ford", "3. Hesketh-Ford"],
         "the makes", tmp_path)
    assert browser.execute_script("return document.getElementById('driver-label').textContent") == "Manufacturer"


def test_unknown_class_says_so(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    season(redis_url, pipeline, tmp_path)
    browser.get(f"{pipeline}/overlay?championship={CID}&class_id=gt3")
    wait(lambda: browser.execute_script("return document.body.dataset.view") == "message", "the message", tmp_path)
    text = browser.execute_script("return document.getElementById('board').innerText")
    assert "UNKNOWN CLASS" in text and "'gt3'" in text and "Pro-Am (proam)" in text, text
    assert browser.execute_script("return document.body.dataset.status") == "error"
    checked(browser, "overlay-unknown-class")
    assert_nothing_refused(browser)


def test_no_results_yet_then_the_first_table(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    publish(redis_url, registered(rules_file("pccna-2024.yaml"), championship_id=CID))
    wait(lambda: httpx.get(f"{pipeline}/championships/{CID}/branding").status_code == 200, "the registration", tmp_path)
    browser.get(f"{pipeline}/overlay?championship={CID}&class_id=pro")
    wait(lambda: browser.execute_script("return document.body.dataset.view") == "empty", "the empty state", tmp_path)
    wait(lambda: browser.execute_script("return document.body.dataset.status") == "live", "the feed", tmp_path)
    assert "No results yet" in browser.execute_script("return document.getElementById('message').innerText")
    empty = checked(browser, "overlay-no-results")
    publish(redis_url, race("r01", 1, PRO))
    wait(lambda: browser.execute_script("return document.querySelectorAll('#rows li').length") == 10, "the table", tmp_path)
    wait(lambda: browser.execute_script(SETTLED), "the animations to end", tmp_path)
    assert checked(browser, "overlay-first-table")["header"] == empty["header"]
    assert_nothing_refused(browser)


def test_branding_endpoint_fills_defaults(pipeline: str, redis_url: str, tmp_path: Path) -> None:  # noqa: F811
    season(redis_url, pipeline, tmp_path)
    brand = httpx.get(f"{pipeline}/championships/{CID}/branding").json()
    assert [c["short_name"] for c in brand["classes"]] == ["PRO", "PRO-AM", "MASTERS"]
    assert brand["drivers"]["elias-de-la-torre"]["code"] == "DLT"
    assert brand["teams"]["wright-motorsports"] == {"name": "Wright Motorsports", "short_name": "Wright",
                                                    "colour": "#2b9348", "logo_url": None}
    assert httpx.get(f"{pipeline}/championships/nope/branding").status_code == 404


def test_builder_previews_and_copies_the_url(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.support.ui import Select

    season(redis_url, pipeline, tmp_path)
    browser.get(f"{pipeline}/overlay/builder")
    wait(lambda: browser.execute_script("return document.getElementById('class_id').options.length") == 3, "the classes")
    Select(browser.find_element("id", "class_id")).select_by_value("proam")
    Select(browser.find_element("id", "class_id")).select_by_value("pro")
    Select(browser.find_element("id", "layout")).select_by_value("lower-third")
    wait(lambda: browser.execute_script("return document.getElementById('driver').options.length") == 21, "the drivers")
    Select(browser.find_element("id", "driver")).select_by_value("elias-de-la-torre")
    Select(browser.find_element("id", "theme")).select_by_value("light")
    Select(browser.find_element("id", "backdrop")).select_by_value("dark")
    url = browser.find_element("id", "url").get_attribute("value")
    assert url == (f"{pipeline}/overlay?championship={CID}&class_id=pro&layout=lower-third"
                   f"&driver=elias-de-la-torre&theme=light"), url
    frame = browser.find_element("id", "frame")
    wait(lambda: frame.get_attribute("src") == url, "the preview to follow the URL")
    browser.switch_to.frame(frame)
    wait(lambda: browser.execute_script("return document.body.dataset.view") == "table", "the preview's table", tmp_path)
    assert "Elias De La Torre" in browser.execute_script("return document.querySelector('.who b').textContent")
    browser.switch_to.default_content()
    browser.find_element("id", "copy").click()
    wait(lambda: browser.find_element("id", "copy").text == "Copied", "the copy")
    browser.save_screenshot(str(ARTIFACTS / "overlay-builder.png"))
    assert_nothing_refused(browser)


def _gateway_child() -> int:
    """The pid of the gateway process this test's fixture started (a child of this process)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and b"services.gateway" in cmdline:
            return int(proc.name)
    raise AssertionError("no gateway child process")


def test_disconnected_dims_and_reconnects(pipeline: str, redis_url: str, browser, tmp_path: Path) -> None:  # noqa: F811
    season(redis_url, pipeline, tmp_path)
    open_overlay(browser, f"{pipeline}/overlay?championship={CID}&class_id=pro", "dark", tmp_path)
    os.kill(_gateway_child(), signal.SIGTERM)  # the fixture's own process; its teardown finds it gone
    wait(lambda: browser.execute_script("return document.body.dataset.status") == "reconnecting", "the reconnecting state")
    wait(lambda: browser.execute_script("return getComputedStyle(document.getElementById('board')).opacity") == "0.5", "dimmed")
    assert browser.execute_script("return document.getElementById('reconnecting').offsetParent !== null")
    checked(browser, "overlay-disconnected")
    port = pipeline.rsplit(":", 1)[1]
    env = {**os.environ, "REDIS_URL": redis_url, "STANDINGS_GATEWAY_PORT": port, "STANDINGS_LOG_FORMAT": "json"}
    with (tmp_path / "gateway-again.log").open("w") as log:
        again = subprocess.Popen([sys.executable, "-m", "services.gateway"], cwd=ROOT, env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
    try:
        wait(lambda: browser.execute_script("return document.body.dataset.status") == "live", "the feed back", tmp_path, 30)
        assert len(browser.execute_script("return [...document.querySelectorAll('#rows li')]")) == 10
        wait(lambda: browser.execute_script("return getComputedStyle(document.getElementById('board')).opacity") == "1",
              "no longer dimmed")
    finally:
        again.terminate()
        again.wait(10)
