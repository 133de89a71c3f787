"""Dropped results: drop the worst K, or count the best N, never dropping protected races."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from schemas.rules import DropRule

Score = tuple[float, str]  # (total, race_id) of a droppable result, listed in running order
_TOTAL = itemgetter(0)


def results_that_count(rule: DropRule | None, season_races: int) -> int | None:
    """How many race results count: the best N, or all the season's races but the worst K.

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
