"""Short races: a factor, or their own points (F1 from 2022), by completed distance and session type."""

import pydantic
import pytest

from services.engine import standings
from tests.builders import car, classified, facts_of, registered, small_rules

# F1 2022-2025: below 75% of the distance 19-14-12-9-8-6-5-3-2-1, below 50% 13-10-8-6-5-4-3-2-1,
# below 25% 6-4-3-2-1 (the sprint is not concerned); full points from 75%.
TIERS = [
    {"below_distance_pct": 75, "points": [19, 14, 12, 9, 8, 6, 5, 3, 2, 1], "session_types": ["race"]},
    {"below_distance_pct": 50, "points": [13, 10, 8, 6, 5, 4, 3, 2, 1], "session_types": ["race"]},
    {"below_distance_pct": 25, "points": [6, 4, 3, 2, 1], "session_types": ["race"]},
]


def points_for(distance_pct: float, session_type: str = "race", **kw) -> list[float]:
    rules = small_rules(points=[{"points": [25, 18, 15, 12, 10, 8, 6, 4, 2, 1]},
                                {"session_type": "sprint", "points": [8, 7, 6, 5, 4, 3, 2, 1]}],
                        short_race=TIERS, **kw)
    if session_type == "sprint":
        rules["calendar"][0]["races"][0]["session_type"] = "sprint"
    cars = [car(str(i), f"d{i}", i) for i in range(1, 7)]
    race = classified("r1", 1, cars, distance_pct=distance_pct, session_type=session_type)
    return [r["points"] for r in standings(facts_of(registered(rules), race))["drivers/pro"]["rows"]]


@pytest.mark.parametrize(("distance", "expected"), [
    (100, [25, 18, 15, 12, 10, 8]),
    (75, [25, 18, 15, 12, 10, 8]),     # 75% is not below 75%
    (60, [19, 14, 12, 9, 8, 6]),
    (40, [13, 10, 8, 6, 5, 4]),
    (10, [6, 4, 3, 2, 1, 0]),          # the lowest threshold the race is under decides
])
def test_a_short_race_pays_the_points_of_its_tier(distance, expected):
    assert points_for(distance) == expected


def test_tiers_name_their_session_types_and_the_calendar_factor_still_applies():
    assert points_for(40, "sprint") == [8, 7, 6, 5, 4, 3]
    rules_double = {"calendar": [{"round": 1, "track": "a", "races": [{"race_id": "r1", "factor": 2}]}]}
    assert points_for(40, **rules_double) == [26, 20, 16, 12, 10, 8]


def test_a_short_race_rule_gives_a_factor_or_points():
    with pytest.raises(pydantic.ValidationError, match="short_race.0\n.*give exactly one of factor or points"):
        registered(small_rules(short_race=[{"below_distance_pct": 75}]))
