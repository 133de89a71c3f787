"""Order a table: points, then countback, then a shared position or the stated fallback."""

from __future__ import annotations

import math
from collections import Counter

from schemas.rules import Ranking
from services.engine.competitors import Competitor


def countback_key(c: Competitor, ranking: Ranking) -> tuple[float, ...]:
    """Most wins first, then most seconds, ... over the session types the rules name.

    The places sorted best first, closed by infinity: comparing two keys finds the first place
    where one competitor has a result the other lacks, which is exactly countback.
    """
    places = sorted(
        r.place
        for race_id, r in c.results.items()
        if r.place is not None and race_id not in c.excluded and r.session_type in ranking.countback_session_types
    )
    return (*places, math.inf)


def rank(people: list[Competitor], ranking: Ranking) -> list[tuple[int, bool, Competitor]]:
    """(position, shared, competitor) in table order; equal points and countback share a position
    when the rules say so, else the name (then the id) decides, which is deterministic."""
    level = Counter(c.points for c in people)  # countback only matters, and is only computed, on a tie
    # A competitor disqualified from the championship keeps their points but ranks below everyone else.
    keyed = [((c.disqualified, -c.points, countback_key(c, ranking) if level[c.points] > 1 else ()), c) for c in people]
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
