"""The overlay in headless Chromium, fed by the real pipeline: XADD → projector → gateway → SSE → DOM.

Projector and gateway run as processes (``python -m services.projector`` / ``services.gateway``)
against the test Redis. Chromium and ChromeDriver are Debian's (``/usr/bin``); nothing is
downloaded. The screenshot lands in ``test-artifacts/overlay.png``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from services.runtime.redis import entry
from services.runtime.server import free_port
from tests.builders import car, classified, registered, rules_file

CID = "pccna-2024"
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")


def race(race_id: str, round_: int, order: list[str]) -> str:
    cars = [car(str(10 + i), driver, i + 1, team=f"team-{driver}") for i, driver in enumerate(order)]
    return classified(race_id, round_, cars, championship_id=CID).model_dump_json()


@pytest.fixture
def pipeline(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """Projector and gateway processes on the test Redis; yields the gateway's base URL."""
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "STANDINGS_GATEWAY_PORT": str(port), "STANDINGS_LOG_FORMAT": "json"}
    procs = [subprocess.Popen([sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env,
                              stdout=(tmp_path / f"{name}.log").open("w"), stderr=subprocess.STDOUT)
             for name in ("projector", "gateway")]
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{base}/readyz").status_code == 200, "gateway ready", tmp_path)
        yield base
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def rows(browser) -> list[str]:
    """The competitor ids the overlay lists, top to bottom (DOM order)."""
    return browser.execute_script("return [...document.querySelectorAll('#rows li')].map(li => li.dataset.id)")


def _wait(condition, what: str, logs: Path | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    tails = [p.read_text()[-2000:] for p in logs.glob("*.log")] if logs else []
    raise AssertionError(f"timed out waiting for {what}; logs: {tails}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1920,1080", "--hide-scrollbars"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, CSP reports among them
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
    try:
        yield driver
    finally:
        driver.quit()


def test_overlay_shows_the_new_order_live(pipeline: str, redis_url: str, browser, tmp_path) -> None:
    """The new order reaches the overlay's DOM without a reload. How fast is a benchmark's business
    (bench/bench_gateway.py: XADD to the SSE client's change event); here the deadline only has to
    hold on a loaded 2-core machine."""
    events = redis.Redis.from_url(redis_url)
    events.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"), championship_id=CID).model_dump_json()))
    events.xadd("standings:events", entry(race("r01", 1, ["ann-lee", "bob-ray", "cy-fox", "dee-hill"])))
    browser.get(f"{pipeline}/overlay?championship={CID}&table=drivers&class_id=pro&rows=10&theme=dark")
    _wait(lambda: rows(browser) == ["ann-lee", "bob-ray", "cy-fox", "dee-hill"], "the first table in the overlay", tmp_path)

    # r01 25-20-17-14 + r02 14-17-25-20: cy-fox 42, ann-lee 39, bob-ray 37, dee-hill 34
    events.xadd("standings:events", entry(race("r02", 2, ["cy-fox", "dee-hill", "bob-ray", "ann-lee"])))
    _wait(lambda: rows(browser) == ["cy-fox", "ann-lee", "bob-ray", "dee-hill"], "the new order in the overlay", tmp_path)
    # the FLIP animation settles before the screenshot
    _wait(lambda: browser.execute_script("return document.getAnimations().length === 0"), "the animations to end", tmp_path)
    assert_nothing_refused(browser)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    browser.save_screenshot(str(artifacts / "overlay.png"))
    assert browser.execute_script("return document.body.dataset.status") == "live"


def test_standings_page_shows_tables_and_the_progression_chart(pipeline: str, redis_url: str, browser, tmp_path) -> None:
    events = redis.Redis.from_url(redis_url)
    events.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"), championship_id=CID).model_dump_json()))
    events.xadd("standings:events", entry(race("r01", 1, ["ann-lee", "bob-ray", "cy-fox"])))
    events.xadd("standings:events", entry(race("r02", 2, ["cy-fox", "bob-ray", "ann-lee"])))
    def projected() -> bool:  # the projector may take all three events in one batch: one version
        response = httpx.get(f"{pipeline}/championships/{CID}/standings", params={"table": "drivers", "class_id": "pro"})
        return response.status_code == 200 and response.json()["tables"][0]["after_round"] == 2

    _wait(projected, "two races projected", tmp_path)
    browser.get(f"{pipeline}/championships/{CID}/page")
    lines = "return document.querySelectorAll('#chart svg polyline').length"
    _wait(lambda: browser.execute_script(lines) == 3, "the chart's three lines")
    headings = browser.execute_script("return [...document.querySelectorAll('#tables h2')].map(h => h.textContent)")
    assert headings[0].startswith("Drivers · pro"), headings
    browser.save_screenshot(str(ROOT / "test-artifacts" / "standings-page.png"))
    assert_nothing_refused(browser)


def assert_nothing_refused(browser) -> None:
    """The pages work under their Content-Security-Policy: the console reports nothing it blocked."""
    refused = [m["message"] for m in browser.get_log("browser") if "Content Security Policy" in m["message"]]
    assert refused == []
