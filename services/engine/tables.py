"""Build one table group: competitors, drops, adjustments, ranking, gaps and the title fight."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemas.events import Adjustment
from schemas.rules import Rules, TableDef
from services.engine.competitors import Competitor, apply_adjustments, collect
from services.engine.drops import Score, dropped_races
from services.engine.ranking import rank, total
from services.engine.scoring import CarScore

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
    held: Sequence[tuple[int, str, list[CarScore]]],
    to_run: Sequence[RaceToRun],
    adjustments: Iterable[Adjustment],
    cutoff: int,
) -> dict:
    """One table as a JSON-ready dict; `held` is (order, race_id, scores) in running order."""
    classes = {class_id} if class_id else set(table.classes or [c.id for c in rules.classes])
    people = collect(table, classes, [(race_id, scores) for _, race_id, scores in held])
    apply_adjustments(people, adjustments, table.kind, class_id, cutoff)
    rule = rules.drop_rule(class_id) if class_id else next((d for d in rules.drops if d.classes is None), None)
    rule = rule if table.apply_drops else None
    protected = set(rule.protected_races) if rule else set()
    season: list[tuple[int, str]] = [(order, race_id) for order, race_id, _ in held]
    best_case = {}
    for c in people.values():
        for race_id in dropped_races(rule, _scores(c, season, protected)):
            if race_id in c.results:
                c.results[race_id].dropped = True
        best_case[c.id] = _max_points(c, rule, season, protected, to_run) if rules.calendar else None
    ranked = rank(list(people.values()), rules.ranking)
    rows = [_row(pos, shared, c, best_case[c.id]) for pos, shared, c in ranked]
    _gaps_and_title(rows, bool(to_run), bool(rules.calendar))
    return {
        "table_id": table.id,
        "class_id": class_id or OVERALL,
        "name": table.name,
        "kind": table.kind,
        "after_round": cutoff if held else None,
        "provisional": any(r["provisional"] for row in rows for r in row["results"]),
        "races_held": len(held),
        "races_remaining": len(to_run),
        "rows": rows,
    }


def _scores(c: Competitor, season: list[tuple[int, str]], protected: set[str]) -> list[Score]:
    scores = []
    for order, race_id in season:
        r = c.results.get(race_id)
        droppable = race_id not in protected and not (r and r.excluded)
        scores.append(Score(race_id, order, r.counted if r else 0.0, r is not None, droppable))
    return scores


def _max_points(c: Competitor, rule, season, protected, to_run: Sequence[RaceToRun]) -> float:
    """The total if `c` took the most possible in every race still to run (drops re-applied)."""
    scores = _scores(c, season, protected)
    scores += [Score(r.race_id, r.order, r.max_score, True, r.race_id not in protected) for r in to_run]
    dropped = dropped_races(rule, scores)
    return round(sum(s.total for s in scores if s.race_id not in dropped) - c.deduction, 3)


def _row(position: int, shared: bool, c: Competitor, max_points: float | None) -> dict:
    results = list(c.results.values())
    return {
        "position": position,
        "shared": shared,
        "id": c.id,
        "name": c.name,
        "class_id": c.class_id,
        "car_number": c.car_number,
        "team_name": c.team_name,
        "points": num(total(c)),
        "deduction": num(c.deduction),
        "disqualified": c.disqualified,
        "wins": sum(r.place == 1 for r in results),
        "podiums": sum(r.place is not None and r.place <= 3 for r in results),
        "poles": sum(r.poles for r in results),
        "fastest_laps": sum(r.fastest_laps for r in results),
        "results": [
            {
                "race_id": r.race_id, "round": r.round, "class_position": r.class_position, "place": r.place,
                "status": r.status, "points": num(r.points), "bonus": num(r.bonus),
                "dropped": r.dropped, "excluded": r.excluded, "provisional": r.provisional,
            }
            for r in results
        ],
        "max_points": num(max_points) if max_points is not None else None,
    }


def _gaps_and_title(rows: list[dict], races_left: bool, has_calendar: bool) -> None:
    leader = rows[0]["points"] if rows else 0
    for i, row in enumerate(rows):
        row["gap_to_leader"] = num(leader - row["points"])
        row["gap_to_ahead"] = num(rows[i - 1]["points"] - row["points"]) if i else None
        if not has_calendar:
            row["can_still_win"] = not row["disqualified"]
        elif races_left:
            row["can_still_win"] = not row["disqualified"] and row["max_points"] >= leader
        else:
            row["can_still_win"] = row["position"] == 1 and not row["disqualified"]
    for row in rows:
        rivals = [r for r in rows if r is not row]
        row["clinched"] = (
            has_calendar and row["position"] == 1 and row["can_still_win"] and not any(r["can_still_win"] for r in rivals)
        )


def num(x: float) -> int | float:
    """Points as JSON shows them: 25 rather than 25.0, fractions to 1/1000."""
    x = round(x, 3)
    return int(x) if x == int(x) else x
