"""F1 1975 (rules/f1-1975.yaml): 9-6-4-3-2-1, best 6 results of each half of the season, half points
for a race stopped early, constructors scoring the best-placed car of each make. A small results set
(the drivers, cars and makes of 1975; the finishing orders are made up); totals worked out by hand.
"""

from services.engine import standings
from tests.builders import car, classified, facts_of, registered, rules_file

# driver -> (car number, make id, make)
CARS = {
    "emerson-fittipaldi": ("1", "mclaren-ford", "McLaren-Ford"),
    "james-hunt": ("24", "hesketh-ford", "Hesketh-Ford"),
    "carlos-reutemann": ("7", "brabham-ford", "Brabham-Ford"),
    "carlos-pace": ("8", "brabham-ford", "Brabham-Ford"),
}
FIT, HUN, REU, PAC = CARS
RACES = ["argentina", "brazil", "south-africa", "spain", "monaco", "belgium", "sweden", "netherlands"]


def race(round_: int, *order: str, **kw):
    entries = [car(CARS[d][0], d, i, team=CARS[d][1], class_id="f1", manufacturer_id=CARS[d][1], manufacturer_name=CARS[d][2])
               for i, d in enumerate(order, start=1)]
    return classified(RACES[round_ - 1], round_, entries, **kw)


def season(rounds: int = 8):
    return facts_of(registered(rules_file("f1-1975.yaml")), *[
        race(1, FIT, HUN, REU, PAC),
        race(2, PAC, FIT, REU, HUN),
        race(3, REU, FIT, PAC, HUN),
        race(4, FIT, REU, HUN, PAC, distance_pct=38.7),  # Spain: stopped after 29 of 75 laps, half points
        race(5, FIT, HUN, PAC, REU),
        race(6, REU, PAC, FIT, HUN),
        race(7, HUN, FIT, REU, PAC),
        race(8, PAC, HUN, FIT, REU),  # the first race of the second half
    ][:rounds])


def table(key: str) -> list[tuple[str, float]]:
    return [(r["id"], r["points"]) for r in standings(season())[key]["rows"]]


def test_drivers_best_six_of_the_first_seven_plus_the_second_half():
    # First half (Spain halved):  fittipaldi 9 6 6 4.5 9 4 6 = 44.5, drops 4 (belgium) -> 40.5
    #                             hunt       6 3 3 2   6 3 9 = 32,   drops 2 (spain)   -> 30
    #                             reutemann  4 4 9 3   3 9 4 = 36,   drops 3 (spain: the earlier of two 3s) -> 33
    #                             pace       3 9 4 1.5 4 6 3 = 30.5, drops 1.5 (spain) -> 29
    # Netherlands (second half): pace 9, hunt 6, fittipaldi 4, reutemann 3.
    assert table("drivers/f1") == [(FIT, 44.5), (PAC, 38), (REU, 36), (HUN, 36)]
    rows = {r["id"]: r for r in standings(season())["drivers/f1"]["rows"]}
    assert [r["race_id"] for r in rows[REU]["results"] if r["dropped"]] == ["spain"]
    # Reutemann and Hunt on 36: Reutemann's two wins to Hunt's one.
    assert rows[REU]["tiebreak"]["text"] == "ahead of James Hunt (#24) on countback, more wins: 2 to 1"


def test_constructors_score_the_best_placed_car_of_each_make():
    # Brabham-Ford's best car: 4 9 9 3 4 9 4 = 42, drops 3 (spain) -> 39; + netherlands 9 = 48.
    # McLaren-Ford: 9 6 6 4.5 9 4 6 = 44.5, drops 4 -> 40.5; + 4 = 44.5.  Hesketh-Ford: 32 - 2 = 30; + 6 = 36.
    assert table("constructors/f1") == [("brabham-ford", 48), ("mclaren-ford", 44.5), ("hesketh-ford", 36)]


def test_what_is_still_reachable_respects_each_half():
    # After round 8, six races are left and the second half counts 6 of its 7: Fittipaldi's best case
    # wins all six and drops the netherlands' 4: 40.5 + 6 * 9 = 94.5.
    rows = {r["id"]: r for r in standings(season())["drivers/f1"]["rows"]}
    assert rows[FIT]["max_points"] == 94.5
    # After round 7, nothing of the second half is held: the first half's 40.5 plus 6 wins.
    after_seven = {r["id"]: r["max_points"] for r in standings(season(7))["drivers/f1"]["rows"]}
    assert after_seven[FIT] == 40.5 + 54
