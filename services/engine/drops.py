"""Dropped results: drop the worst K, or count the best N, never dropping protected races."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.rules import DropRule

# (total, entered, order, race_id): a missed race is (0.0, False, ...), so it sorts, and is
# dropped, before an entered race of the same score; then the earlier of two equal scores goes.
Candidate = tuple[float, bool, int, str]


def dropped_races(
    rule: DropRule | None,
    candidates: list[Candidate],
    protected: int,
    future: Sequence[Candidate] = (),
    future_protected: int = 0,
) -> list[str]:
    """Race ids whose scores do not count under `rule`.

    `candidates` are the droppable races held so far (entered or not; protected and excluded ones
    left out) and `protected` counts those that always count. `future`, sorted, adds races still
    to run at their best score, for the most a competitor can still reach.
    """
    if rule is None:
        return []
    held = len(candidates) + len(future)
    always = protected + future_protected
    n_drop = rule.drop_worst if rule.drop_worst is not None else held - max(0, rule.best_of - always)
    if n_drop <= 0:
        return []
    worst = sorted(candidates)[:n_drop]
    if future:
        worst = sorted(worst + list(future[:n_drop]))[:n_drop]
    return [c[3] for c in worst]
