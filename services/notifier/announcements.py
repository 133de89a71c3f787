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

Names are untrusted text: every name (competitor, class, table, championship) is `text.clean`ed
(no control or bidi characters, no line breaks) and cut to `NAME_MAX` characters before it is
put in a text. Escaping for a chat format is the formatter's job (`services.notifier.messages`).

Guarantee: deterministic in its input (same event, tables and names: same list, same order),
never raises on a valid `standings.changed` (unknown classes, tables or competitors fall back to
their ids).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

from schemas.rules import Rules
from services.notifier.text import clean

CLIMB = 3
OVERALL = "overall"
NAME_MAX = 100  # characters of one name in a text


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
    text: str  # the summary, then the championship in brackets
    table: str  # "table_id/class_id"
    table_id: str
    class_id: str
    driver_id: str  # the competitor (a team's or a make's id in a teams or manufacturers table)
    driver_name: str
    from_position: int | None = None
    to_position: int | None = None
    points: float | int | None = None
    summary: str = ""  # the text without the championship: a line of a digest

    def to_dict(self) -> dict:
        """The fields of the JSON format (every field but `summary`)."""
        out = asdict(self)
        del out["summary"]
        return out


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def label(table: Mapping, names: Names) -> str:
    """'Pro' for the Pro drivers table, 'Pro Teams' for another table, 'ANDIAL Cup' across classes."""
    class_id = table["class_id"]
    parts = [] if class_id == OVERALL else [clean(names.classes.get(class_id, class_id), NAME_MAX)]
    if table["table_id"] != "drivers" or not parts:
        parts.append(clean(table.get("name") or table["table_id"], NAME_MAX))
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
    what, champ = label(table, names), clean(names.championship, NAME_MAX) or change["championship_id"]
    drivers = table.get("kind", "drivers") == "drivers"

    def make(kind: str, who: str, text: Callable[[str], str], **extra) -> Announcement:
        name = clean(named.get(who, who), NAME_MAX) or clean(who, NAME_MAX)
        summary = text(name)  # a function, not str.format: a name or label with braces stays text
        return Announcement(change["championship_id"], change["payload"]["version"], change["event_id"], kind,
                            f"{summary} ({champ})", diff["table"], diff["table_id"], diff["class_id"], who, name,
                            summary=summary, **extra)

    out: list[Announcement] = []
    clinched = diff.get("clinched")
    if clinched:
        out.append(make("clinched", clinched, lambda name: f"{name} clinches the {what} title",
                        to_position=position.get(clinched)))
    leader = (diff.get("leader_change") or {}).get("to")
    if leader and leader != clinched:
        out.append(make("leader", leader, lambda name: f"{name} takes the {what} lead", to_position=1,
                        from_position=moved_from.get(leader)))
    if not drivers:
        return out
    climbs = [m for m in moves if m.get("from") and m["from"] - m["to"] >= CLIMB]
    for m in sorted(climbs, key=lambda m: (m["to"] - m["from"], m["to"])):
        if m["id"] not in (leader, clinched):
            up = f"climbs from {ordinal(m['from'])} to {ordinal(m['to'])} in the {what} standings"
            out.append(make("climb", m["id"], lambda name, up=up: f"{name} {up}",
                            from_position=m["from"], to_position=m["to"]))
    new_table = all(m.get("from") is None for m in moves) and len(moves) == len(rows)
    if exact and table.get("races_held", 0) > 1 and not new_table:
        for gain in diff.get("points_gained", []):
            row = rows.get(gain["id"])
            if row and gain["points"] > 0 and abs(row["points"] - gain["points"]) < 1e-9 and gain["id"] != leader:
                out.append(make("first_points", gain["id"], lambda name: f"{name} scores first {what} points",
                                to_position=row["position"], points=gain["points"]))
    return out

