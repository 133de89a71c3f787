"""Build one table group: competitors, drops, adjustments, ranking, gaps and the title fight."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from schemas.events import Adjustment
from schemas.rules import DropRule, Rules, TableDef
from services.engine.competitors import Competitor, Entry, apply_adjustments
from services.engine.drops import dropped_races, results_that_count
from services.engine.ranking import paid_through, rank
from services.engine.scoring import num

OVERALL = "overall"


class Counted(NamedTuple):
    """A held race as one table group counts it."""

    race_id: str
    round: int
    provisional: bool  # a result of the group's classes in it is provisional
    entries: list[Entry]  # see competitors.race_entries


@dataclass(frozen=True, slots=True)
class RaceToRun:
    """A calendar race not yet counted, and the most one competitor can score in it."""

    race_id: str
    max_score: float


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
    rule = rules.drop_rule(class_id) if class_id else next((d for d in rules.drops if d.classes is None), None)
    season = Season(held, to_run, rule if table.apply_drops else None, len(held) + len(to_run) if rules.calendar else len(held))
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


class Season:
    """The races of one table group, and what counts of them under its drop rule."""

    def __init__(self, held, to_run: Sequence[RaceToRun], rule: DropRule | None, season_races: int) -> None:
        self.rule = rule
        self.protected = set(rule.protected_races) if rule else set()
        self.held = [(h.race_id, h.round) for h in held]
        self.droppable = [race_id for race_id, _ in self.held if race_id not in self.protected]
        self.to_run = to_run
        self.future = [(r.max_score, r.race_id) for r in to_run if r.race_id not in self.protected]
        self.future_always = len(to_run) - len(self.future)
        self.still_to_win = sum(r.max_score for r in to_run)
        self.counted = results_that_count(rule, season_races)

    def settle(self, c: Competitor) -> float:
        """Mark `c`'s dropped results, total them, and return the most `c` can still reach."""
        if self.rule is None:
            c.settle()
            return c.points if c.out_from is not None else c.points + self.still_to_win
        season, droppable = len(self.held), self.droppable
        if c.out_from is not None or c.excluded:
            # A disqualified competitor's season ends at `out_from`: later races are neither theirs
            # to drop nor to count. An excluded result always counts (as zero).
            own = [race_id for race_id, round_ in self.held if c.out_from is None or round_ < c.out_from]
            season, droppable = len(own), [r for r in own if r not in self.protected and r not in c.excluded]
        results = c.results
        scores = [(results[race_id].total, race_id) for race_id in droppable if race_id in results]
        missed, always = len(droppable) - len(scores), season - len(droppable)
        c.dropped = frozenset(dropped_races(self.counted, scores, missed, always))
        c.settle()
        if c.out_from is not None:
            return c.points
        lost = dropped_races(self.counted, scores, missed, always + self.future_always, self.future)
        lost_held = sum(c.results[race_id].total for race_id in lost if race_id in c.results)
        return c.gross - lost_held + self._future_best(lost) - c.deduction

    def newcomer_best(self) -> float:
        """The most a competitor who has not scored yet can reach (drops limit it too)."""
        if self.rule is None:
            return self.still_to_win
        always = len(self.held) - len(self.droppable) + self.future_always
        return self._future_best(dropped_races(self.counted, [], len(self.droppable), always, self.future))

    def _future_best(self, lost: list[str]) -> float:
        return self.still_to_win - sum(t for t, race_id in self.future if race_id in lost)


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
