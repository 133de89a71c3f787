"""Order a table: points, then countback, then a shared position or the stated fallback."""

from __future__ import annotations

from collections import Counter

from schemas.rules import Ranking
from services.engine.competitors import Competitor


def total(c: Competitor) -> float:
    """Counted results plus their bonuses, minus deductions (rounded to 1/1000 of a point)."""
    return round(sum(r.counted for r in c.results.values()) - c.deduction, 3)


def countback_key(c: Competitor, ranking: Ranking, depth: int) -> tuple[int, ...]:
    """Most wins first, then most seconds, ... over the session types the rules name (negated to sort)."""
    places = Counter(
        r.place for r in c.results.values() if r.place is not None and r.session_type in ranking.countback_session_types
    )
    return tuple(-places[p] for p in range(1, depth + 1))


def rank(people: list[Competitor], ranking: Ranking) -> list[tuple[int, bool, Competitor]]:
    """(position, shared, competitor) in table order; equal points and countback share a position
    when the rules say so, else the name (then the id) decides, which is deterministic."""
    depth = max((r.place or 0 for c in people for r in c.results.values()), default=0)
    keyed = [((-total(c), countback_key(c, ranking, depth)), c) for c in people]
    keyed.sort(key=lambda kc: (kc[0], kc[1].name, kc[1].id))
    ranked: list[tuple[int, bool, Competitor]] = []
    for i, (key, c) in enumerate(keyed):
        tied_above = i > 0 and keyed[i - 1][0] == key
        tied_below = i + 1 < len(keyed) and keyed[i + 1][0] == key
        if ranking.tie == "share" and tied_above:
            ranked.append((ranked[-1][0], True, c))
        else:
            ranked.append((i + 1, ranking.tie == "share" and tied_below, c))
    return ranked
