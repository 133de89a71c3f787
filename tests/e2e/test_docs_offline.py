"""The API docs work with no internet: Swagger UI (/docs) and ReDoc (/redoc) come from the gateway
(``/docs-assets``, shipped by the fastapi-offline package), not a CDN, under the gateway's CSP.

Chromium resolves no host but loopback here (``chromium(offline=True)``), so a page still asking a
CDN would stay blank.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.chromium import ROOT, chromium, console_errors, needs_chromium, services, wait

pytestmark = needs_chromium


@pytest.fixture
def gateway(redis_url: str, tmp_path: Path) -> Iterator[str]:
    with services(redis_url, tmp_path, ("gateway",)) as base:
        yield base


@pytest.fixture
def offline_browser(tmp_path: Path) -> Iterator[object]:
    with chromium(tmp_path / "profile", offline=True) as driver:
        yield driver


def test_the_browser_really_is_offline(offline_browser) -> None:
    """The checks below mean something: a CDN host does not resolve in this browser."""
    from selenium.common.exceptions import WebDriverException

    with pytest.raises(WebDriverException, match="ERR_NAME_NOT_RESOLVED"):
        offline_browser.get("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")


def test_swagger_ui_renders_offline(gateway: str, offline_browser, tmp_path: Path) -> None:
    offline_browser.get(f"{gateway}/docs")
    operations = "return document.querySelectorAll('#swagger-ui .opblock').length"
    wait(lambda: offline_browser.execute_script(operations) >= 5, "Swagger UI's operations", tmp_path)
    summaries = offline_browser.execute_script(
        "return [...document.querySelectorAll('.opblock-summary-path')].map(p => p.textContent)")
    assert "/championships/{cid}/standings" in [s.replace("\u200b", "") for s in summaries]
    title = offline_browser.execute_script("return document.querySelector('.info .title').textContent")
    assert title.startswith("Standings gateway")
    resources = offline_browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(r.startswith(gateway) for r in resources), resources
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    offline_browser.save_screenshot(str(ROOT / "test-artifacts" / "docs-offline.png"))
    assert console_errors(offline_browser) == []


def test_swagger_ui_tries_a_request_offline(gateway: str, offline_browser, tmp_path: Path) -> None:
    """"Try it out" reaches the gateway: the CSP lets the docs call their own API."""
    offline_browser.get(f"{gateway}/docs#/health/healthz_healthz_get")
    wait(lambda: offline_browser.execute_script("return !!document.querySelector('#operations-health-healthz_healthz_get')"),
         "the healthz operation", tmp_path)
    offline_browser.execute_script("""
        const op = document.querySelector('#operations-health-healthz_healthz_get');
        if (!op.classList.contains('is-open')) op.querySelector('.opblock-summary-control').click();""")
    wait(lambda: offline_browser.execute_script("return !!document.querySelector('.try-out__btn')"), "Try it out", tmp_path)
    offline_browser.execute_script("document.querySelector('.try-out__btn').click()")
    wait(lambda: offline_browser.execute_script("return !!document.querySelector('.execute')"), "Execute", tmp_path)
    offline_browser.execute_script("document.querySelector('.execute').click()")
    body = "return (document.querySelector('.live-responses-table .response-col_description pre') || {}).textContent"
    wait(lambda: '"ok"' in (offline_browser.execute_script(body) or ""), "the live response", tmp_path)
    assert console_errors(offline_browser) == []


def test_redoc_renders_offline(gateway: str, offline_browser, tmp_path: Path) -> None:
    offline_browser.get(f"{gateway}/redoc")
    heading = "return (document.querySelector('.api-content h1') || {}).textContent"
    wait(lambda: (offline_browser.execute_script(heading) or "").startswith("Standings gateway"), "ReDoc's heading", tmp_path)
    operations = offline_browser.execute_script("return document.querySelectorAll('.api-content h2').length")
    assert operations >= 5
    # ReDoc's sidebar footer always shows Redocly's logo from their CDN (an <img> it drops when it fails
    # to load): the policy refuses it, and that is the one thing the page asks from outside.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    resources = offline_browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [r for r in resources if not r.startswith(gateway)] in ([], [logo]), resources
    assert [m for m in console_errors(offline_browser) if logo not in m] == []
    offline_browser.save_screenshot(str(ROOT / "test-artifacts" / "redoc-offline.png"))
