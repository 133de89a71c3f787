"""The standings page and a driver's season page in headless Chromium, fed by the real pipeline
(projector and gateway as processes on the test Redis): the chart's legend and the table rows have
the lines' colours, hovering one highlights that driver's line (still after a live update), a row
level on points says why it ranks there (a producer's hostile name in it shown as text), nothing
overflows a 360-px phone, each name leads to the driver's (or make's) season page, the home page
says how far the season is, and the console reports nothing the Content-Security-Policy refused.
Screenshots in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from services.runtime.redis import entry
from tests.builders import car, classified, f1_1975_season, registered, rules_file
from tests.e2e.chromium import ROOT, chromium, console_errors, needs_chromium, services, wait, wait_projected

pytestmark = needs_chromium
CID = "pccna-2024"
LONG = "maximilian-von-hohenberg-lindqvist"  # a long name must wrap, not overflow
LONG_NAME = "Maximilian Von Hohenberg Lindqvist"
DRIVERS = ["ann-lee", "bob-ray", "cy-fox", LONG]


PROAM = ["pat-kim", "hostile", "al-ng", "dee-oh", "eve-ek"]
HOSTILE = '<img src=x onerror="alert(1)"> [b]Hostile</b>'  # a producer's name: shown as text, never markup


def race(race_id: str, round_: int, order: list[str], proam: list[str]) -> str:
    cars = [car(str(10 + i), driver, i + 1, team=f"team-{driver}") for i, driver in enumerate(order)]
    cars += [car(str(20 + PROAM.index(driver)), driver, len(order) + i + 1, team=f"team-{driver}", class_id="proam",
                 **({"driver_name": HOSTILE} if driver == "hostile" else {})) for i, driver in enumerate(proam)]
    return classified(race_id, round_, cars, championship_id=CID).model_dump_json()


@pytest.fixture
def site(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """Two races projected (r01 25-20-17-14, r02 14-17-25-20: cy-fox 42, ann-lee 39, bob-ray 37, the long name 34).

    Pro-Am: pat-kim 25 + 12 and the hostile name 20 + 17 are level on 37, pat-kim ahead on countback (a win).
    """
    with services(redis_url, tmp_path) as base:
        events = redis.Redis.from_url(redis_url)
        events.xadd("standings:events", entry(registered(rules_file("pccna-2024.yaml"), championship_id=CID).model_dump_json()))
        events.xadd("standings:events", entry(race("r01", 1, DRIVERS, PROAM)))
        events.xadd("standings:events", entry(race("r02", 2, ["cy-fox", LONG, "bob-ray", "ann-lee"],
                                                    ["al-ng", "dee-oh", "hostile", "eve-ek", "pat-kim"])))

        def projected() -> bool:
            response = httpx.get(f"{base}/championships/{CID}/standings", params={"table": "drivers", "class_id": "pro"})
            return response.status_code == 200 and response.json()["tables"][0]["after_round"] == 2

        wait(projected, "two races projected", tmp_path)
        yield base


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[object]:
    with chromium(tmp_path / "profile", 1280, 900) as driver:
        yield driver


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[object]:
    with chromium(tmp_path / "profile", 360, 740) as driver:
        yield driver


def open_page(browser, base: str) -> None:
    browser.get(f"{base}/championships/{CID}/page")
    lines = "return document.querySelectorAll('#chart svg polyline').length"
    wait(lambda: browser.execute_script(lines) == 4, "the chart's lines")


def screenshot(browser, name: str) -> None:
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    browser.save_screenshot(str(ROOT / "test-artifacts" / name))


def test_legend_and_rows_have_the_lines_colours(site: str, desktop) -> None:
    open_page(desktop, site)
    lines = desktop.execute_script("""return Object.fromEntries([...document.querySelectorAll('#chart polyline')]
        .map(l => [l.dataset.id, getComputedStyle(l).stroke]))""")
    legend = desktop.execute_script("""return Object.fromEntries([...document.querySelectorAll('#chart .legend li')]
        .map(li => [li.dataset.id, getComputedStyle(li.querySelector('.swatch')).backgroundColor]))""")
    rows = desktop.execute_script("""return Object.fromEntries(
        [...document.querySelectorAll('[data-table="drivers/pro"] tbody tr')]
        .map(tr => [tr.dataset.id, getComputedStyle(tr.querySelector('.swatch')).backgroundColor]))""")
    assert set(lines) == set(DRIVERS)
    assert legend == lines and rows == lines
    assert len(set(lines.values())) == 4, lines  # one colour per driver
    order = desktop.execute_script("return [...document.querySelectorAll('#chart .legend li .who')].map(w => w.textContent)")
    assert order == ["Cy Fox", "Ann Lee", "Bob Ray", LONG_NAME]
    screenshot(desktop, "standings-page-desktop.png")
    assert console_errors(desktop) == []


def focused(browser) -> dict:
    return browser.execute_script("""const svg = document.querySelector('#chart svg'), lines = svg.querySelectorAll('.line');
        return {focus: svg.classList.contains('focus'),
                on: [...svg.querySelectorAll('.line.on')].map(l => l.dataset.id),
                opacity: Object.fromEntries([...lines].map(l => [l.dataset.id, getComputedStyle(l).opacity])),
                width: Object.fromEntries([...lines].map(l => [l.dataset.id, getComputedStyle(l).strokeWidth])),
                top: svg.querySelector('polyline:last-of-type').dataset.id}""")


def test_hovering_a_legend_entry_or_a_row_highlights_the_line(site: str, redis_url: str, desktop) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_page(desktop, site)

    def hover(element) -> None:
        desktop.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        ActionChains(desktop).move_to_element(element).perform()

    hover(desktop.find_element(By.CSS_SELECTOR, '#chart .legend li[data-id="bob-ray"]'))
    wait(lambda: focused(desktop)["on"] == ["bob-ray"], "bob-ray's line highlighted from the legend")
    # the transition ends: the others faded, the chosen one opaque, wider and on top
    wait(lambda: all(float(o) < 0.2 for i, o in focused(desktop)["opacity"].items() if i != "bob-ray"), "the other lines faded")
    state = focused(desktop)
    assert state["focus"] and state["opacity"]["bob-ray"] == "1" and state["top"] == "bob-ray"
    assert float(state["width"]["bob-ray"].removesuffix("px")) > float(state["width"]["ann-lee"].removesuffix("px"))

    row = desktop.find_element(By.CSS_SELECTOR, '[data-table="drivers/pro"] tr[data-id="cy-fox"]')
    hover(row)
    wait(lambda: focused(desktop)["on"] == ["cy-fox"], "cy-fox's line highlighted from the table row")
    # a live update draws the table and the chart again under the pointer (same order): still highlighted
    r03 = race("r03", 3, ["cy-fox", "ann-lee", "bob-ray", LONG], PROAM)
    redis.Redis.from_url(redis_url).xadd("standings:events", entry(r03))
    rounds = "return document.querySelector('#chart polyline[data-id=\"cy-fox\"]').points.numberOfItems"
    wait(lambda: desktop.execute_script(rounds) == 3, "the chart after round 3")
    assert focused(desktop)["on"] == ["cy-fox"] and focused(desktop)["top"] == "cy-fox"
    hover(desktop.find_element(By.ID, "heading"))
    wait(lambda: not focused(desktop)["focus"], "no line highlighted once the pointer leaves")
    assert console_errors(desktop) == []


def test_tied_rows_say_why_they_rank_where_they_do(site: str, desktop) -> None:
    open_page(desktop, site)
    why = desktop.execute_script("""return [...document.querySelectorAll('[data-table="drivers/proam"] tbody tr')]
        .map(tr => [tr.dataset.id, (tr.querySelector('td.name .why') || {}).textContent || null])""")
    assert why == [["al-ng", None],
                   ["pat-kim", f"ahead of {HOSTILE} (#21) on countback, more wins: 1 to 0"],
                   ["hostile", "behind Pat Kim (#20) on countback, fewer wins: 0 to 1"],
                   ["dee-oh", None], ["eve-ek", None]]
    assert desktop.execute_script("return document.querySelectorAll('img, b').length") == 0  # no markup from a name
    shown = desktop.execute_script("""const why = document.querySelector('tr[data-id="pat-kim"] .why');
        why.scrollIntoView({block: 'center'}); const r = why.getBoundingClientRect(); return r.width > 0 && r.height > 0""")
    assert shown, "the reason is on screen, not only in a tooltip"
    screenshot(desktop, "standings-page-tiebreak.png")
    assert console_errors(desktop) == []


def test_nothing_overflows_a_360_px_phone(site: str, phone) -> None:
    open_page(phone, site)
    assert phone.execute_script("return window.innerWidth") == 360
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 360
    wrappers = phone.execute_script("return [...document.querySelectorAll('.scroll')].map(s => s.scrollWidth <= s.clientWidth)")
    assert wrappers and all(wrappers), "a table scrolls sideways inside its box"
    points = phone.execute_script("""return [...document.querySelectorAll('[data-table="drivers/pro"] .pts')].map(c => {
        const r = c.getBoundingClientRect(); return [c.textContent, r.width > 0 && r.left >= 0 && r.right <= 360]; })""")
    assert points == [["Pts", True], ["42", True], ["39", True], ["37", True], ["34", True]]
    clipped = phone.execute_script(
        "return [...document.querySelectorAll('#chart .legend .who')].filter(w => w.scrollWidth > w.clientWidth).length")
    assert clipped == 0, "a legend name is cut"
    screenshot(phone, "standings-page-360.png")
    phone.get(f"{site}/championships/{CID}/drivers/{LONG}/page")
    wait(lambda: phone.execute_script("return document.querySelectorAll('#results tbody tr').length") == 2, "the season page")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 360
    assert console_errors(phone) == []


def test_each_row_leads_to_the_drivers_season_page(site: str, desktop) -> None:
    from selenium.webdriver.common.by import By

    open_page(desktop, site)
    desktop.find_element(By.CSS_SELECTOR, f'[data-table="drivers/pro"] tr[data-id="{LONG}"] td.name a').click()
    wait(lambda: desktop.execute_script("return document.getElementById('heading').textContent")
         == LONG_NAME, "the season page's heading")
    assert desktop.current_url == f"{site}/championships/{CID}/drivers/{LONG}/page?table=drivers"
    wait(lambda: desktop.execute_script("return document.querySelectorAll('#results tbody tr').length") == 2, "two results")
    results = desktop.execute_script("""return [...document.querySelectorAll('#results tbody tr')]
        .map(tr => [...tr.cells].slice(0, 4).map(td => td.textContent))""")
    assert results == [["1", "r01", "4", "14"], ["2", "r02", "2", "20"]]
    standing = desktop.execute_script("return document.querySelector('#summary .standing li').textContent")
    assert standing.startswith("P4") and "34 pts" in standing
    assert desktop.execute_script("return document.querySelectorAll('#chart polyline').length") == 1
    screenshot(desktop, "season-page.png")
    assert console_errors(desktop) == []


def test_a_manufacturers_table_and_a_makes_season_page(redis_url: str, tmp_path: Path, desktop) -> None:
    """F1 1975's constructors (kind manufacturers): its tab, no car number or team, a make's season page."""
    from selenium.webdriver.common.by import By

    with services(redis_url, tmp_path) as base:
        events = redis.Redis.from_url(redis_url)
        for event in f1_1975_season():
            events.xadd("standings:events", entry(event.model_dump_json()))
        wait_projected(base, "f1-1975", "constructors", 2, tmp_path)
        desktop.get(f"{base}/championships/f1-1975/page")
        lines = "return [...document.querySelectorAll('#chart polyline')].map((l) => l.dataset.id)"
        wait(lambda: len(desktop.execute_script(lines)) == 4, "the drivers' chart")
        desktop.find_element(By.XPATH, "//nav[@id='tabs']/button[text()='constructors']").click()
        wait(lambda: desktop.execute_script(lines) == ["mclaren-ford", "brabham-ford", "hesketh-ford"], "the makes' chart")
        rows = desktop.execute_script("""return [...document.querySelectorAll('[data-table="constructors/f1"] tbody tr')]
            .map((tr) => [...tr.cells].slice(2, 6).map((td) => td.textContent))""")
        assert rows == [["", "McLaren-Ford", "", "15"], ["", "Brabham-Ford", "", "13"], ["", "Hesketh-Ford", "", "9"]]
        desktop.find_element(By.CSS_SELECTOR, '[data-table="constructors/f1"] tr[data-id="brabham-ford"] td.name a').click()
        wait(lambda: desktop.execute_script("return document.querySelectorAll('#results tbody tr').length") == 2, "two results")
        assert desktop.current_url == f"{base}/championships/f1-1975/manufacturers/brabham-ford/page?table=constructors"
        assert desktop.execute_script("return document.getElementById('heading').textContent") == "Brabham-Ford"
        summary = "return [...document.querySelectorAll('#summary p, #summary li')].map((e) => e.textContent)"
        assert desktop.execute_script(summary) == ["class f1", "P2 Constructors · 13 pts · -2"]
        assert console_errors(desktop) == []


def test_an_unknown_driver_gets_a_message(site: str, desktop) -> None:
    desktop.get(f"{site}/championships/{CID}/drivers/nobody/page")
    error = "return (document.querySelector('#summary .error') || {}).textContent"
    wait(lambda: "unknown driver 'nobody'" in (desktop.execute_script(error) or ""), "the 404's message")
    assert [m for m in console_errors(desktop) if "404" not in m] == []  # the failed fetch is logged, nothing else


def test_the_home_page_says_how_far_the_season_is(site: str, phone) -> None:
    phone.get(f"{site}/")
    note = "return (document.querySelector('#championships .note') || {}).textContent"
    wait(lambda: phone.execute_script(note) == "after round 2", "the championship's progress")
    assert "version" not in phone.execute_script("return document.body.innerText")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 360
    api = phone.execute_script("return document.querySelector('header a[href=\"/docs\"]').textContent")
    assert api == "API"
    assert console_errors(phone) == []
