"""Order a table: points, then countback, then the rules' fallbacks, then a shared position or the name."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

from schemas.scoring_rules import PointsTable
from schemas.table_rules import Ranking
from services.engine.competitors import Competitor
from services.engine.explain import Ranked, why

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


def fallback_key(c: Competitor, fallback: str, races: Sequence[str]) -> tuple[float, ...]:
    """A tie-breaker after countback, smaller ranks higher: most poles, most fastest laps, or the
    places race by race from the most recent (a race without a points place, or excluded, is worst)."""
    if fallback == "poles":
        return (-c.tally[2],)
    if fallback == "fastest_laps":
        return (-c.tally[3],)
    return tuple(
        r.place if (r := c.results.get(race_id)) is not None and r.place is not None and race_id not in c.excluded else math.inf
        for race_id in reversed(races)
    )


def rank(people: list[Competitor], ranking: Ranking, depth: Depth | None = None, races: Sequence[str] = ()) -> list[Ranked]:
    """Every competitor in table order, with their position and why they rank there against a
    neighbour on the same points (see `explain.why`). Equal points, countback and fallbacks share
    a position when the rules say so, else the name (then the id) decides, which is deterministic.
    `races` are the table's races in running order (for the `latest_result` fallback)."""
    level = Counter(c.points for c in people)  # tie-breakers only matter, and are only computed, on a tie
    fallbacks = ranking.fallback

    def key(c: Competitor) -> tuple:
        # A competitor disqualified from the championship keeps their points but ranks below everyone else.
        if level[c.points] == 1:
            return (c.disqualified, -c.points)
        tied = (c.disqualified, -c.points, countback_key(c, ranking, depth))
        return tied + tuple(fallback_key(c, f, races) for f in fallbacks) if fallbacks else tied

    keyed = sorted(((key(c), c) for c in people), key=lambda kc: (kc[0], kc[1].name, kc[1].id))
    share = ranking.tie == "share"
    ties = [i > 0 and keyed[i - 1][0] == k for i, (k, _) in enumerate(keyed)]  # ties[i]: level with the one above
    ties.append(False)
    ranked: list[Ranked] = []
    for i, (k, c) in enumerate(keyed):
        position = ranked[-1].position if share and ties[i] else i + 1
        ranked.append(Ranked(position, share and (ties[i] or ties[i + 1]), c, k))
    return why(ranked, ranking, races)
