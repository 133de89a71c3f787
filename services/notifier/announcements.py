"""What a bot should say about one `standings.changed` event: pure functions, no I/O.

`announce(change, tables, names)` reads the diff (`payload.changes[]`) and the full tables it
names (records are compact: the caller reads them from the tables hash) and returns, per changed
table, in this order:

- `clinched`: someone clinched the table with this change ("... clinches the Pro title");
- `leader`: a new sole leader ("Loek Hartog takes the Pro lead (Porsche Carrera Cup North America)");
  left out when the same competitor clinched in the same change (the clinch says more);
  a lead lost to a tie (`to: null`) is not announced;
- `climb`: a driver up `CLIMB` places or more (drivers tables only; not the new leader);
- `first_points`: a driver's first points in the table, except in a table's first race or in a
  table new in this change (there every scorer has "first points") (drivers tables only; not
  the new leader). It needs the totals as they stood at the change: it is left out when the
  tables are not exact (read after a later change landed), rather than told wrong.

Guarantee: deterministic in its input (same event, tables and names: same list, same order),
never raises on a valid `standings.changed` (unknown classes, tables or competitors fall back to
their ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from schemas.rules import Rules

CLIMB = 3
OVERALL = "overall"


@dataclass(frozen=True)
class Names:
    """Display names: the championship's and its classes' (from the registered rules)."""

    championship: str
    classes: Mapping[str, str] = field(default_factory=dict)


def names_from_rules(championship_id: str, rules: Rules | None) -> Names:
    """`Names` from the registered rules; the championship id when there are none yet."""
    if rules is None:
        return Names(championship_id)
    return Names(rules.name, {c.id: c.name for c in rules.classes})


@dataclass(frozen=True)
class Announcement:
    championship_id: str
    version: int
    event_id: str
    kind: str  # clinched | leader | climb | first_points
    text: str
    table: str  # "table_id/class_id"
    table_id: str
    class_id: str
    driver_id: str  # the competitor (a team id in a teams table)
    driver_name: str
    from_position: int | None = None
    to_position: int | None = None
    points: float | int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def label(table: Mapping, names: Names) -> str:
    """'Pro' for the Pro drivers table, 'Pro Teams' for another table, 'ANDIAL Cup' across classes."""
    class_id = table["class_id"]
    parts = [] if class_id == OVERALL else [names.classes.get(class_id, class_id)]
    if table["table_id"] != "drivers" or not parts:
        parts.append(table.get("name") or table["table_id"])
    return " ".join(parts)


def announce(change: Mapping, tables: Mapping[str, Mapping], names: Names, *, exact: bool = True) -> list[Announcement]:
    """Every announcement of one `standings.changed` event (see the module docstring).

    `tables`: "table_id/class_id" -> full table, for the tables the change names (a missing one
    falls back to ids); `exact`: they are the tables as of the change's version.
    """
    out: list[Announcement] = []
    for diff in change["payload"]["changes"]:
        table = tables.get(diff["table"]) or {"table_id": diff["table_id"], "class_id": diff["class_id"], "rows": []}
        out.extend(_table_announcements(change, diff, table, names, exact))
    return out


def _table_announcements(change: Mapping, diff: Mapping, table: Mapping, names: Names, exact: bool) -> list[Announcement]:
    rows = {r["id"]: r for r in table.get("rows", [])}
    moves = diff.get("moves", [])
    moved_from = {m["id"]: m.get("from") for m in moves}
    # As of the change: the diff's names and positions, then the table's for those it leaves out.
    named = {r["id"]: r["name"] for r in rows.values()} | {
        x["id"]: x["name"] for x in [*moves, *diff.get("points_gained", [])] if "name" in x}
    position = {r["id"]: r["position"] for r in rows.values()} | {m["id"]: m["to"] for m in moves}
    what, champ = label(table, names), names.championship
    drivers = table.get("kind", "drivers") == "drivers"

    def make(kind: str, who: str, text: str, **extra) -> Announcement:
        name = named.get(who, who)
        return Announcement(change["championship_id"], change["payload"]["version"], change["event_id"], kind,
                            text.format(name=name) + f" ({champ})", diff["table"], diff["table_id"],
                            diff["class_id"], who, name, **extra)

    out: list[Announcement] = []
    clinched = diff.get("clinched")
    if clinched:
        out.append(make("clinched", clinched, f"{{name}} clinches the {what} title",
                        to_position=position.get(clinched)))
    leader = (diff.get("leader_change") or {}).get("to")
    if leader and leader != clinched:
        out.append(make("leader", leader, f"{{name}} takes the {what} lead", to_position=1,
                        from_position=moved_from.get(leader)))
    if not drivers:
        return out
    climbs = [m for m in moves if m.get("from") and m["from"] - m["to"] >= CLIMB]
    for m in sorted(climbs, key=lambda m: (m["to"] - m["from"], m["to"])):
        if m["id"] not in (leader, clinched):
            out.append(make("climb", m["id"], f"{{name}} climbs from {ordinal(m['from'])} to {ordinal(m['to'])} "
                            f"in the {what} standings", from_position=m["from"], to_position=m["to"]))
    new_table = all(m.get("from") is None for m in moves) and len(moves) == len(rows)
    if exact and table.get("races_held", 0) > 1 and not new_table:
        for gain in diff.get("points_gained", []):
            row = rows.get(gain["id"])
            if row and gain["points"] > 0 and abs(row["points"] - gain["points"]) < 1e-9 and gain["id"] != leader:
                out.append(make("first_points", gain["id"], f"{{name}} scores first {what} points",
                                to_position=row["position"], points=gain["points"]))
    return out


def body(announcement: Announcement, fmt: str) -> dict:
    """The webhook's JSON body: `json` (every field), `discord` ({"content"}) or `slack` ({"text"})."""
    if fmt == "discord":
        return {"content": announcement.text}
    if fmt == "slack":
        return {"text": announcement.text}
    return announcement.to_dict()
