"""The examples carried by the JSON Schema documents: one small, coherent championship.

Plain JSON-ready data (this module imports nothing from the models, which import it). The rules
are those the events are checked against: the race, the pole and the fastest lap are in its
calendar and classes, and `STANDINGS_CHANGED` is the record the projector writes when `RACE` lands
after `REGISTERED` (tests/unit/test_schema_documents.py holds all of this).
"""

from __future__ import annotations

CHAMPIONSHIP = "sprint-cup-2025"

RULES: dict = {
    "name": "Sprint Cup",
    "season": 2025,
    "classes": [{"id": "pro", "name": "Pro"}, {"id": "am", "name": "Am"}],
    "calendar": [
        {"round": 1, "track": "sebring", "races": [{"race_id": "r01"}]},
        {"round": 2, "track": "road-atlanta", "races": [{"race_id": "r02", "factor": 2}]},
    ],
    "points": [{"session_type": "race", "points": [25, 18, 15, 12, 10]}],
    "bonuses": [{"kind": "pole", "points": 1}, {"kind": "fastest_lap", "points": 1}],
    "tables": [
        {"id": "drivers", "name": "Drivers"},
        {"id": "teams", "name": "Teams", "kind": "teams", "per_class": False},
    ],
}

REGISTERED: dict = {
    "event_id": f"{CHAMPIONSHIP}:rules:r1",
    "type": "championship.registered",
    "championship_id": CHAMPIONSHIP,
    "occurred_at": "2025-01-15T12:00:00Z",
    "payload": {"revision": 1, "rules": RULES},
}

RACE: dict = {
    "event_id": f"{CHAMPIONSHIP}:r01:classification:r1",
    "type": "race.classified",
    "championship_id": CHAMPIONSHIP,
    "occurred_at": "2025-03-15T16:42:10-04:00",
    "payload": {
        "race_id": "r01",
        "round": 1,
        "revision": 1,
        "provisional": False,
        "entries": [
            {"car_number": "7", "driver_id": "ann-lee", "driver_name": "Ann Lee", "team_id": "lux-racing",
             "team_name": "Lux Racing", "class_id": "pro", "position": 1, "laps": 28, "laps_led": 20},
            {"car_number": "22", "driver_id": "bob-diaz", "driver_name": "Bob Diaz", "team_id": "apex-motorsport",
             "team_name": "Apex Motorsport", "class_id": "pro", "position": 2, "laps": 28, "laps_led": 8},
            {"car_number": "61", "driver_id": "cy-park", "driver_name": "Cy Park", "team_id": "lux-racing",
             "team_name": "Lux Racing", "class_id": "am", "position": 3, "laps": 27,
             "co_drivers": [{"driver_id": "dee-ray", "name": "Dee Ray"}]},
            {"car_number": "09", "driver_id": "eve-ito", "driver_name": "Eve Ito", "team_id": "apex-motorsport",
             "team_name": "Apex Motorsport", "class_id": "am", "position": 4, "laps": 12, "status": "dnf"},
        ],
    },
}

POLE: dict = {
    "event_id": f"{CHAMPIONSHIP}:r01:pole:pro:r1",
    "type": "pole.awarded",
    "championship_id": CHAMPIONSHIP,
    "occurred_at": "2025-03-14T15:10:00-04:00",
    "payload": {"race_id": "r01", "round": 1, "class_id": "pro", "car_number": "7", "driver_id": "ann-lee", "revision": 1},
}

FASTEST_LAP: dict = {
    "event_id": f"{CHAMPIONSHIP}:r01:fastest-lap:am:r1",
    "type": "fastest_lap.set",
    "championship_id": CHAMPIONSHIP,
    "occurred_at": "2025-03-15T16:42:10-04:00",
    "payload": {"race_id": "r01", "round": 1, "class_id": "am", "car_number": "61", "driver_id": "cy-park", "revision": 1},
}

ADJUSTED: dict = {
    "event_id": f"{CHAMPIONSHIP}:decision-014:r1",
    "type": "standings.adjusted",
    "championship_id": CHAMPIONSHIP,
    "occurred_at": "2025-03-15T18:05:00-04:00",
    "payload": {
        "adjustment_id": "decision-014",
        "revision": 1,
        "kind": "points_deduction",
        "subject": "driver",
        "subject_id": "bob-diaz",
        "class_id": "pro",
        "from_round": 1,
        "points": 5,
        "reason": "Causing a collision in race r01 (stewards' decision 14).",
    },
}

INPUT_EVENTS = [REGISTERED, RACE, POLE, FASTEST_LAP, ADJUSTED]

def _move(id_: str, name: str, to: int) -> dict:
    return {"id": id_, "name": name, "from": None, "to": to}


def _gain(id_: str, name: str, points: int) -> dict:
    return {"id": id_, "name": name, "points": points}


# What the projector publishes on standings:{sprint-cup-2025}:changes when RACE lands after REGISTERED
# (version 1 was the registration's): every driver and team is new, so each one moves from null.
# The Am class has no leader: its winning car's two drivers share first place.
STANDINGS_CHANGED: dict = {
    "event_id": f"{CHAMPIONSHIP}:v2",
    "type": "standings.changed",
    "schema_version": 2,
    "championship_id": CHAMPIONSHIP,
    "occurred_at": "2025-03-15T20:42:10Z",
    "payload": {
        "version": 2,
        "causes": [RACE["event_id"]],
        "changes": [
            {"table": "drivers/am", "table_id": "drivers", "class_id": "am",
             "moves": [_move("cy-park", "Cy Park", 1), _move("dee-ray", "Dee Ray", 1), _move("eve-ito", "Eve Ito", 3)],
             "points_gained": [_gain("cy-park", "Cy Park", 25), _gain("dee-ray", "Dee Ray", 25)],
             "leader_change": None, "clinched": None},
            {"table": "drivers/pro", "table_id": "drivers", "class_id": "pro",
             "moves": [_move("ann-lee", "Ann Lee", 1), _move("bob-diaz", "Bob Diaz", 2)],
             "points_gained": [_gain("ann-lee", "Ann Lee", 25), _gain("bob-diaz", "Bob Diaz", 18)],
             "leader_change": {"from": None, "to": "ann-lee"}, "clinched": None},
            {"table": "teams/overall", "table_id": "teams", "class_id": "overall",
             "moves": [_move("lux-racing", "Lux Racing", 1), _move("apex-motorsport", "Apex Motorsport", 2)],
             "points_gained": [_gain("lux-racing", "Lux Racing", 50), _gain("apex-motorsport", "Apex Motorsport", 18)],
             "leader_change": {"from": None, "to": "lux-racing"}, "clinched": None},
        ],
    },
}
