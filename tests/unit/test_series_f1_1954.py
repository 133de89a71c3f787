"""F1 1954 (rules/f1-1954.yaml): 8-6-4-3-2 and a point for the fastest lap, shared drives split,
a shared fastest lap split, a driver in two cars of one race, best 5 of 9 results, the Indianapolis
500 counting. A small results set (drivers of 1954; the results are made up); worked out by hand.
"""

from services.engine import standings
from tests.builders import award, classified, facts_of, registered, rules_file

RACES = ["argentina", "indianapolis-500", "belgium", "france", "britain", "germany", "switzerland"]
FAN, GON, HAW, TRI, MOS, VUK = ("juan-manuel-fangio", "jose-froilan-gonzalez", "mike-hawthorn", "maurice-trintignant",
                                "stirling-moss", "bill-vukovich")


def entry(number: str, position: int, *drivers: str) -> dict:
    first, *co = drivers
    def name(d: str) -> str:
        return d.replace("-", " ").title()
    return {"car_number": number, "driver_id": first, "driver_name": name(first), "team_id": "works", "team_name": "Works",
            "class_id": "f1", "position": position, "laps": 80, "co_drivers": [{"driver_id": d, "name": name(d)} for d in co]}


def race(round_: int, *cars: tuple, fastest: tuple[str, str] | None = None, shared_with: list | None = None):
    race_id = RACES[round_ - 1]
    events = [classified(race_id, round_, [entry(number, i, *drivers) for i, (number, *drivers) in enumerate(cars, start=1)])]
    if fastest:
        events.append(award("fastest_lap.set", race_id, round_, *fastest, class_id="f1", shared_with=shared_with or []))
    return events


def season():
    return facts_of(
        registered(rules_file("f1-1954.yaml")),
        # Gonzalez and Hawthorn share the second car: 6 points, 3 each; Gonzalez set its fastest lap.
        *race(1, ("2", FAN), ("4", GON, HAW), ("6", TRI), fastest=("4", GON)),
        *race(2, ("14", VUK), ("3", "jimmy-bryan"), fastest=("14", VUK)),  # Indianapolis counts
        # Three drivers on the same fastest lap: 1/3 point each.
        *race(3, ("2", FAN), ("8", GON), ("10", MOS), fastest=("2", FAN),
              shared_with=[{"car_number": "8", "driver_id": GON}, {"car_number": "10", "driver_id": MOS}]),
        *race(4, ("2", FAN), ("8", GON), fastest=("2", FAN)),
        # Fangio finishes 2nd in his car and takes over Trintignant's, 4th: 6 + 3/2.
        *race(5, ("8", GON), ("2", FAN), ("6", HAW), ("12", TRI, FAN)),
        *race(6, ("2", FAN)),
        *race(7, ("8", GON), ("6", HAW), ("2", FAN)),
    )


def test_shared_drives_and_shared_fastest_laps_split_and_the_best_five_count():
    # fangio:    argentina 8, belgium 8 + 1/3, france 8 + 1, britain 6 + 1.5, germany 8, switzerland 4
    #            six results, best five: switzerland's 4 dropped -> 8 + 8.333 + 9 + 7.5 + 8 = 40.833
    # gonzalez:  argentina 6/2 + 1 (his fastest lap), belgium 6 + 1/3, france 6, britain 8, switzerland 8 = 32.333
    # hawthorn:  argentina 3, britain 4, switzerland 6 = 13.   vukovich: 8 + 1 = 9.   moss: 4 + 1/3.
    # trintignant: argentina 4, britain 3/2 = 5.5.   bryan: 6.
    rows = standings(season())["drivers/f1"]["rows"]
    assert [(r["id"], r["points"]) for r in rows] == [
        (FAN, 40.833), (GON, 32.333), (HAW, 13), (VUK, 9), ("jimmy-bryan", 6), (TRI, 5.5), (MOS, 4.333),
    ]
    fangio = rows[0]["results"]
    assert [(r["race_id"], r["points"] + r["bonus"], r["dropped"]) for r in fangio][3:] == [
        ("britain", 7.5, False), ("germany", 8, False), ("switzerland", 4, True)]
