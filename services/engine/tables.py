"""Build one table group: competitors, drops, adjustments, ranking, gaps and the title fight."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import Adjustment
from schemas.rules import Rules, TableDef
from services.engine.competitors import Competitor, apply_adjustments, collect
from services.engine.drops import dropped_races, results_that_count
from services.engine.ranking import rank
from services.engine.scoring import RaceScore, num

OVERALL = "overall"


@dataclass(frozen=True, slots=True)
class RaceToRun:
    """A calendar race not yet counted, and the most one competitor can score in it."""

    race_id: str
    order: int
    max_score: float


def build_table(
    rules: Rules,
    table: TableDef,
    class_id: str | None,
    held: Sequence[tuple[int, str, dict[str, list[RaceScore]]]],
    to_run: Sequence[RaceToRun],
    adjustments: Sequence[Adjustment],
    cutoff: int,
) -> dict:
    """One table as a JSON-ready dict; `held` is (order, race_id, scores by class) in running order."""
    classes = (class_id,) if class_id else tuple(c.id for c in rules.classes if not table.classes or c.id in table.classes)
    people = collect(table, classes, [(race_id, scores) for _, race_id, scores in held], adjustments)
    apply_adjustments(people, adjustments, table.kind, class_id, cutoff)
    rule = rules.drop_rule(class_id) if class_id else next((d for d in rules.drops if d.classes is None), None)
    rule = rule if table.apply_drops else None
    protected = set(rule.protected_races) if rule else set()
    droppable = [race_id for _, race_id, _ in held if race_id not in protected]
    future = [(r.max_score, r.race_id) for r in to_run if r.race_id not in protected]
    future_always = len(to_run) - len(future)
    still_to_win = sum(r.max_score for r in to_run)
    counted = results_that_count(rule, len(held) + len(to_run) if rules.calendar else len(held))
    best_case = {}
    for c in people.values():
        if rule is None:
            c.settle()
            best_case[c.id] = c.points + still_to_win
            continue
        skip = protected | c.excluded if c.excluded else protected
        scores = [(r.total, race_id) for race_id, r in c.results.items() if race_id not in skip]
        missed = len(droppable) - len(scores) - (len(c.excluded.intersection(droppable)) if c.excluded else 0)
        always = len(held) - len(scores) - missed
        c.dropped = frozenset(dropped_races(counted, scores, missed, always))
        c.settle()
        lost = dropped_races(counted, scores, missed, always + future_always, future)
        lost_held = sum(c.results[race_id].total for race_id in lost if race_id in c.results)
        best_case[c.id] = c.gross - lost_held + still_to_win - sum(t for t, race_id in future if race_id in lost) - c.deduction
    if not rules.calendar:
        best_case.clear()
    ranked = rank(list(people.values()), rules.ranking)
    rows = [_row(pos, shared, c, best_case.get(c.id)) for pos, shared, c in ranked]
    _gaps_and_title(rows, still_to_win if to_run else None, bool(rules.calendar))
    return {
        "table_id": table.id,
        "class_id": class_id or OVERALL,
        "name": table.name,
        "kind": table.kind,
        "after_round": cutoff if held else None,
        "provisional": any(cars[0].provisional for _, _, by_class in held for cars in by_class.values()),
        "races_held": len(held),
        "races_remaining": len(to_run),
        "rows": rows,
    }


def _row(position: int, shared: bool, c: Competitor, max_points: float | None) -> dict:
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
        ],
        "max_points": num(max_points) if max_points is not None else None,
    }


def _gaps_and_title(rows: list[dict], still_to_win: float | None, has_calendar: bool) -> None:
    """Gaps, and who can still win. A title is clinched only when no rival, listed or not yet
    scoring (a newcomer could take every remaining point), can still reach the leader."""
    leader = rows[0]["points"] if rows else 0
    races_left = still_to_win is not None
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
    newcomer_can_win = races_left and still_to_win >= leader
    for row in rows:
        row["clinched"] = (
            has_calendar and row["position"] == 1 and row["can_still_win"] and contenders == 1 and not newcomer_can_win
        )
