"""Sim league (rules/sim-league-2025.yaml): best 3 of 5, a guest, a shared tie; and a variant that
orders a tie by name. Totals worked out by hand in the comments.

Points by place: 20, 15, 12, 10, 8, 6, ...
"""

from schemas.table_rules import Ranking
from services.engine import standings
from tests.builders import car, classified, facts_of, points, registered, rules_file

ANA, BEN, CLEO, DEV, ELI, GUS = "ana-alves", "ben-baker", "cleo-costa", "dev-dutta", "eli-evans", "gus-guest"


def race(race_id: str, round_: int, order: list[str]):
    return classified(race_id, round_, [
        car(str(i), d, i, team=d, class_id="main", guest=d == GUS) for i, d in enumerate(order, start=1)
    ])


RACES = [
    race("r1", 1, [GUS, ANA, BEN, CLEO, DEV, ELI]),  # the guest wins: ana takes the 20 points
    race("r2", 2, [BEN, ANA, DEV, CLEO, ELI]),
    race("r3", 3, [ANA, CLEO, ELI, DEV]),            # ben missed it
    race("r4", 4, [BEN, DEV, ELI, ANA, CLEO]),
    race("r5", 5, [ANA, ELI, BEN, CLEO, DEV]),
]

# Scores per race (best three, dropped in brackets):
#   ana   20  [15]  20  [10]  20       = 60
#   ben   15   20   --   20  [12]      = 55   (missed r3 is dropped first)
#   eli   [8] [8]   12   12   15       = 39
#   cleo  12  [10]  15   [8]  10       = 37   (equal 10s: the earlier one is dropped)
#   dev   [10] 12   10   15   [8]      = 37
# cleo and dev: the same places (2, 3, 4, 4, 5) in different races: a full countback tie.


def test_best_three_of_five_and_a_shared_tie():
    facts = facts_of(registered(rules_file("sim-league-2025.yaml")), *RACES)
    assert points(facts, "drivers/main") == {ANA: 60, BEN: 55, ELI: 39, CLEO: 37, DEV: 37}
    rows = standings(facts)["drivers/main"]["rows"]
    assert [(r["id"], r["position"], r["shared"]) for r in rows] == [
        (ANA, 1, False), (BEN, 2, False), (ELI, 3, False), (CLEO, 4, True), (DEV, 4, True),
    ]
    dropped = {r["id"]: [x["race_id"] for x in r["results"] if x["dropped"]] for r in rows}
    assert dropped == {ANA: ["r2", "r4"], BEN: ["r5"], ELI: ["r1", "r2"], CLEO: ["r2", "r4"], DEV: ["r1", "r5"]}


def test_a_guest_scores_nothing_and_those_behind_move_up():
    facts = facts_of(registered(rules_file("sim-league-2025.yaml")), *RACES)
    rows = {r["id"]: r for r in standings(facts)["drivers/main"]["rows"]}
    assert GUS not in rows
    r1 = rows[ANA]["results"][0]
    assert (r1["class_position"], r1["place"], r1["points"]) == (2, 1, 20)
    assert rows[ANA]["wins"] == 3  # r1 (behind the guest), r3, r5


def test_variant_orders_a_tie_by_name():
    rules = rules_file("sim-league-2025.yaml").model_copy(update={"ranking": Ranking(tie="name")})
    facts = facts_of(registered(rules), *RACES)
    rows = standings(facts)["drivers/main"]["rows"]
    assert [(r["id"], r["position"], r["shared"]) for r in rows[3:]] == [(CLEO, 4, False), (DEV, 5, False)]


def test_max_points_counts_only_the_best_three_possible():
    # After r2 (3 races left): ana has 20 + 15; at best three more wins: 20 + 20 + 20 = 60
    facts = facts_of(registered(rules_file("sim-league-2025.yaml")), *RACES[:2])
    rows = {r["id"]: r["max_points"] for r in standings(facts)["drivers/main"]["rows"]}
    assert rows[ANA] == 60 and rows[ELI] == 60
