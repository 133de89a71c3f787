"""Small builders of valid events for tests: a season in a few lines."""

from __future__ import annotations

import itertools
from typing import Any

from schemas.events import Event, parse_event
from schemas.loading import load_rules
from schemas.rules import Rules

_ids = itertools.count(1)
WHEN = "2024-06-21T20:00:00Z"


def envelope(type_: str, payload: dict[str, Any], championship_id: str = "test-cup", event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or f"e{next(_ids):06d}",
        "type": type_,
        "championship_id": championship_id,
        "occurred_at": WHEN,
        "payload": payload,
    }


def registered(rules: Rules | dict, revision: int = 1, **kw: Any) -> Event:
    data = rules.model_dump(mode="json") if isinstance(rules, Rules) else rules
    return parse_event(envelope("championship.registered", {"revision": revision, "rules": data}, **kw))


def rules_file(name: str) -> Rules:
    from pathlib import Path

    return load_rules(Path(__file__).parent.parent / "rules" / name)


def car(number: str, driver: str, position: int, team: str = "team-a", class_id: str = "pro", **kw: Any) -> dict:
    """One classified car; the driver's name is derived from the id ('ann-lee' -> 'Ann Lee')."""
    return {
        "car_number": number,
        "driver_id": driver,
        "driver_name": driver.replace("-", " ").title(),
        "team_id": team,
        "team_name": team.replace("-", " ").title(),
        "class_id": class_id,
        "position": position,
        "laps": kw.pop("laps", 20),
        **kw,
    }


def classified(race_id: str, round_: int, cars: list[dict], track: str | None = None, revision: int = 1, **kw: Any) -> Event:
    championship = {k: kw.pop(k) for k in ("championship_id", "event_id") if k in kw}
    payload = {"race_id": race_id, "round": round_, "revision": revision, "entries": cars, **kw}
    if track is not None:
        payload["track"] = track
    return parse_event(envelope("race.classified", payload, **championship))


def award(kind: str, race_id: str, round_: int, number: str, driver: str, class_id: str = "pro", **kw: Any) -> Event:
    """kind: 'pole.awarded' or 'fastest_lap.set'."""
    payload = {"race_id": race_id, "round": round_, "class_id": class_id, "car_number": number, "driver_id": driver}
    return parse_event(envelope(kind, {**payload, **{k: v for k, v in kw.items() if k in ("revision", "shared_with")}}))


def adjusted(adjustment_id: str, kind: str, subject_id: str, **kw: Any) -> Event:
    payload = {"adjustment_id": adjustment_id, "kind": kind, "subject_id": subject_id, **kw}
    return parse_event(envelope("standings.adjusted", payload))


def small_rules(**sections: Any) -> dict:
    """A two-class, four-round championship scoring 10-6-4-3-2-1; sections override the defaults."""
    calendar = [{"round": n, "track": t, "races": [{"race_id": f"r{n}"}]} for n, t in enumerate("abcd", start=1)]
    return {
        "name": "Test Cup",
        "season": 2025,
        "classes": [{"id": "pro", "name": "Pro"}, {"id": "am", "name": "Am"}],
        "calendar": calendar,
        "points": [{"points": [10, 6, 4, 3, 2, 1]}],
        **sections,
    }


def facts_of(*events: Event) -> dict:
    from services.engine import record

    facts: dict = {}
    for event in events:
        record(facts, event)
    return facts


def points(facts: dict, table: str = "drivers/pro", **kw: Any) -> dict[str, int | float]:
    """Driver (or team) id -> points, in table order."""
    from services.engine import standings

    return {row["id"]: row["points"] for row in standings(facts, **kw)[table]["rows"]}


# F1 1975: driver -> (car number, entrant, make); the makes rank in the constructors' table (kind manufacturers).
F1_1975_CARS = {
    "emerson-fittipaldi": ("1", "marlboro-team-texaco", "McLaren-Ford"),
    "james-hunt": ("24", "hesketh-racing", "Hesketh-Ford"),
    "carlos-reutemann": ("7", "martini-racing", "Brabham-Ford"),
    "carlos-pace": ("8", "martini-racing", "Brabham-Ford"),
}


def f1_1975_season(championship_id: str = "f1-1975") -> list[Event]:
    """F1 1975's rules and two races of three makes (9-6-4-3-2-1, each make's best car scores).

    Constructors: McLaren-Ford 9 + 6 = 15, Brabham-Ford 4 + 9 = 13, Hesketh-Ford 6 + 3 = 9.
    Drivers: Fittipaldi 15, Pace 12, Hunt 9, Reutemann 8.
    """
    def race(race_id: str, round_: int, *order: str) -> Event:
        cars = []
        for position, driver in enumerate(order, start=1):
            number, team, make = F1_1975_CARS[driver]
            cars.append(car(number, driver, position, team=team, class_id="f1",
                            manufacturer_id=make.lower(), manufacturer_name=make))
        return classified(race_id, round_, cars, championship_id=championship_id)

    fittipaldi, hunt, reutemann, pace = F1_1975_CARS
    return [registered(rules_file("f1-1975.yaml"), championship_id=championship_id),
            race("argentina", 1, fittipaldi, hunt, reutemann, pace),
            race("brazil", 2, pace, fittipaldi, reutemann, hunt)]
