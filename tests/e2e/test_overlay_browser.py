"""The overlay in headless Chromium, fed by the real pipeline: XADD → projector → gateway → SSE → DOM.

Projector and gateway run as processes (``python -m services.projector`` / ``services.gateway``)
against the test Redis. Chromium and ChromeDriver are Debian's (``/usr/bin``); nothing is
downloaded. The screenshot lands in ``test-artifacts/overlay.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from services.runtime.redis import entry
from tests.builders import car, classified, registered, rules_file
from tests.e2e.chromium import ROOT, chromium, needs_chromium, services, wait

CID = "pccna-2024"
pytestmark = needs_chromium


def race(race_id: str, round_: int, order: list[str]) -> str:
    cars = [car(str(10 + i), driver, i + 1, team=f"team-{driver}") for i, driver in enumerate(order)]
    return classified(race_id, round_, cars, championship_id=CID).model_dump_json()


@pytest.fixture
def pipeline(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """Projector and gateway processes on the test Redis; yields the gateway's base URL."""
    with services(redis_url, tmp_path) as base:
        yield base


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Headless Chromium at the overlay's 1920 x 1080 canvas."""
    with chromium(tmp_path / "chromium-profile", 1920, 1080) as driver:
        yield driver


def rows(browser) -> list[str]:
    """The competitor ids the overlay lists, top to bottom (DOM order)."""
    return browser.execute_script("return [...document.querySelectorAll('#rows li')].map(li => li.dataset.id)")


def test_overlay_shows_the_new_order_live(pipeline: str, redis_url: str, browser, tmp_path) -> None:
    """The new order reaches the overlay's DOM without a reload. How fast is a benchmark's business
    (bench/bench_gateway.py: XADD to the SSE client's change event); here the deadline only has to
    hold on a loaded 2-core machine."""
    events = redis.Redis.from_url(redis_url)
    events.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"), championship_id=CID).model_dump_json()))
    events.xadd("standings:events", entry(race("r01", 1, ["ann-lee", "bob-ray", "cy-fox", "dee-hill"])))
    browser.get(f"{pipeline}/overlay?championship={CID}&table=drivers&class_id=pro&rows=10&theme=dark")
    wait(lambda: rows(browser) == ["ann-lee", "bob-ray", "cy-fox", "dee-hill"], "the first table in the overlay", tmp_path)

    # r01 25-20-17-14 + r02 14-17-25-20: cy-fox 42, ann-lee 39, bob-ray 37, dee-hill 34
    events.xadd("standings:events", entry(race("r02", 2, ["cy-fox", "dee-hill", "bob-ray", "ann-lee"])))
    wait(lambda: rows(browser) == ["cy-fox", "ann-lee", "bob-ray", "dee-hill"], "the new order in the overlay", tmp_path)
    # the FLIP animation settles before the screenshot
    wait(lambda: browser.execute_script("return document.getAnimations().length === 0"), "the animations to end", tmp_path)
    assert_nothing_refused(browser)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    browser.save_screenshot(str(artifacts / "overlay.png"))
    assert browser.execute_script("return document.body.dataset.status") == "live"


def test_an_overlay_opened_before_the_registration_shows_the_table_once_it_is_projected(
        pipeline: str, redis_url: str, browser, tmp_path) -> None:
    """Set up in OBS before timing publishes anything: it says the championship is unknown, then shows it."""
    browser.get(f"{pipeline}/overlay?championship={CID}&table=drivers&class_id=pro")
    board = "return document.getElementById('board').innerText"
    wait(lambda: "UNKNOWN CHAMPIONSHIP" in browser.execute_script(board), "the unknown-championship message", tmp_path)
    events = redis.Redis.from_url(redis_url)
    events.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"), championship_id=CID).model_dump_json()))
    events.xadd("standings:events", entry(race("r01", 1, ["ann-lee", "bob-ray"])))
    wait(lambda: rows(browser) == ["ann-lee", "bob-ray"], "the table once the championship is projected", tmp_path)
    assert_nothing_refused(browser)


def test_standings_page_shows_tables_and_the_progression_chart(pipeline: str, redis_url: str, browser, tmp_path) -> None:
    events = redis.Redis.from_url(redis_url)
    events.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"), championship_id=CID).model_dump_json()))
    events.xadd("standings:events", entry(race("r01", 1, ["ann-lee", "bob-ray", "cy-fox"])))
    events.xadd("standings:events", entry(race("r02", 2, ["cy-fox", "bob-ray", "ann-lee"])))
    def projected() -> bool:  # the projector may take all three events in one batch: one version
        response = httpx.get(f"{pipeline}/championships/{CID}/standings", params={"table": "drivers", "class_id": "pro"})
        return response.status_code == 200 and response.json()["tables"][0]["after_round"] == 2

    wait(projected, "two races projected", tmp_path)
    browser.get(f"{pipeline}/championships/{CID}/page")
    lines = "return document.querySelectorAll('#chart svg polyline').length"
    wait(lambda: browser.execute_script(lines) == 3, "the chart's three lines")
    headings = browser.execute_script("return [...document.querySelectorAll('#tables h2')].map(h => h.textContent)")
    assert headings[0].startswith("Drivers · pro"), headings
    browser.save_screenshot(str(ROOT / "test-artifacts" / "standings-page.png"))
    assert_nothing_refused(browser)


def assert_nothing_refused(browser) -> None:
    """The pages work under their Content-Security-Policy: the console reports nothing it blocked."""
    refused = [m["message"] for m in browser.get_log("browser") if "Content Security Policy" in m["message"]]
    assert refused == []
