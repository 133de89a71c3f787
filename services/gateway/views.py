"""Read views computed from tables and facts: pure functions, no I/O.

Historical views are not stored: ``standings(facts, after_round=N)`` from the pure engine gives
the tables as of any round, so a season's progression is one engine call per round held.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemas.events import Event
from services.engine import Memory, rules_of, standings


class NotFound(LookupError):
    """An unknown championship, table, class or competitor; the message says what exists."""


def select(tables: Mapping[str, dict], table: str | None, class_id: str | None) -> list[dict]:
    """The tables matching the filters, in key order; NotFound names what exists otherwise."""
    chosen = [t for _, t in sorted(tables.items())]
    if table is not None:
        chosen = [t for t in chosen if t["table_id"] == table]
        if not chosen:
            raise NotFound(f"unknown table {table!r}; tables: {_listing(t['table_id'] for t in tables.values())}")
    if class_id is not None:
        matching = [t for t in chosen if t["class_id"] == class_id]
        if not matching:
            raise NotFound(f"unknown class {class_id!r}{f' for table {table!r}' if table else ''}; "
                           f"classes: {_listing(t['class_id'] for t in chosen)}")
        chosen = matching
    return chosen


def rounds_held(facts: Mapping[str, Event]) -> list[int]:
    return sorted({e.payload.round for k, e in facts.items() if k.startswith("race:")})


def progression(facts: Mapping[str, Event], table_key: str) -> dict:
    """Points and position of every competitor of one table after each round held.

    ``series[i].points[j]`` is the total after ``rounds[j]`` (null before the competitor appears).
    """
    rounds = rounds_held(facts)
    memory = Memory()  # round after round: each race scored once, each table's competitors extended
    per_round = [{row["id"]: row for row in standings(facts, r, memory).get(table_key, {"rows": []})["rows"]}
                 for r in rounds]
    final = per_round[-1] if per_round else {}
    series = [
        {
            "id": cid,
            "name": row["name"],
            "points": [at[cid]["points"] if cid in at else None for at in per_round],
            "positions": [at[cid]["position"] if cid in at else None for at in per_round],
        }
        for cid, row in sorted(final.items(), key=lambda item: item[1]["position"])
    ]
    return {"table": table_key, "rounds": rounds, "series": series}


def season(tables: Mapping[str, dict], facts: Mapping[str, Event], kind: str, subject_id: str, table: str | None) -> dict:
    """One driver's, team's or make's season (``kind``: drivers, teams, manufacturers): standing in every
    table, results, points progression.

    Results and progression come from ``table`` (default: the first table of that kind holding
    the competitor, in the rules' order of tables).
    """
    rules = rules_of(facts)
    order = {t.id: i for i, t in enumerate(rules.tables)} if rules else {}
    holding = sorted(((key, t, row) for key, t in tables.items() if t["kind"] == kind
                      for row in t["rows"] if row["id"] == subject_id),
                     key=lambda h: (order.get(h[1]["table_id"], len(order)), h[0]))
    if not holding:
        known = {row["id"] for t in tables.values() if t["kind"] == kind for row in t["rows"]}
        raise NotFound(f"unknown {kind[:-1]} {subject_id!r}; {kind}: {_listing(known)}")
    main = [h for h in holding if table is None or h[1]["table_id"] == table]
    if not main:
        raise NotFound(f"{kind[:-1]} {subject_id!r} is not in table {table!r}; "
                       f"tables: {_listing(t['table_id'] for _, t, _ in holding)}")
    key, _, row = main[0]
    series = next((s for s in progression(facts, key)["series"] if s["id"] == subject_id), None)
    points = series["points"] if series else []
    positions = series["positions"] if series else []
    return {
        "id": subject_id,
        "kind": kind,
        "name": row["name"],
        "class_id": row["class_id"],
        "car_number": row["car_number"],
        "team_name": row["team_name"],
        "table": key,
        "standings": [_standing(k, t, r) for k, t, r in holding],
        "results": row["results"],
        "progression": [{"round": r, "points": p, "position": pos}
                         for r, p, pos in zip(rounds_held(facts), points, positions, strict=False)],
    }


def _standing(key: str, table: dict, row: dict) -> dict:
    fields = ("position", "points", "gap_to_leader", "can_still_win", "clinched")
    return {"table": key, "table_name": table["name"], **{f: row[f] for f in fields}}


def _listing(values) -> str:
    return ", ".join(sorted(set(values))) or "(none)"
