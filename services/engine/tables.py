"""Build one table group: competitors, drops, adjustments, ranking, gaps and the title fight."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from schemas.payloads import Adjustment
from schemas.rules import Rules
from schemas.table_rules import TableDef
from services.engine.competitors import Competitor, apply_adjustments
from services.engine.drops import RaceToRun, Season
from services.engine.entries import Entry
from services.engine.ranking import paid_through, rank
from services.engine.scoring import num

OVERALL = "overall"


class Counted(NamedTuple):
    """A held race as one table group counts it."""

    race_id: str
    round: int
    provisional: bool  # a result of the group's classes in it is provisional
    entries: list[Entry]  # see competitors.race_entries


def build_table(
    rules: Rules,
    table: TableDef,
    class_id: str | None,
    held: Sequence[Counted],
    people: dict[str, Competitor],
    to_run: Sequence[RaceToRun],
    adjustments: Sequence[Adjustment],
    cutoff: int,
) -> dict:
    """One table as a JSON-ready dict; `held` are the races it counts, in running order, `people`
    the competitors they credit (this build's own copies: adjustments and drops change them)."""
    apply_adjustments(people, adjustments, table.kind, class_id, cutoff)
    season = Season(held, to_run, rules.drop_rule(class_id, table.id) if table.apply_drops else None, bool(rules.calendar))
    # A team can always field more cars, so without `cars_per_race` nothing bounds what it can score.
    title_fight = bool(rules.calendar) and (table.kind == "drivers" or table.cars_per_race is not None)
    best_case = {c.id: season.settle(c) for c in people.values()}
    listed = list(people.values()) if table.listing == "entrants" else [c for c in people.values() if _listed(c, table.listing)]
    newcomer_best = season.newcomer_best() if to_run else None
    if newcomer_best is not None and len(listed) < len(people):
        # Those left out are rivals all the same: the title is not clinched while one of them can reach the leader.
        shown = {c.id for c in listed}
        rivals = (best_case[c.id] for c in people.values() if c.id not in shown and not c.disqualified)
        newcomer_best = max([newcomer_best, *rivals])
    depth = None
    if rules.ranking.countback_depth == "points_places":
        depth = cache(lambda session_type, class_id: paid_through(rules.points_table(session_type, class_id, table.points)))
    ranked = rank(listed, rules.ranking, depth, [h.race_id for h in held])
    rows = [_row(r.position, r.shared, r.competitor, best_case[r.competitor.id] if title_fight else None, r.tiebreak)
            for r in ranked]
    _gaps_and_title(rows, newcomer_best, title_fight)
    return {
        "table_id": table.id,
        "class_id": class_id or OVERALL,
        "name": table.name,
        "kind": table.kind,
        "after_round": cutoff if held else None,
        "provisional": any(h.provisional for h in held),
        "races_held": len(held),
        "races_remaining": len(to_run),
        "rows": rows,
    }


def _listed(c: Competitor, listing: str) -> bool:
    """Whether the table lists `c`: 'finishers' a classified finish or points, 'scorers' points (excluded results aside)."""
    for race_id, r in c.results.items():
        if race_id in c.excluded:
            continue
        if r.total > 0 or (listing == "finishers" and r.status == "classified"):
            return True
    return False


def _row(position: int, shared: bool, c: Competitor, max_points: float | None, tiebreak: dict | None) -> dict:
    wins, podiums, poles, fastest_laps = c.tally
    void = c.dropped | c.excluded
    return {
        "position": position,
        "shared": shared,
        "id": c.id,
        "name": c.name,
        "class_id": c.class_id,
        "car_number": c.car_number,
        "team_name": c.team_name,
        "points": num(c.points),
        "deduction": num(c.deduction),
        "disqualified": c.disqualified,
        "wins": wins,
        "podiums": podiums,
        "poles": poles,
        "fastest_laps": fastest_laps,
        "results": [
            r.summary if race_id not in void
            else {**r.summary, "dropped": race_id in c.dropped, "excluded": race_id in c.excluded}
            for race_id, r in c.results.items()
        ] if void else c.summaries,  # shared with the competitor's later states: read-only, as all tables
        "max_points": num(max_points) if max_points is not None else None,
        "tiebreak": tiebreak,
    }


def _gaps_and_title(rows: list[dict], newcomer_best: float | None, has_calendar: bool) -> None:
    """Gaps, and who can still win. A title is clinched only when no rival, listed or not yet
    scoring (a newcomer could take what is left), can still reach the leader."""
    leader = rows[0]["points"] if rows else 0
    races_left = newcomer_best is not None
    for i, row in enumerate(rows):
        row["gap_to_leader"] = num(leader - row["points"])
        row["gap_to_ahead"] = num(rows[i - 1]["points"] - row["points"]) if i else None
        if not has_calendar:
            row["can_still_win"] = not row["disqualified"]
        elif races_left:
            row["can_still_win"] = not row["disqualified"] and row["max_points"] >= leader
        else:
            row["can_still_win"] = row["position"] == 1 and not row["disqualified"]
    contenders = sum(row["can_still_win"] for row in rows)
    newcomer_can_win = races_left and newcomer_best >= leader
    for row in rows:
        row["clinched"] = (
            has_calendar and row["position"] == 1 and row["can_still_win"] and contenders == 1 and not newcomer_can_win
        )
