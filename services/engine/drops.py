"""Dropped results: drop the worst K, or count the best N, never dropping protected races."""

from __future__ import annotations

from schemas.rules import DropRule

# (total, entered, order, race_id): a missed race is (0.0, False, ...), so it sorts, and is
# dropped, before an entered race of the same score; then the earlier of two equal scores goes.
Candidate = tuple[float, bool, int, str]


def dropped_races(rule: DropRule | None, candidates: list[Candidate], protected: int) -> list[str]:
    """Race ids whose scores do not count under `rule`.

    `candidates` are the droppable races (every race held for the table, entered or not, except
    protected and excluded ones); `protected` counts the races that always count.
    """
    if rule is None or not candidates:
        return []
    n_drop = rule.drop_worst if rule.drop_worst is not None else len(candidates) - max(0, rule.best_of - protected)
    if n_drop <= 0:
        return []
    return [c[3] for c in sorted(candidates)[:n_drop]]
