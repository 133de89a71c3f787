"""Why the order: countback, the rules' fallbacks, and the reason each tied row carries."""

import pytest

from services.engine import standings
from tests.builders import award, car, classified, facts_of, registered, small_rules


def race(round_: int, *drivers: str):
    """A race finished in the given order; each driver keeps one car number all season."""
    numbers = {"ann": "1", "bob": "2", "cy": "3", "dan": "4", "eve": "5"}
    return classified(f"r{round_}", round_, [car(numbers[d], d, i) for i, d in enumerate(drivers, start=1)])


def table(*events, **ranking) -> list[dict]:
    facts = facts_of(registered(small_rules(ranking=ranking)), *events)
    return standings(facts)["drivers/pro"]["rows"]


def test_each_tied_row_says_why_it_ranks_there():
    # 10-6-4-3-2-1. ann 10 (a win), dan 10 (a win), bob 4+6 = 10 (a 3rd, a 2nd), cy 6+4 = 10 (a 2nd, a 3rd), eve 3+3.
    rows = table(race(1, "ann", "cy", "bob", "eve"), race(2, "dan", "bob", "cy", "eve"))
    assert [(r["position"], r["id"], r["shared"]) for r in rows] == [
        (1, "ann", True), (1, "dan", True), (3, "bob", True), (3, "cy", True), (5, "eve", False),
    ]
    # The first of a group of equal points is compared with the one below, every other with the one above.
    shared = "on points and countback: position shared"
    assert [r["tiebreak"] for r in rows] == [
        {"rule": "shared", "versus": "dan", "ahead": True, "text": f"level with Dan (#4) {shared}"},
        {"rule": "shared", "versus": "ann", "ahead": False, "text": f"level with Ann (#1) {shared}"},
        {"rule": "countback", "versus": "dan", "ahead": False, "text": "behind Dan (#4) on countback, fewer wins: 0 to 1"},
        {"rule": "shared", "versus": "bob", "ahead": False, "text": f"level with Bob (#2) {shared}"},
        None,  # nobody else has 6 points
    ]


def test_countback_names_the_place_that_decided():
    # ann 6+4 = 10 (a 2nd, a 3rd), bob 4+3+3 = 10 (a 3rd, two 4ths): level on wins, ann has more 2nd places.
    rows = table(race(1, "cy", "ann", "bob"), race(2, "cy", "dan", "ann", "bob"), race(3, "cy", "dan", "eve", "bob"))
    assert [r["id"] for r in rows][2:4] == ["ann", "bob"]
    assert rows[2]["tiebreak"]["text"] == "ahead of Bob (#2) on countback, more 2nd places: 1 to 0"
    assert rows[3]["tiebreak"]["text"] == "behind Ann (#1) on countback, fewer 2nd places: 0 to 1"


def test_fallbacks_after_countback_then_share():
    # ann and bob: a win and a 2nd each (16 points): countback cannot part them.
    r1, r2 = race(1, "ann", "bob"), race(2, "bob", "ann")
    assert [r["position"] for r in table(r1, r2)] == [1, 1]
    # Most poles: bob has the only one (poles score nothing here: only the fallback reads them).
    rows = table(r1, r2, award("pole.awarded", "r1", 1, "2", "bob"), fallback=["poles", "latest_result"])
    assert [(r["position"], r["id"], r["tiebreak"]["rule"]) for r in rows] == [(1, "bob", "poles"), (2, "ann", "poles")]
    assert rows[0]["tiebreak"]["text"] == "ahead of Ann (#1) on poles: 1 to 0"
    # Level on poles too: the better place in the most recent race where they differ (r2: bob won it).
    rows = table(r1, r2, fallback=["poles", "latest_result"])
    assert [r["id"] for r in rows] == ["bob", "ann"]
    assert rows[1]["tiebreak"]["text"] == "behind Bob (#2) on the most recent race where they differ (r2): 2nd to 1st"
    # A later race neither of them placed in does not decide: r2 still does.
    rows = table(r1, r2, race(3, "cy", "dan"), fallback=["latest_result"])
    assert [r["id"] for r in rows][:2] == ["bob", "ann"]
    assert rows[0]["tiebreak"]["text"] == "ahead of Ann (#1) on the most recent race where they differ (r2): 1st to 2nd"


@pytest.mark.parametrize("tie", ["share", "name"])
def test_nothing_separates_them_shared_or_by_name(tie):
    rows = table(race(1, "bob", "ann"), race(2, "ann", "bob"), tie=tie)
    assert [r["tiebreak"]["rule"] for r in rows] == [tie if tie == "name" else "shared"] * 2
    assert [r["position"] for r in rows] == ([1, 1] if tie == "share" else [1, 2])
