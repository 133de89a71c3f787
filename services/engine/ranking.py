"""Order a table: points, then countback, then a shared position or the stated fallback."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from schemas.rules import PointsTable, Ranking
from services.engine.competitors import Competitor

Depth = Callable[[str, str], float]  # (session type, class id) -> the last place countback looks at


def paid_through(table: PointsTable | None) -> float:
    """The last place a points table pays (every place when a floor pays those beyond its list)."""
    if table is None:
        return 0
    if table.floor > 0:
        return math.inf
    return max((i for i, p in enumerate(table.points, start=1) if p > 0), default=0)


def countback_key(c: Competitor, ranking: Ranking, depth: Depth | None = None) -> tuple[float, ...]:
    """Most wins first, then most seconds, ... over the session types the rules name (with a
    `depth`, only through the last place that race's points table pays). A team's result counts
    its best car's place, or every counted car's when the table says `countback_cars: all`.

    The places sorted best first, closed by infinity: comparing two keys finds the first place
    where one competitor has a result the other lacks, which is exactly countback.
    """
    sessions = ranking.countback_session_types
    places = sorted(
        place
        for race_id, r in c.results.items()
        if race_id not in c.excluded and r.session_type in sessions
        for place in (r.places if r.places is not None else (r.place,))
        if place is not None and (depth is None or place <= depth(r.session_type, r.class_id))
    )
    return (*places, math.inf)


def rank(people: list[Competitor], ranking: Ranking, depth: Depth | None = None) -> list[tuple[int, bool, Competitor]]:
    """(position, shared, competitor) in table order; equal points and countback share a position
    when the rules say so, else the name (then the id) decides, which is deterministic."""
    level = Counter(c.points for c in people)  # countback only matters, and is only computed, on a tie
    # A competitor disqualified from the championship keeps their points but ranks below everyone else.
    keyed = [((c.disqualified, -c.points, countback_key(c, ranking, depth) if level[c.points] > 1 else ()), c)
             for c in people]
    keyed.sort(key=lambda kc: (kc[0], kc[1].name, kc[1].id))
    share = ranking.tie == "share"
    ties = [i > 0 and keyed[i - 1][0] == key for i, (key, _) in enumerate(keyed)]  # ties[i]: level with the one above
    ties.append(False)
    ranked: list[tuple[int, bool, Competitor]] = []
    for i, (_, c) in enumerate(keyed):
        position = ranked[-1][0] if share and ties[i] else i + 1
        ranked.append((position, share and (ties[i] or ties[i + 1]), c))
    return ranked
