"""IMSA-like season (rules/imsa-like-2025.yaml): every starter scores, a floor beyond the list,
co-drivers and their minimum drive times, two classes, team and manufacturer tables. Totals worked
out by hand in the comments.

Points by class position: 1st 350, 2nd 320, 3rd 300, 4th 280, 5th and below 250 (floor).
"""

from services.engine import standings
from tests.builders import car, classified, facts_of, points, registered, rules_file

# car number -> (driver, co-driver, team, class)
LINEUP = {
    "6": ("felipe-nasr", "nick-tandy", "penske", "gtp"),
    "7": ("mathieu-jaminet", "dane-cameron", "penske", "gtp"),
    "10": ("ricky-taylor", "filipe-albuquerque", "wtr", "gtp"),
    "31": ("pipo-derani", "jack-aitken", "action-express", "gtp"),
    "57": ("russell-ward", "philip-ellis", "winward", "gtd"),
    "96": ("robby-foley", "patrick-gallagher", "turner", "gtd"),
    "23": ("ross-gunn", "alex-riberas", "heart", "gtd"),
    "70": ("brendan-iribe", "frederik-schandorff", "inception", "gtd"),
    "12": ("frankie-montecalvo", "aaron-telitz", "vasser", "gtd"),
}
MAKE = {"6": "porsche", "7": "porsche", "10": "cadillac", "31": "cadillac", "57": "mercedes-amg", "96": "bmw",
        "23": "aston-martin", "70": "mclaren", "12": "lexus"}


def race(race_id: str, round_: int, order: list[str], status: dict | None = None, extra: dict | None = None,
         minutes: dict | None = None):
    """Cars in overall finishing order; class positions are derived from it. `minutes`: driver -> drive time."""
    minutes = minutes or {}
    entries = []
    for position, number in enumerate(order, start=1):
        driver, co_driver, team, class_id = LINEUP[number]
        co = [co_driver, *(extra or {}).get(number, [])]
        times = {"driver_drive_seconds": minutes[driver] * 60} if driver in minutes else {}
        entries.append(car(
            number, driver, position, team=team, class_id=class_id, manufacturer_id=MAKE[number],
            co_drivers=[{"driver_id": d, "name": d.replace("-", " ").title(),
                         **({"drive_seconds": minutes[d] * 60} if d in minutes else {})} for d in co],
            status=(status or {}).get(number, "classified"), **times,
        ))
    return classified(race_id, round_, entries)


def season(minutes: dict | None = None):
    """`minutes`: race id -> driver -> drive time in minutes (none given: every driver drove enough)."""
    minutes = minutes or {}
    return facts_of(
        registered(rules_file("imsa-like-2025.yaml")),
        # Daytona: a third driver (laurens-vanthoor) in #6; #7 retires but still scores its class position.
        race("daytona", 1, ["6", "10", "31", "7", "57", "96", "23", "70", "12"],
             status={"7": "dnf"}, extra={"6": ["laurens-vanthoor"]}, minutes=minutes.get("daytona")),
        race("sebring", 2, ["7", "31", "6", "10", "12", "23", "57", "96", "70"], minutes=minutes.get("sebring")),
        # #23 is not classified (still scores), #12 did not start (scores nothing).
        race("petit", 3, ["10", "6", "7", "31", "96", "70", "57", "23", "12"],
             status={"23": "not_classified", "12": "dns"}, minutes=minutes.get("petit")),
    )


def test_gtp_drivers_every_driver_of_a_car_scores_its_points():
    assert points(season(), "drivers/gtp") == {
        "felipe-nasr": 970,         # #6: 350 + 300 + 320
        "nick-tandy": 970,          # co-driver of #6: the same
        "ricky-taylor": 950,        # #10: 320 + 280 + 350
        "filipe-albuquerque": 950,
        "mathieu-jaminet": 930,     # #7: 280 (4th, DNF still scores) + 350 + 300
        "dane-cameron": 930,
        "pipo-derani": 900,         # #31: 300 + 320 + 280
        "jack-aitken": 900,
        "laurens-vanthoor": 350,    # only Daytona, in #6: 350
    }


def test_co_drivers_of_one_car_share_the_position():
    rows = standings(season())["drivers/gtp"]["rows"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["felipe-nasr"]["position"] == by_id["nick-tandy"]["position"] == 1
    assert by_id["felipe-nasr"]["shared"] and by_id["nick-tandy"]["shared"]
    assert by_id["laurens-vanthoor"]["position"] == 9


def test_gtd_floor_beyond_the_list_and_countback():
    facts = season()
    assert points(facts, "drivers/gtd") == {
        "robby-foley": 950,         # #96: 320 + 280 + 350     places 2, 4, 1
        "patrick-gallagher": 950,
        "russell-ward": 950,        # #57: 350 + 300 + 300     places 1, 3, 3
        "philip-ellis": 950,
        "ross-gunn": 900,           # #23: 300 + 320 + 280 (not classified still scores)
        "alex-riberas": 900,
        "brendan-iribe": 850,       # #70: 280 + 250 (5th: floor) + 320
        "frederik-schandorff": 850,
        "frankie-montecalvo": 600,  # #12: 250 (5th: floor) + 350 + 0 (DNS)
        "aaron-telitz": 600,
    }
    rows = {r["id"]: r for r in standings(facts)["drivers/gtd"]["rows"]}
    # 950 each: one win each, #96 has a second place, #57 none -> #96 ahead on countback
    # (co-drivers of one car share their position)
    assert [(rows[d]["position"], rows[d]["shared"]) for d in ("robby-foley", "russell-ward")] == [(1, True), (3, True)]
    daytona = rows["frankie-montecalvo"]["results"][0]
    assert (daytona["class_position"], daytona["place"], daytona["points"]) == (5, 5, 250)
    dns = rows["frankie-montecalvo"]["results"][2]
    assert (dns["status"], dns["place"], dns["points"]) == ("dns", None, 0)


def test_team_tables_per_class():
    facts = season()
    # penske: #6 970 + #7 930 = 1900
    assert points(facts, "teams/gtp") == {"penske": 1900, "wtr": 950, "action-express": 900}
    # best car of each team per race: penske 350 (Daytona #6) + 350 (Sebring #7) + 320 (#6) = 1020
    assert points(facts, "teams-best-car/gtp") == {"penske": 1020, "wtr": 950, "action-express": 900}
    # one car per GTD team: the car's points; turner ahead of winward on countback
    assert points(facts, "teams/gtd") == {"turner": 950, "winward": 950, "heart": 900, "inception": 850, "vasser": 600}


def test_a_driver_under_the_minimum_drive_time_scores_nothing_but_the_car_still_scores_for_the_team():
    facts = season({
        "daytona": {"felipe-nasr": 600, "nick-tandy": 500, "laurens-vanthoor": 180},  # 4 hours asked: 3 is short
        "sebring": {"felipe-nasr": 300, "nick-tandy": 120},   # 3 hours asked: tandy's 2 are short
        "petit": {"mathieu-jaminet": 44, "dane-cameron": 116},  # 45 minutes by default: 44 is short
    })
    scores = points(facts, "drivers/gtp")
    assert (scores["felipe-nasr"], scores["nick-tandy"], scores["laurens-vanthoor"]) == (970, 670, 0)  # tandy: 350 + 320
    assert (scores["mathieu-jaminet"], scores["dane-cameron"]) == (630, 930)  # jaminet: 280 + 350
    rows = {r["id"]: r for r in standings(facts)["drivers/gtp"]["rows"]}
    sebring = rows["nick-tandy"]["results"][1]
    assert (sebring["class_position"], sebring["place"], sebring["points"]) == (3, None, 0)
    assert points(facts, "teams/gtp") == {"penske": 1900, "wtr": 950, "action-express": 900}  # the cars in full


def test_manufacturers_score_their_best_car_per_class():
    facts = season()
    # GTP: porsche 350 (#6) + 350 (#7) + 320 (#6) = 1020; cadillac 320 (#10) + 320 (#31) + 350 (#10) = 990.
    assert points(facts, "manufacturers/gtp") == {"porsche": 1020, "cadillac": 990}
    # GTD: one car per make, so each make has its car's points; bmw ahead of mercedes-amg on countback.
    assert points(facts, "manufacturers/gtd") == {
        "bmw": 950, "mercedes-amg": 950, "aston-martin": 900, "mclaren": 850, "lexus": 600}
