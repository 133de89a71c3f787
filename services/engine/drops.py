"""Dropped results: drop the worst K, or count the best N, never dropping protected races."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from schemas.rules import DropRule

Score = tuple[float, str]  # (total, race_id) of a droppable result, listed in running order
_TOTAL = itemgetter(0)


def dropped_races(
    rule: DropRule | None, scores: Sequence[Score], missed: int, always: int, future: Sequence[Score] = ()
) -> list[str]:
    """Race ids whose scores do not count under `rule`.

    `scores` are a competitor's droppable results in running order; `missed` counts the
    droppable races they did not enter (each scores 0 and is dropped first, so real results are
    kept wherever the total allows it); `always` counts the races that always count (protected or
    excluded). `future` adds the races still to run at their best score, to find the most a
    competitor can still reach. Between equal scores the earlier race is dropped (a stable sort).
    """
    if rule is None:
        return []
    held = len(scores) + missed + len(future)
    n_drop = rule.drop_worst if rule.drop_worst is not None else held - max(0, rule.best_of - always)
    n_drop -= missed
    if n_drop <= 0:
        return []
    pool = [*scores, *future] if future else scores
    return [race_id for _, race_id in sorted(pool, key=_TOTAL)[:n_drop]]
