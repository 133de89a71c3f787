"""Porsche Carrera Cup North America, with the lead's rules files (rules/pccna-2023.yaml,
rules/pccna-2024.yaml). Hand-made results; totals worked out by hand in the comments.

Points by class position 25-20-17-14-12-10-9-8-7-6-5-4-3-2-1; pole +2, fastest lap +1, per class.
"""

from services.engine import standings
from tests.builders import award, car, classified, facts_of, points, registered, rules_file

# 2024 car number -> (driver, team, class)
CARS_2024 = {
    "24": ("loek-hartog", "kellymoss", "pro"),
    "44": ("alex-sedgwick", "kellymoss", "pro"),
    "20": ("michael-cooper", "mdk", "pro"),
    "99": ("guest-driver", "guest-racing", "pro"),  # a guest
    "21": ("moisey-uretsky", "jdx", "proam"),
    "80": ("marco-cirone", "aci", "proam"),
    "70": ("matt-halcome", "mdk", "masters"),
    "7": ("chris-bellomo", "aci", "masters"),
}


def race(cars: dict, race_id: str, round_: int, order: list[str], pole=(), fastest=(), status=None, **kw):
    """Car numbers in overall order (class positions derived); pole/fastest: car numbers."""
    entries = [
        car(n, cars[n][0], i, team=cars[n][1], class_id=cars[n][2], guest=cars[n][0] == "guest-driver",
            status=(status or {}).get(n, "classified"))
        for i, n in enumerate(order, start=1)
    ]
    events = [classified(race_id, round_, entries, **kw)]
    for kind, numbers in (("pole.awarded", pole), ("fastest_lap.set", fastest)):
        events += [award(kind, race_id, round_, n, cars[n][0], class_id=cars[n][2]) for n in numbers]
    return events


def season_2024(*, last_round: int = 4):
    races = [
        # Sebring: the guest wins Pro from pole (nobody gets his +2); hartog 1st of the scorers.
        race(CARS_2024, "r01", 1, ["99", "24", "20", "44", "21", "80", "70", "7"], pole=["99", "80", "70"], fastest=["24", "21"]),
        race(CARS_2024, "r02", 2, ["20", "44", "24", "80", "21", "7", "70"], pole=["20"], fastest=["44", "7"]),
        # Miami: the guest 2nd in Pro, sedgwick retires.
        race(CARS_2024, "r03", 3, ["24", "99", "20", "44", "21", "80", "70", "7"], pole=["24"], fastest=["24"],
             status={"44": "dnf"}),
        race(CARS_2024, "r04", 4, ["44", "24", "20", "80", "21", "70", "7"], pole=["44"], provisional=True),
    ]
    return facts_of(registered(rules_file("pccna-2024.yaml")), *[e for r in races[:last_round] for e in r])


#                   r01 Sebring          r02 Sebring        r03 Miami             r04 Miami
# Pro hartog        25 + 1 FL = 26       17                 25 + 2 + 1 = 28       20           = 91
#     cooper        20                   25 + 2 pole = 27   20 (3rd, guest 2nd)   17           = 84
#     sedgwick      17                   20 + 1 FL = 21     0 (DNF)               25 + 2 = 27  = 65
# ProAm uretsky     25 + 1 FL = 26       20                 25                    20           = 91
#       cirone      20 + 2 pole = 22     25                 20                    25           = 92
# Masters halcome   25 + 2 pole = 27     20                 25                    25           = 97
#         bellomo   20                   25 + 1 FL = 26     20                    20           = 86
def test_2024_class_tables_with_bonuses_and_a_guest():
    facts = season_2024()
    assert points(facts, "drivers/pro") == {"loek-hartog": 91, "michael-cooper": 84, "alex-sedgwick": 65}
    assert points(facts, "drivers/proam") == {"marco-cirone": 92, "moisey-uretsky": 91}
    assert points(facts, "drivers/masters") == {"matt-halcome": 97, "chris-bellomo": 86}


def test_2024_guest_scores_nothing_and_those_behind_move_up():
    rows = {r["id"]: r for r in standings(season_2024())["drivers/pro"]["rows"]}
    assert "guest-driver" not in rows
    miami = rows["michael-cooper"]["results"][2]
    assert (miami["class_position"], miami["place"], miami["points"]) == (3, 2, 20)
    assert rows["loek-hartog"]["wins"] == 2 and rows["loek-hartog"]["poles"] == 1  # the guest's pole gives nothing


def test_2024_junior_andial_and_entrants():
    facts = season_2024()
    assert points(facts, "junior/pro") == {"loek-hartog": 91, "alex-sedgwick": 65}
    # ANDIAL Cup: Sebring counts, Miami does not
    assert points(facts, "andial/pro") == {"michael-cooper": 47, "loek-hartog": 43, "alex-sedgwick": 38}  # 20+27, 26+17, 17+21
    assert points(facts, "andial/proam") == {"marco-cirone": 47, "moisey-uretsky": 46}  # 22+25, 26+20
    assert points(facts, "andial/masters") == {"matt-halcome": 47, "chris-bellomo": 46}  # 27+20, 20+26
    # Entrants, every class together: mdk 84 + 97, aci 92 + 86, kellymoss 91 + 65, jdx 91; no guest team
    assert points(facts, "teams/overall") == {"mdk": 181, "aci": 178, "kellymoss": 156, "jdx": 91}


def test_2024_as_of_an_earlier_round_and_change_since_the_previous_round():
    facts = season_2024()
    # after r03: uretsky 26 + 20 + 25 = 71, cirone 22 + 25 + 20 = 67
    assert points(facts, "drivers/proam", after_round=3) == {"moisey-uretsky": 71, "marco-cirone": 67}
    rows = standings(facts)["drivers/proam"]["rows"]
    assert [(r["id"], r["previous_position"], r["change"]) for r in rows] == [
        ("marco-cirone", 2, 1), ("moisey-uretsky", 1, -1),
    ]


def test_2024_provisional_results_flag_the_table():
    facts = season_2024()
    assert standings(facts)["drivers/pro"]["provisional"] is True  # r04 is provisional
    assert standings(facts, after_round=3)["drivers/pro"]["provisional"] is False
    r04 = standings(facts)["drivers/pro"]["rows"][0]["results"][3]
    assert (r04["race_id"], r04["provisional"]) == ("r04", True)


def test_2024_max_points_still_available():
    tables = standings(season_2024())
    # 12 races left, at most 25 + 2 + 1 = 28 each: 336
    hartog = tables["drivers/pro"]["rows"][0]
    assert (hartog["max_points"], tables["drivers/pro"]["races_remaining"]) == (91 + 336, 12)
    # ANDIAL Cup: 8 rounds left at its tracks (r07-r12, r15, r16): 224
    cooper = tables["andial/pro"]["rows"][0]
    assert (cooper["max_points"], tables["andial/pro"]["races_remaining"]) == (47 + 224, 8)


def test_2024_clinched_and_eliminated():
    # Masters: halcome wins every race from pole with the fastest lap (28), bellomo 2nd (20).
    facts = facts_of(
        registered(rules_file("pccna-2024.yaml")),
        *[e for n in range(1, 15)
          for e in race(CARS_2024, f"r{n:02d}", n, ["70", "7"], pole=["70"], fastest=["70"])],
    )

    def fight(after):
        return {r["id"]: (r["points"], r["max_points"], r["can_still_win"], r["clinched"])
                for r in standings(facts, after_round=after)["drivers/masters"]["rows"]}

    # after 12: halcome 12 x 28 = 336; bellomo 12 x 20 = 240, + 4 x 28 = 352 >= 336: still in it
    assert fight(12) == {"matt-halcome": (336, 448, True, False), "chris-bellomo": (240, 352, True, False)}
    # after 13: halcome 364; bellomo 260 + 3 x 28 = 344 < 364: eliminated, halcome clinched
    assert fight(13) == {"matt-halcome": (364, 448, True, True), "chris-bellomo": (260, 344, False, False)}


# 2023 ------------------------------------------------------------------------------------------

CARS_2023 = {
    "1": ("riley-dickinson", "jdx", "pro"),
    "2": ("will-martin", "jdx", "pro"),
    "3": ("kay-van-berlo", "kellymoss", "pro"),
    "21": ("moisey-uretsky", "jdx", "proam"),
    "80": ("marco-cirone", "aci", "proam"),
    "30": ("jordan-wallace", "topp", "proam"),
    "70": ("matt-halcome", "mdk", "am"),
    "7": ("chris-bellomo", "aci", "am"),
}


def season_2023(full: bool = False):
    def r(race_id, round_, pro, proam, am, **kw):
        return race(CARS_2023, race_id, round_, pro + proam + am, **kw)

    # r05-r14, when simulated: the same order every time (uretsky, cirone, wallace; halcome, bellomo)
    middle = [e for n in range(5, 15) for e in r(f"r{n:02d}", n, ["1", "2", "3"], ["21", "80", "30"], ["70", "7"])]
    return facts_of(
        registered(rules_file("pccna-2023.yaml")),
        *r("r01", 1, ["1", "2", "3"], ["21", "80", "30"], ["70", "7"]),
        *r("r02", 2, ["2", "1", "3"], ["80", "30", "21"], ["70", "7"]),
        *r("r03", 3, ["1", "2", "3"], ["30", "21", "80"], ["7", "70"], status={"80": "dnf"}),
        *r("r04", 4, ["2", "1", "3"], ["21", "80"], ["70", "7"]),  # wallace missed r04
        *(middle if full else []),
        # the last two races cannot be dropped
        *r("r15", 15, ["1", "2", "3"], ["30", "80", "21"], ["70", "7"]),
        *r("r16", 16, ["1", "2", "3"], ["80", "30", "21"], ["7", "70"]),
    )


def test_2023_pro_keeps_every_result():
    facts = season_2023()
    # dickinson 25+20+25+20+25+25 = 140; martin 20+25+20+25+20+20 = 130; van berlo 6 x 17 = 102
    assert points(facts, "drivers/pro") == {"riley-dickinson": 140, "will-martin": 130, "kay-van-berlo": 102}
    assert not any(x["dropped"] for row in standings(facts)["drivers/pro"]["rows"] for x in row["results"])
    assert points(facts, "junior/pro") == {"riley-dickinson": 140, "will-martin": 130}


def test_2023_drops_wait_for_the_season_to_need_them():
    # 6 of 16 races held and the best 14 count: nothing is dropped yet
    # uretsky 25+17+20+25+17+17 = 121; cirone 20+25+0+20+20+25 = 110; wallace 17+20+25+0+25+20 = 107
    facts = season_2023()
    assert points(facts, "drivers/proam") == {"moisey-uretsky": 121, "marco-cirone": 110, "jordan-wallace": 107}
    assert not any(x["dropped"] for row in standings(facts)["drivers/proam"]["rows"] for x in row["results"])


def test_2023_proam_drops_two_lowest_but_never_the_last_two_races():
    # The full season: the best 12 of r01-r14 count, plus r15 and r16 (protected).
    #            r01   r02   r03      r04         r05-r14   r15  r16
    # uretsky    25   [17]  [20]      25          10 x 25    17   17   = 25+25+250 + 34 = 334 (17s protected)
    # cirone    [20]   25   [0 DNF]   20          10 x 20    20   25   = 25+20+200 + 45 = 290 (equal 20s: earliest)
    # wallace   [17]   20   25       [0 missed]   10 x 17    25   20   = 20+25+170 + 45 = 260 (missed race first)
    facts = season_2023(full=True)
    assert points(facts, "drivers/proam") == {"moisey-uretsky": 334, "marco-cirone": 290, "jordan-wallace": 260}
    rows = standings(facts)["drivers/proam"]["rows"]
    dropped = {r["id"]: [x["race_id"] for x in r["results"] if x["dropped"]] for r in rows}
    assert dropped == {"moisey-uretsky": ["r02", "r03"], "marco-cirone": ["r01", "r03"], "jordan-wallace": ["r01"]}


def test_2023_am_drops_two_lowest():
    # halcome 25 25 20 25 + 10 x 25 | 25 20: drops r03 (20) and r01 (25, earliest): 25+25+250 + 45 = 345
    # bellomo 20 20 25 20 + 10 x 20 | 20 25: drops r01 and r02: 25+20+200 + 45 = 290
    assert points(season_2023(full=True), "drivers/am") == {"matt-halcome": 345, "chris-bellomo": 290}
