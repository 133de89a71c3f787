"""Dropped results: drop the worst K, or count the best N, of the season or of each part of it,
never dropping protected races; and the most each competitor can still reach under them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from schemas.scoring_rules import DropRule, SeasonPart
from services.engine.competitors import Competitor

Score = tuple[float, str]  # (total, race_id) of a droppable result, listed in running order
_TOTAL = itemgetter(0)


@dataclass(frozen=True, slots=True)
class RaceToRun:
    """A calendar race not yet counted, and the most one competitor can score in it."""

    race_id: str
    round: int
    max_score: float


def results_that_count(rule: DropRule | SeasonPart | None, season_races: int) -> int | None:
    """How many race results count: the best N, or all the season's (or part's) races but the worst K.

    "Drop the worst K" is about the whole season: mid-season a driver keeps every result until
    they have more than (races in the season - K) of them. None: every result counts.
    """
    if rule is None:
        return None
    return rule.best_of if rule.best_of is not None else max(0, season_races - rule.drop_worst)


def dropped_races(
    counted: int | None, scores: Sequence[Score], missed: int, always: int, future: Sequence[Score] = ()
) -> list[str]:
    """Race ids whose scores do not count when only `counted` results may.

    `scores` are a competitor's droppable results in running order; `missed` counts the
    droppable races they did not enter (each scores 0 and is dropped first, so real results are
    kept wherever the total allows it); `always` counts the races that always count (protected or
    excluded). `future` adds the races still to run at their best score, to find the most a
    competitor can still reach. Between equal scores the earlier race is dropped (a stable sort).
    """
    if counted is None:
        return []
    n_drop = len(scores) + len(future) - max(0, counted - always)
    if n_drop <= 0:
        return []
    pool = [*scores, *future] if future else scores
    return [race_id for _, race_id in sorted(pool, key=_TOTAL)[:n_drop]]


class _Pool:
    """Races whose results are dropped among themselves: the whole season, or one part of it."""

    def __init__(self, counted: int | None, held: list[tuple[str, int]], to_run: Sequence[RaceToRun], protected: set[str]):
        self.counted, self.held, self.protected = counted, held, protected
        self.droppable = [race_id for race_id, _ in held if race_id not in protected]
        self.future = [(r.max_score, r.race_id) for r in to_run if r.race_id not in protected]
        self.future_always = len(to_run) - len(self.future)

    def drops(self, c: Competitor) -> tuple[list[str], list[str]]:
        """`c`'s dropped results now, and those that would be dropped were every race to run won."""
        season, droppable = len(self.held), self.droppable
        if c.out_from is not None or c.excluded:
            # A disqualified competitor's season ends at `out_from`: later races are neither theirs
            # to drop nor to count. An excluded result always counts (as zero).
            own = [race_id for race_id, round_ in self.held if c.out_from is None or round_ < c.out_from]
            season, droppable = len(own), [r for r in own if r not in self.protected and r not in c.excluded]
        results = c.results
        scores = [(results[race_id].total, race_id) for race_id in droppable if race_id in results]
        missed, always = len(droppable) - len(scores), season - len(droppable)
        dropped = dropped_races(self.counted, scores, missed, always)
        if c.out_from is not None:
            return dropped, []
        return dropped, dropped_races(self.counted, scores, missed, always + self.future_always, self.future)

    def newcomer_lost(self) -> list[str]:
        always = len(self.held) - len(self.droppable) + self.future_always
        return dropped_races(self.counted, [], len(self.droppable), always, self.future)


class Season:
    """The races of one table group, and what counts of them under its drop rule."""

    def __init__(self, held, to_run: Sequence[RaceToRun], rule: DropRule | None, has_calendar: bool) -> None:
        self.rule = rule
        self.still_to_win = sum(r.max_score for r in to_run)
        self.future_score = {r.race_id: r.max_score for r in to_run}
        races = [(h.race_id, h.round) for h in held]
        protected = set(rule.protected_races) if rule else set()
        self.pools = []
        for part in (rule.parts or [rule]) if rule else ():
            inside = (lambda _: True) if part is rule else (lambda n, p=part: p.first_round <= n <= p.last_round)
            held_here = [(race_id, n) for race_id, n in races if inside(n)]
            to_run_here = [r for r in to_run if inside(r.round)]
            season_races = len(held_here) + len(to_run_here) if has_calendar else len(held_here)
            self.pools.append(_Pool(results_that_count(part, season_races), held_here, to_run_here, protected))

    def settle(self, c: Competitor) -> float:
        """Mark `c`'s dropped results, total them, and return the most `c` can still reach."""
        if not self.pools:
            c.settle()
            return c.points if c.out_from is not None else c.points + self.still_to_win
        if len(self.pools) == 1:
            dropped, lost = self.pools[0].drops(c)
        else:
            dropped, lost = [], []
            for pool in self.pools:
                now, best_case = pool.drops(c)
                dropped += now
                lost += best_case
        c.dropped = frozenset(dropped)
        c.settle()
        if c.out_from is not None:
            return c.points
        lost_held = sum(c.results[race_id].total for race_id in lost if race_id in c.results)
        return c.gross - lost_held + self._future_best(lost) - c.deduction

    def newcomer_best(self) -> float:
        """The most a competitor who has not scored yet can reach (drops limit it too)."""
        return self._future_best([race_id for pool in self.pools for race_id in pool.newcomer_lost()])

    def _future_best(self, lost: list[str]) -> float:
        score = self.future_score
        return self.still_to_win - sum([score[race_id] for race_id in lost if race_id in score])
