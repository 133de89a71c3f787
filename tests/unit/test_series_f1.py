"""F1-like season (rules/f1-like-2025.yaml): sprint table, fastest lap only inside the top 10,
half points for a short race, double points, a dead heat, a deduction, an excluded result and
countback. Totals worked out by hand in the comments.
"""


from services.engine import standings
from tests.builders import (
    adjusted,
    award,
    car,
    classified,
    facts_of,
    points,
    registered,
    rules_file,
)

TEAM = {"max-verstappen": "red-bull", "sergio-perez": "red-bull", "lewis-hamilton": "mercedes",
        "george-russell": "mercedes", "charles-leclerc": "ferrari", "lando-norris": "mclaren"}
NUMBER = {"max-verstappen": "1", "sergio-perez": "11", "lewis-hamilton": "44",
          "george-russell": "63", "charles-leclerc": "16", "lando-norris": "4"}


def entry(driver: str, position: int, **kw) -> dict:
    return car(NUMBER.get(driver, driver[:8]), driver, position, team=TEAM.get(driver, "backmarker"), class_id="f1", **kw)


def race(race_id: str, round_: int, order: list[str], fastest: str | None = None, **kw):
    events = [classified(race_id, round_, [entry(d, i) for i, d in enumerate(order, start=1)], **kw)]
    if fastest:
        events.append(award("fastest_lap.set", race_id, round_, NUMBER[fastest], fastest, class_id="f1"))
    return events


VER, PER, HAM, RUS, LEC, NOR = TEAM


def season(*extra):
    bahrain = classified("bahrain", 1, [
        entry(VER, 1), entry(HAM, 2),
        entry(PER, 3, dead_heat=True), entry(LEC, 3, dead_heat=True),  # dead heat for 3rd
        entry(NOR, 5), entry(RUS, 6, status="dnf"),
    ])
    return facts_of(
        registered(rules_file("f1-like-2025.yaml")),
        bahrain,
        award("fastest_lap.set", "bahrain", 1, "63", RUS, class_id="f1"),  # DNF: no point
        *race("china-sprint", 2, [LEC, VER, NOR, HAM, RUS, PER], fastest=VER, session_type="sprint"),  # no FL point in a sprint
        *race("china", 2, [HAM, LEC, VER, RUS, PER, NOR], fastest=NOR),  # 6th: inside the top 10, +1
        *race("belgium", 3, [VER, RUS, HAM, NOR, LEC, PER], distance_pct=40),  # short: half points
        *race("abu-dhabi", 4, [LEC, VER, HAM, PER, NOR, RUS], fastest=HAM),  # double points; FL +1 not doubled
        *extra,
    )


# Per race:        Bahrain  Sprint  China  Belgium(x0.5)  Abu Dhabi(x2)
#   verstappen       25       7      15      12.5           36        = 95.5
#   hamilton         18       5      25       7.5           30+1 FL   = 86.5
#   leclerc          13.5     8      18       5             50        = 94.5   (dead heat: (15+12)/2)
#   perez            13.5     3      10       4             24        = 54.5
#   norris           10       6       8+1 FL  6             20        = 51
#   russell           0 DNF   4      12       9             16        = 41
def test_totals_and_order_before_adjustments():
    assert points(season(), "drivers/f1") == {
        VER: 95.5, LEC: 94.5, HAM: 86.5, PER: 54.5, NOR: 51, RUS: 41,
    }


def test_dead_heat_shares_the_points_of_the_positions_it_covers():
    rows = {r["id"]: r for r in standings(season())["drivers/f1"]["rows"]}
    for driver in (PER, LEC):
        bahrain = rows[driver]["results"][0]
        assert (bahrain["class_position"], bahrain["place"], bahrain["points"]) == (3, 3, 13.5)
    assert rows[NOR]["results"][0]["points"] == 10  # 5th after two cars shared 3rd and 4th


def test_session_points_factors_and_fastest_lap():
    rows = {r["id"]: {x["race_id"]: (x["points"], x["bonus"]) for x in r["results"]}
            for r in standings(season())["drivers/f1"]["rows"]}
    assert rows[VER]["china-sprint"] == (7, 0)      # sprint 2nd: 7; fastest lap not counted in sprints
    assert rows[NOR]["china"] == (8, 1)             # 6th: 8, fastest lap inside the top 10: +1
    assert rows[RUS]["bahrain"] == (0, 0)           # fastest lap but did not finish: nothing
    assert rows[HAM]["belgium"] == (7.5, 0)         # 15 x 0.5
    assert rows[LEC]["abu-dhabi"] == (50, 0)        # 25 x 2
    assert rows[HAM]["abu-dhabi"] == (30, 1)        # 15 x 2, fastest lap +1 (not doubled)


def test_fastest_lap_from_eleventh_scores_nothing():
    field = [f"driver-{n:02d}" for n in range(1, 12)]
    facts = facts_of(
        registered(rules_file("f1-like-2025.yaml")),
        classified("bahrain", 1, [car(str(n), d, n, class_id="f1") for n, d in enumerate(field, start=1)]),
        award("fastest_lap.set", "bahrain", 1, "11", "driver-11", class_id="f1"),
        award("fastest_lap.set", "china", 2, "10", "driver-10", class_id="f1"),
        classified("china", 2, [car(str(n), d, n, class_id="f1") for n, d in enumerate(field, start=1)]),
    )
    totals = points(facts, "drivers/f1")
    assert totals["driver-11"] == 0                # 11th: no points, no fastest-lap point
    assert totals["driver-10"] == 1 + 1 + 1        # 10th twice (1 + 1) and fastest lap in China from 10th: +1


def adjustments():
    return (
        adjusted("ver-penalty", "points_deduction", VER, points=1, from_round=4),
        adjusted("ham-dsq-china", "result_excluded", HAM, race_id="china", from_round=2),
    )


def test_deduction_and_excluded_result_then_countback():
    facts = season(*adjustments())
    # verstappen 95.5 - 1 = 94.5, level with leclerc 94.5: grand prix wins 2 (Bahrain, Belgium)
    # against 1 (Abu Dhabi); leclerc's sprint win does not count back.
    # hamilton 86.5 - 25 (China excluded) = 61.5
    assert points(facts, "drivers/f1") == {VER: 94.5, LEC: 94.5, HAM: 61.5, PER: 54.5, NOR: 51, RUS: 41}
    rows = standings(facts)["drivers/f1"]["rows"]
    assert [(r["id"], r["position"], r["shared"]) for r in rows[:2]] == [(VER, 1, False), (LEC, 2, False)]
    ham = next(r for r in rows if r["id"] == HAM)
    assert [r["race_id"] for r in ham["results"] if r["excluded"]] == ["china"]


def test_deduction_applies_from_its_round_only():
    facts = season(*adjustments())
    # after round 3: verstappen 25 + 7 + 15 + 12.5 = 59.5, no deduction yet;
    # hamilton 18 + 5 + 25 + 7.5 - 25 (China excluded from round 2) = 30.5
    after3 = points(facts, "drivers/f1", after_round=3)
    assert after3[VER] == 59.5 and after3[HAM] == 30.5


def test_constructors_sum_both_cars():
    # red-bull 95.5 + 54.5 = 150; mercedes 86.5 + 41 = 127.5 (driver adjustments do not touch teams)
    assert points(season(), "constructors/f1") == {"red-bull": 150, "mercedes": 127.5, "ferrari": 94.5, "mclaren": 51}


def test_an_excluded_win_is_not_a_win():
    facts = season(*adjustments())
    ham = next(r for r in standings(facts)["drivers/f1"]["rows"] if r["id"] == HAM)
    assert ham["wins"] == 0  # his only grand prix win (China) was excluded


def test_an_excluded_result_also_leaves_the_constructors_table():
    facts = season(*adjustments())
    # mercedes 127.5 - hamilton's 25 in China = 102.5 (russell keeps his 12)
    assert points(facts, "constructors/f1")["mercedes"] == 102.5
