"""Why the order: for each competitor level on points with a neighbour, the rule that separates them.

A row's reason names the neighbour it was compared with: the first of a group of equal points is
compared with the one below it, every other with the one above, so the reasons chain down the group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from schemas.table_rules import Ranking
from services.engine.competitors import Competitor


class Ranked(NamedTuple):
    position: int
    shared: bool
    competitor: Competitor
    key: tuple  # (disqualified, -points, countback key, *fallback keys): see ranking.rank
    tiebreak: dict | None = None  # {"rule", "versus", "ahead", "text"}: why it ranks there, when level on points


def why(ranked: list[Ranked], ranking: Ranking, races: Sequence[str] = ()) -> list[Ranked]:
    """`ranked` with the tiebreak of every competitor that is level on points with a neighbour."""
    out = ranked[:]
    for i in range(len(ranked) - 1):  # each pair of neighbours on the same points
        r, below = ranked[i], ranked[i + 1]
        if r.key[1] == below.key[1]:
            if out[i].tiebreak is None:  # the first of its group: compared with the one below
                out[i] = Ranked(r.position, r.shared, r.competitor, r.key, _reason(r, below, True, ranking, races))
            out[i + 1] = Ranked(below.position, below.shared, below.competitor, below.key,
                                _reason(below, r, False, ranking, races))
    return out


def _reason(me: Ranked, other: Ranked, ahead: bool, ranking: Ranking, races: Sequence[str]) -> dict:
    a, b = (me.key, other.key) if ahead else (other.key, me.key)  # the one ranked first, then the other
    differ = 0 if a[0] != b[0] else 2 if a[2] != b[2] else next((j for j in range(3, len(a)) if a[j] != b[j]), None)
    c = other.competitor
    name = f"{c.name} (#{c.car_number})" if c.car_number else c.name
    if differ is None:
        rule = "shared" if ranking.tie == "share" else "name"
        how = "position shared" if rule == "shared" else "ordered by name"
        text = f"level with {name} on {'points, countback and fallbacks' if ranking.fallback else 'points and countback'}: {how}"
    elif differ == 0:
        rule, text = "disqualified", f"{'ahead of' if ahead else 'behind'} {name}: disqualified from the championship ranks last"
    elif differ == 2:
        rule, text = "countback", f"{'ahead of' if ahead else 'behind'} {name} on countback, {_countback(a[2], b[2], ahead)}"
    else:
        rule = ranking.fallback[differ - 3]
        figures = _fallback(rule, me.competitor, c, a[differ], b[differ], ahead, races)
        text = f"{'ahead of' if ahead else 'behind'} {name} on {figures}"
    return {"rule": rule, "versus": c.id, "ahead": ahead, "text": text}


def _countback(better: tuple, worse: tuple, ahead: bool) -> str:
    """'more wins: 3 to 2' (seen from the one ahead) or 'fewer 2nd places: 1 to 2' (from the one behind)."""
    # Both keys end with infinity, so they differ at an index both have: the better one's place there is the decider.
    i = 0
    while better[i] == worse[i]:
        i += 1
    place = better[i]
    n_better, n_worse = better.count(place), worse.count(place)
    what = "wins" if place == 1 else f"{_ordinal(int(place))} places"
    return f"more {what}: {n_better} to {n_worse}" if ahead else f"fewer {what}: {n_worse} to {n_better}"


def _fallback(rule: str, me: Competitor, other: Competitor, better: tuple, worse: tuple, ahead: bool,
              races: Sequence[str]) -> str:
    """The fallback's figures, `me`'s first: 'poles: 3 to 2', or the latest race where the places differ."""
    if rule in ("poles", "fastest_laps"):
        slot = 2 if rule == "poles" else 3
        return f"{rule.replace('_', ' ')}: {me.tally[slot]} to {other.tally[slot]}"
    i = next(i for i, (a, b) in enumerate(zip(better, worse, strict=True)) if a != b)
    mine, theirs = (better[i], worse[i]) if ahead else (worse[i], better[i])
    return f"the most recent race where they differ ({races[len(races) - 1 - i]}): {_place(mine)} to {_place(theirs)}"


def _place(place: float) -> str:
    return "no points place" if place == math.inf else _ordinal(int(place))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
