"""Dropped results: drop the worst K, or count the best N, never dropping protected races."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.rules import DropRule


@dataclass(frozen=True, slots=True)
class Score:
    """One race's score for one competitor; `entered` is False for a race they missed (scores 0)."""

    race_id: str
    order: int  # running order in the season, to drop the earlier of two equal scores
    total: float
    entered: bool
    droppable: bool


def dropped_races(rule: DropRule | None, scores: Iterable[Score]) -> set[str]:
    """Race ids whose scores do not count under `rule`.

    Missed races are dropped before entered ones of the same score, so a driver's real results
    are kept wherever the total allows it.
    """
    if rule is None:
        return set()
    scores = list(scores)
    candidates = sorted((s for s in scores if s.droppable), key=lambda s: (s.total, s.entered, s.order))
    if rule.drop_worst is not None:
        n_drop = rule.drop_worst
    else:
        protected = len(scores) - len(candidates)
        n_drop = len(candidates) - max(0, rule.best_of - protected)
    return {s.race_id for s in candidates[: max(0, n_drop)]}
