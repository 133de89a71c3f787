"""Properties of the pure engine over generated seasons (hypothesis)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import fact_key
from services.engine import standings
from tests.builders import adjusted, award, car, classified, facts_of, registered, small_rules

DRIVERS = ["ann", "bob", "cy", "dan", "eve", "fay"]
CO_DRIVERS = ["gus", "hal", "bob"]  # bob: sometimes one driver in two cars of one race
MIN_DRIVE_MINUTES = 30
RULES = small_rules(
    bonuses=[{"kind": "pole", "points": 2}, {"kind": "fastest_lap", "points": 1, "top_n": 3}],
    drops=[{"drop_worst": 1, "protected_races": ["r4"]}],
    tables=[{"id": "drivers", "name": "Drivers"}, {"id": "teams", "name": "Teams", "kind": "teams", "per_class": False},
            {"id": "makes", "name": "Manufacturers", "kind": "manufacturers", "cars_per_race": 1,
             "points": [{"points": [9, 6, 4, 3, 2, 1]}]}],
)


@st.composite
def race_versions(draw, round_: int):
    """One to three revisions of a race, each a different finishing order."""
    events = []
    for revision in range(1, draw(st.integers(1, 3)) + 1):
        order = draw(st.permutations(DRIVERS))
        cars = [
            car(str(i), d, pos, team="red" if i % 2 else "blue", class_id="am" if i > 4 else "pro",
                status=draw(st.sampled_from(["classified"] * 4 + ["dnf", "dsq"])), guest=d == "fay" and draw(st.booleans()),
                manufacturer_id="porsche" if i % 3 else "ferrari", **draw(crew(d)))
            for pos, d in enumerate(order, start=1)
            for i in [DRIVERS.index(d) + 1]
        ]
        events.append(classified(f"r{round_}", round_, cars, revision=revision))
    return events


@st.composite
def crew(draw, driver: str) -> dict:
    """Co-drivers of `driver`'s car, none most often, with drive times around the minimum (or none given)."""
    others = draw(st.lists(st.sampled_from([d for d in CO_DRIVERS if d != driver]), max_size=2, unique=True))
    if not others:
        return {}
    minutes = st.one_of(st.none(), st.sampled_from([MIN_DRIVE_MINUTES - 1, MIN_DRIVE_MINUTES, 90]))
    times = {d: draw(minutes) for d in [driver, *others]}
    fields = {"co_drivers": [{"driver_id": d, "name": d.title(), **({"drive_seconds": times[d] * 60} if times[d] else {})}
                             for d in others]}
    return fields | ({"driver_drive_seconds": times[driver] * 60} if times[driver] else {})


# A rules revision that changes the scoring (not the classes or calendar), e.g. pole paying 5 as in 2021.
REVISED = {**RULES, "bonuses": [{"kind": "pole", "points": 5}], "drops": []}


@st.composite
def options(draw):
    """The rules' options: who the drivers' tables list, how deep countback goes and what breaks a tie
    after it, the team table's own points tables and countback over its best car or all, whether the
    fastest-lap bonus counts in the drivers' table only, drops over the season or its parts (or
    drivers only), whose places the makes' table pays, where a disqualified car's place goes, and
    how a shared car scores its drivers."""
    team_points = [None, [{"points": [8, 5, 3]}], [{"points": [8, 5, 3]}, {"classes": ["am"], "points": [4], "floor": 1}]]
    parts = [{"first_round": 1, "last_round": 2, "best_of": 1}, {"first_round": 3, "last_round": 4, "drop_worst": 1}]
    drops = [RULES["drops"], [{"parts": parts, "protected_races": ["r4"]}], [{"best_of": 2, "tables": ["drivers"]}]]
    return {"listing": draw(st.sampled_from(["entrants", "finishers", "scorers"])),
            "ranking": {"countback_depth": draw(st.sampled_from(["all", "points_places"])),
                        "fallback": draw(st.lists(st.sampled_from(["poles", "fastest_laps", "latest_result"]), unique=True)),
                        "tie": draw(st.sampled_from(["share", "name"]))},
            "team_points": draw(st.sampled_from(team_points)),
            "countback_cars": draw(st.sampled_from(["best", "all"])),
            "lap_tables": draw(st.sampled_from([None, ["drivers"]])),
            "drops": draw(st.sampled_from(drops)),
            "make_places": draw(st.sampled_from(["cars", "counted_cars"])),
            "eligibility": {"disqualified_place": draw(st.sampled_from(["reallocated", "vacant"]))},
            "shared_drives": {"points": draw(st.sampled_from(["full", "split", "none"])),
                              "min_drive_minutes": draw(st.sampled_from([None, MIN_DRIVE_MINUTES]))}}


def with_options(rules: dict, chosen: dict) -> dict:
    drivers = {**rules["tables"][0], "listing": chosen["listing"]}
    teams = {**rules["tables"][1], "points": chosen["team_points"], "countback_cars": chosen["countback_cars"]}
    bonuses = [{**b, "tables": chosen["lap_tables"]} if b["kind"] == "fastest_lap" else b for b in rules["bonuses"]]
    drops = chosen["drops"] if rules["drops"] else []
    makes = {**rules["tables"][2], "places": chosen["make_places"]}
    return {**rules, "tables": [drivers, teams, makes], "bonuses": bonuses, "ranking": chosen["ranking"],
            "drops": drops, "eligibility": chosen["eligibility"], "shared_drives": chosen["shared_drives"]}


@st.composite
def seasons(draw):
    rounds = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4, unique=True))
    chosen = draw(options())
    events = [registered(with_options(RULES, chosen))]
    if draw(st.booleans()):
        events.append(registered(with_options(REVISED, chosen), revision=2))  # shuffled among the results by the tests
    for round_ in rounds:
        events += draw(race_versions(round_))
        number = draw(st.integers(1, 4))
        kind = draw(st.sampled_from(["pole.awarded", "fastest_lap.set"]))
        # a fastest lap may be shared with cars set the same time (1/k each), of either class
        others = draw(st.lists(st.sampled_from([n for n in range(1, 7) if n != number]), max_size=2, unique=True))
        shared = [{"car_number": str(n), "driver_id": DRIVERS[n - 1]} for n in others] if kind == "fastest_lap.set" else []
        events.append(award(kind, f"r{round_}", round_, str(number), DRIVERS[number - 1], revision=draw(st.integers(1, 2)),
                            shared_with=shared))
    for n in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["points_deduction", "result_excluded", "points_withheld", "disqualified"]))
        applies_to = draw(st.sampled_from(["all", "drivers", "teams"]))
        extra = {"points_deduction": {"points": 3}, "result_excluded": {"race_id": f"r{rounds[0]}", "applies_to": applies_to},
                 "points_withheld": {"race_id": f"r{rounds[-1]}", "applies_to": applies_to},
                 "disqualified": {"keep_points": draw(st.booleans()), "from_round": 2}}[kind]
        events.append(adjusted(f"a{n}", kind, draw(st.sampled_from(DRIVERS[:4])), **extra))
    return events


def tables_json(events) -> str:
    return json.dumps(standings(facts_of(*events)), sort_keys=True)


@settings(max_examples=150, deadline=None)
@given(seasons(), st.randoms(use_true_random=False))
def test_any_permutation_of_the_facts_gives_the_same_tables(events, random):
    shuffled = events[1:]
    random.shuffle(shuffled)
    assert tables_json([events[0], *shuffled]) == tables_json(events)


@settings(max_examples=100, deadline=None)
@given(seasons())
def test_applying_every_event_twice_equals_once(events):
    assert tables_json(events + events) == tables_json(events)


@settings(max_examples=100, deadline=None)
@given(seasons(), st.randoms(use_true_random=False))
def test_the_latest_revision_of_each_fact_wins(events, random):
    """Whatever the arrival order: the tables of the latest revision of each fact alone."""
    latest = {}
    for e in events:
        key = fact_key(e)
        if key not in latest or (e.payload.revision, e.event_id) > (latest[key].payload.revision, latest[key].event_id):
            latest[key] = e
    arrivals = events[1:]
    random.shuffle(arrivals)
    assert tables_json(list(latest.values())) == tables_json([events[0], *arrivals])


def expected_result_points(events) -> dict[tuple[str, str, str], float]:
    """(driver, race, class) -> points + bonus, computed here from the rules of the generated seasons, not by
    the engine: 10-6-4-3-2-1 among the classified non-guests of a class (a disqualified car holding
    its place when the rules leave it vacant); pole +2, or +5 under the revised rules; fastest lap
    +1 inside the top 3, shared 1/k by the k cars named, none under the revised rules. A shared car
    pays each driver who drove the minimum in full, an equal share of its position points or none,
    its awards going to the driver they name (the car's first driver here); a driver in two cars
    of a class adds them up."""
    facts = facts_of(*events)
    rules = facts["rules"].payload.rules
    revised = facts["rules"].payload.revision == 2
    pole_bonus, lap_bonus = (5, 0) if revised else (2, 1)
    vacant, mode = rules.eligibility.disqualified_place == "vacant", rules.shared_drives.points
    awards = {(k.split(":")[0], e.payload.race_id, e.payload.class_id): [e.payload.car_number,
                                                                         *(c.car_number for c in e.payload.shared_with)]
              for k, e in facts.items() if k.startswith(("pole:", "fastest_lap:"))}
    expected: dict[tuple[str, str, str], float] = {}
    for key, race in facts.items():
        if not key.startswith("race:"):
            continue
        race_id = race.payload.race_id
        for class_id in ("pro", "am"):
            cars = sorted((c for c in race.payload.entries if c.class_id == class_id), key=lambda c: c.position)
            holders = [c.car_number for c in cars if not c.guest and (c.status == "classified" or (vacant and c.status == "dsq"))]
            for c in cars:
                scores = c.status == "classified" and not c.guest
                place = holders.index(c.car_number) + 1 if scores else None
                points = [10, 6, 4, 3, 2, 1][place - 1] if place and place <= 6 else 0
                bonus = 0.0
                if not c.guest and c.car_number in awards.get(("pole", race_id, class_id), ()):
                    bonus += pole_bonus
                lap = awards.get(("fastest_lap", race_id, class_id), ())
                if place and place <= 3 and c.car_number in lap and lap_bonus:
                    bonus += round(lap_bonus / len(lap), 3)
                for driver, credit in crew_credits(c, rules.shared_drives.min_drive_minutes, mode, points, bonus).items():
                    expected[(driver, race_id, class_id)] = round(expected.get((driver, race_id, class_id), 0) + credit, 3)
    return expected


def crew_credits(c, min_minutes, mode: str, points: float, bonus: float) -> dict[str, float]:
    if not c.co_drivers:
        return {c.driver_id: points + bonus}
    crew = [(c.driver_id, c.driver_drive_seconds), *((d.driver_id, d.drive_seconds) for d in c.co_drivers)]
    drove = {d: min_minutes is None or seconds is None or seconds >= min_minutes * 60 for d, seconds in crew}
    if mode == "full":
        return {d: (points + bonus if ok else 0) for d, ok in drove.items()}
    share = 1 / sum(drove.values()) if mode == "split" and any(drove.values()) else 0
    return {d: (round(points * share, 3) + (bonus if d == c.driver_id else 0) if ok else 0) for d, ok in drove.items()}


@settings(max_examples=150, deadline=None)
@given(seasons())
def test_every_total_is_its_counted_results_plus_bonuses_minus_deductions(events):
    expected = expected_result_points(events)
    for key, table in standings(facts_of(*events)).items():
        for row in table["rows"]:
            if key.startswith("drivers/"):
                for r in row["results"]:
                    scored = 0 if r["withheld"] else expected[(row["id"], r["race_id"], table["class_id"])]
                    assert round(r["points"] + r["bonus"], 3) == scored, (row["id"], r)
            counted = sum(r["points"] + r["bonus"] for r in row["results"] if not (r["dropped"] or r["excluded"]))
            assert row["points"] == round(counted - row["deduction"], 3)
        for i, row in enumerate(table["rows"]):  # a row level on points with a neighbour says why it ranks there
            neighbours = table["rows"][max(0, i - 1): i] + table["rows"][i + 1: i + 2]
            assert (row["tiebreak"] is None) == all(other["points"] != row["points"] for other in neighbours)
            assert row["gap_to_leader"] == round(table["rows"][0]["points"] - row["points"], 3)
