"""Rich renderings of standings tables and of `standings.changed` records."""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.table import Table
from rich.text import Text

MAX_MOVES = 4
NAME_HEADINGS = {"drivers": "Driver", "teams": "Team", "manufacturers": "Manufacturer"}  # by the table's kind


def points(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def arrow(change: int | None) -> Text:
    if change is None:
        return Text("")
    if change > 0:
        return Text(f"▲{change}", style="green")
    if change < 0:
        return Text(f"▼{-change}", style="red")
    return Text("–", style="dim")


def signed(value: float | int) -> str:
    """Points won or lost: "+4", "-4"."""
    return ("-" if value < 0 else "+") + points(abs(value))


def gap(value: float | int | None) -> str:
    """A gap in points behind another car: "-4"; "tied" when level on points (decided by countback)."""
    if value is None:
        return ""
    return "tied" if value == 0 else f"-{points(value)}"


def position(row: dict) -> Text:
    """"3", or "=3" for a shared place."""
    return Text(f"={row['position']}" if row.get("shared") else str(row["position"]))


def table_title(table: dict, class_names: Mapping[str, str] | None = None) -> Text:
    """"Drivers · Pro-Am · after round 3 · provisional": the class by its name in the rules (`class_names`).

    A table over every class ("overall") names no class. Text, not markup: names stay whole.
    """
    after = f"after round {table['after_round']}" if table.get("after_round") else "no race yet"
    class_id = table.get("class_id")
    parts = [table["name"]]
    if class_id and class_id != "overall":
        parts.append((class_names or {}).get(class_id, class_id))
    parts.append(after)
    if table.get("provisional"):
        parts.append("provisional")
    return Text(" · ".join(parts))


def standings_table(table: dict, *, limit: int | None = None, compact: bool = False,
                    class_names: Mapping[str, str] | None = None) -> Table:
    """Position, change, name, car, team, points, gaps, wins, podiums and a clinched marker.

    A team or manufacturer table has no car or team column. `compact` (narrow terminals) leaves out
    the team and the gap to the car ahead. `class_names` (class id -> display name, from the rules)
    names the class in the title. Every cell is Text: names with `[...]` in them are shown as they are.
    """
    kind = table.get("kind", "drivers")
    drivers = kind == "drivers"
    show = {"car": drivers, "team": drivers and not compact, "ahead": not compact}
    out = Table(title=table_title(table, class_names), title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    out.add_column("Pos", justify="right")
    out.add_column("", no_wrap=True)
    out.add_column(NAME_HEADINGS.get(kind, "Name"), no_wrap=True)
    for key, label in (("car", "Car"), ("team", "Team")):
        if show[key]:
            out.add_column(label, justify="right" if key == "car" else "left", no_wrap=True, overflow="ellipsis")
    for label in ("Pts", "Gap", "Ahead", "Wins", "Pod"):
        if label != "Ahead" or show["ahead"]:
            out.add_column(label, justify="right")
    out.add_column("", no_wrap=True)
    for row in table["rows"][:limit]:
        name = Text(row["name"], style="bold" if row["position"] == 1 else "")
        if row.get("disqualified"):
            name.append(" DSQ", style="red")
        cells = [position(row), arrow(row.get("change")) if table.get("after_round") else Text(""), name]
        if show["car"]:
            cells.append(Text(f"#{row['car_number']}" if row.get("car_number") else ""))
        if show["team"]:
            cells.append(Text(row.get("team_name") or ""))
        cells += [Text(points(row["points"])), Text("" if row["position"] == 1 else gap(row["gap_to_leader"]))]
        if show["ahead"]:
            cells.append(Text("" if row["position"] == 1 else gap(row.get("gap_to_ahead"))))
        marker = ("★" if compact else "★ champion") if row.get("clinched") else ""
        cells += [Text(str(row["wins"])), Text(str(row["podiums"])), Text(marker, style="bold yellow")]
        out.add_row(*cells)
    return out


def tie_reasons(table: dict) -> Table | Text:
    """Why the order (`table --explain`): each row level on points with a neighbour, with its tiebreak's text.

    Text, not markup: a name in a reason (`[...]` and all) is shown as it is.
    """
    tied = [row for row in table["rows"] if row.get("tiebreak")]
    if not tied:
        return Text("Why the order: nobody is level on points.", style="dim")
    out = Table(title=Text("Why the order"), title_justify="left", show_header=False, box=None, padding=(0, 1))
    out.add_column(justify="right", no_wrap=True)
    out.add_column(no_wrap=True)
    out.add_column()
    for row in tied:
        out.add_row(position(row), Text(row["name"]), Text(row["tiebreak"]["text"]))
    return out


def change_lines(record: dict, tables: Mapping[str, dict]) -> list[Text]:
    """One line per thing worth saying in a `standings.changed` record.

    `tables` ("table_id/class_id" -> full table) give the names of those the diff does not name
    (a clinch, a leader who did not move); ids stand in for missing ones.
    """
    payload, cid = record["payload"], record["championship_id"]
    lines = []
    for change in payload["changes"]:
        head = f"v{payload['version']} {cid} {change['table']}: "
        names = {row["id"]: row["name"] for row in tables.get(change["table"], {}).get("rows", [])}
        if change.get("clinched"):
            lines.append(Text(head + f"{names.get(change['clinched'], change['clinched'])} clinched the title",
                              style="bold yellow"))
        leader = change.get("leader_change")
        if leader and leader.get("to"):
            was = f" (was {names.get(leader['from'], leader['from'])})" if leader.get("from") else ""
            lines.append(Text(head + f"new leader {names.get(leader['to'], leader['to'])}{was}", style="bold cyan"))
        moves = change.get("moves", [])
        movers = [m for m in moves if m.get("from") is not None]
        parts = [f"{len(moves) - len(movers)} entered"] if len(moves) > len(movers) else []
        parts += [f"{m['name']} P{m['from']}→P{m['to']}" for m in movers[:MAX_MOVES]]
        if len(movers) > MAX_MOVES:
            parts.append(f"{len(movers) - MAX_MOVES} more moved")
        gained = [f"{g['name']} {signed(g['points'])}" for g in change.get("points_gained", [])[:3]]
        if gained:
            parts.append("points: " + ", ".join(gained))
        lines.append(Text(head + ("; ".join(parts) or "updated"), style="" if movers else "dim"))
    return lines
