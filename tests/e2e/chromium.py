"""Helpers for the browser tests of the pages: Debian's headless Chromium through Selenium and
``/usr/bin/chromedriver`` (nothing downloaded), and the gateway (plus the projector) as processes.

``offline=True`` starts Chromium with a host resolver that resolves nothing but loopback, so a page
that needs a CDN (or any other host) fails to load it, as it would in a broadcast truck offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from services.runtime.server import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                    reason="needs Debian's chromium and chromium-driver (apt-get install them)")
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


def wait(condition: Callable[[], object], what: str, logs: Path | None = None, timeout: float = 20) -> None:
    """Polls `condition` until it is true; fails naming `what` (with the services' log tails)."""
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


def wait_projected(base: str, cid: str, table: str, after_round: int, logs: Path) -> None:
    """Waits until the gateway at `base` serves `table` of championship `cid` after round `after_round`."""
    def projected() -> bool:
        response = httpx.get(f"{base}/championships/{cid}/standings", params={"table": table})
        return response.status_code == 200 and response.json()["tables"][0]["after_round"] == after_round

    wait(projected, f"{cid}'s {table} after round {after_round}", logs)


@contextmanager
def services(redis_url: str, logs: Path, names: tuple[str, ...] = ("projector", "gateway")) -> Iterator[str]:
    """`python -m services.<name>` processes on the test Redis; yields the gateway's base URL once ready."""
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "STANDINGS_GATEWAY_PORT": str(port), "STANDINGS_LOG_FORMAT": "json"}
    procs = [subprocess.Popen([sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env,
                              stdout=(logs / f"{name}.log").open("w"), stderr=subprocess.STDOUT)
             for name in names]
    base = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{base}/readyz").status_code == 200, "gateway ready", logs)
        yield base
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


@contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 900, offline: bool = False) -> Iterator[object]:
    """A headless Chromium whose viewport is `width` × `height` CSS pixels; console messages kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},{height}", "--hide-scrollbars", *([OFFLINE] if offline else [])):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, CSP reports among them
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(browser) -> list[str]:
    """Console messages at level SEVERE, and every Content-Security-Policy report (read once: the log empties)."""
    return [m["message"] for m in browser.get_log("browser")
            if m["level"] == "SEVERE" or "Content Security Policy" in m["message"]]
