"""What changed between two sets of tables: the part of standings.changed a bot announces."""

from __future__ import annotations

from collections.abc import Mapping


def diff_tables(before: Mapping[str, dict], after: Mapping[str, dict]) -> list[dict]:
    """One entry per table that changed, in key order; [] when nothing did."""
    return [_diff(key, before.get(key), table) for key, table in sorted(after.items()) if before.get(key) != table]


def _diff(key: str, old: dict | None, new: dict) -> dict:
    was = {row["id"]: row for row in old["rows"]} if old else {}
    moves, gains = [], []
    for row in new["rows"]:
        prior = was.get(row["id"])
        if prior is None or prior["position"] != row["position"]:
            moves.append({"id": row["id"], "name": row["name"], "from": prior and prior["position"], "to": row["position"]})
        gained = row["points"] - (prior["points"] if prior else 0)
        if gained:
            gains.append({"id": row["id"], "name": row["name"], "points": round(gained, 3)})
    leader, old_leader = _leader(new), _leader(old)
    newly_clinched = [r["id"] for r in new["rows"] if r["clinched"] and not was.get(r["id"], {}).get("clinched")]
    return {
        "table": key,
        "table_id": new["table_id"],
        "class_id": new["class_id"],
        "moves": moves,
        "points_gained": gains,
        "leader_change": {"from": old_leader, "to": leader} if leader != old_leader else None,
        "clinched": newly_clinched[0] if newly_clinched else None,
    }


def _leader(table: dict | None) -> str | None:
    rows = table["rows"] if table else []
    return rows[0]["id"] if rows and not rows[0]["shared"] else None
