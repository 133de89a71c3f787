"""IndyCar-like season (rules/indycar-like-2025.yaml): pole +1, led a lap +1, most laps led +2,
double points at the 500, retirements still score. Totals worked out by hand in the comments.

Points: 50-40-35-32-30-28-26-24-... ; at the 500 (factor 2): 100-80-70-64-60-56 (bonuses not doubled).
"""

from services.engine import standings
from tests.builders import award, car, classified, facts_of, points, registered, rules_file

CARS = {"alex-palou": "10", "josef-newgarden": "2", "scott-mclaughlin": "3",
        "pato-oward": "5", "colton-herta": "26", "will-power": "12"}
TEAMS = {"10": "ganassi", "2": "penske", "3": "penske", "12": "penske", "5": "mclaren", "26": "andretti"}


def race(race_id: str, round_: int, order: list[str], led: dict, pole: str, status: dict | None = None):
    """Drivers in finishing order, laps led per driver, the pole sitter."""
    entries = [
        car(CARS[d], d, i, team=TEAMS[CARS[d]], class_id="indycar", laps_led=led.get(d, 0),
            status=(status or {}).get(d, "classified"))
        for i, d in enumerate(order, start=1)
    ]
    return [classified(race_id, round_, entries),
            award("pole.awarded", race_id, round_, CARS[pole], pole, class_id="indycar")]


def season(last_round: int = 4):
    races = [
        race("stpete", 1, ["alex-palou", "josef-newgarden", "colton-herta", "pato-oward", "scott-mclaughlin", "will-power"],
             led={"alex-palou": 40, "josef-newgarden": 60, "will-power": 5}, pole="josef-newgarden",
             status={"will-power": "dnf"}),
        race("longbeach", 2, ["colton-herta", "alex-palou", "will-power", "josef-newgarden", "pato-oward", "scott-mclaughlin"],
             led={"colton-herta": 50, "will-power": 20, "scott-mclaughlin": 15}, pole="colton-herta",
             status={"scott-mclaughlin": "dnf"}),
        race("indy500", 3, ["josef-newgarden", "pato-oward", "alex-palou", "scott-mclaughlin", "colton-herta", "will-power"],
             led={"josef-newgarden": 90, "pato-oward": 70, "alex-palou": 40}, pole="alex-palou",
             status={"will-power": "not_classified"}),
        race("laguna", 4, ["alex-palou", "scott-mclaughlin", "will-power", "colton-herta", "josef-newgarden", "pato-oward"],
             led={"alex-palou": 70, "scott-mclaughlin": 30}, pole="scott-mclaughlin",
             status={"pato-oward": "dns"}),
    ]
    return facts_of(registered(rules_file("indycar-like-2025.yaml")), *[e for r in races[:last_round] for e in r])


def test_totals_and_order():
    assert points(season(), "drivers/indycar") == {
        # St Pete            Long Beach     Indy 500 (x2)           Laguna
        "alex-palou": 216,        # 50+1 led=51 + 40 + 70+1 pole+1 led=72 + 50+1 led+2 most=53
        "josef-newgarden": 209,   # 40+1 pole+1 led+2 most=44 + 32 + 100+1 led+2 most=103 + 30
        "colton-herta": 181,      # 35 + 50+1 pole+1 led+2 most=54 + 60 + 32
        "scott-mclaughlin": 165,  # 30 + 28+1 led=29 (DNF scores) + 64 + 40+1 pole+1 led=42
        "will-power": 156,        # 28+1 led=29 (DNF) + 35+1 led=36 + 56 (not classified) + 35
        "pato-oward": 143,        # 32 + 30 + 80+1 led=81 + 0 (DNS)
    }


def test_double_points_double_position_points_not_bonuses():
    row = next(r for r in standings(season())["drivers/indycar"]["rows"] if r["id"] == "josef-newgarden")
    indy = next(r for r in row["results"] if r["race_id"] == "indy500")
    assert (indy["points"], indy["bonus"]) == (100, 3)  # 50 x 2; led +1, most led +2


def test_retirement_scores_but_dns_does_not():
    rows = {r["id"]: r for r in standings(season())["drivers/indycar"]["rows"]}
    stpete = rows["will-power"]["results"][0]
    assert (stpete["status"], stpete["points"], stpete["bonus"]) == ("dnf", 28, 1)
    laguna = rows["pato-oward"]["results"][3]
    assert (laguna["status"], laguna["points"], laguna["bonus"]) == ("dns", 0, 0)


def test_who_can_still_win_with_one_race_left():
    # Nashville still to run: at most 50 + 1 + 1 + 2 = 54 more. Leader palou 216.
    rows = {r["id"]: (r["max_points"], r["can_still_win"]) for r in standings(season())["drivers/indycar"]["rows"]}
    assert rows == {
        "alex-palou": (270, True),         # 216 + 54
        "josef-newgarden": (263, True),    # 209 + 54
        "colton-herta": (235, True),       # 181 + 54
        "scott-mclaughlin": (219, True),   # 165 + 54 >= 216
        "will-power": (210, False),        # 156 + 54 < 216
        "pato-oward": (197, False),        # 143 + 54 < 216
    }


def test_entrants_sum_their_cars():
    # penske: newgarden 209 + mclaughlin 165 + power 156 = 530
    assert points(season(), "entrants/indycar") == {"penske": 530, "ganassi": 216, "andretti": 181, "mclaren": 143}


def test_the_double_points_race_still_to_run_counts_double_in_max_points():
    # After Long Beach palou has 51 + 40 = 91; left: 500 (100 + 4 bonus), Laguna 54, Nashville 54
    row = next(r for r in standings(season(last_round=2))["drivers/indycar"]["rows"] if r["id"] == "alex-palou")
    assert row["max_points"] == 91 + 104 + 54 + 54
