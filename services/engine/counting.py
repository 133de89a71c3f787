"""What one table group counts: its races in the calendar, the races held it counts, its competitors.

Each step is remembered in the championship's `Memory` (see there for the contract), so live only
the race that changed is looked at again.
"""

from __future__ import annotations

from typing import NamedTuple

from schemas.payloads import Adjustment, RaceClassification
from schemas.rules import Rules
from schemas.scoring_rules import RaceDef
from schemas.table_rules import TableDef
from services.engine.competitors import Competitor, accumulate
from services.engine.drops import RaceToRun
from services.engine.entries import race_entries
from services.engine.memory import Memory
from services.engine.scoring import RaceScore
from services.engine.tables import Counted


class HeldRace(NamedTuple):
    """A classified race, in running order, and its scores."""

    race: RaceClassification
    track: str | None
    scores: dict[str, list[RaceScore]]  # class id -> the non-guest cars' scores, in class order
    own: dict[str, dict[str, list[RaceScore]]]  # table id -> its scores, for the tables with their own points


CHECKPOINT = 4  # competitors are also kept after every 4th race: a revision of an old race redoes a few, not all


def competitors_after(table: TableDef, class_id: str | None, counted: list[Counted], memory: Memory) -> dict[str, Competitor]:
    """The table group's competitors after the `counted` races, as fresh copies the build may change.

    Extended race by race from the longest run of leading races remembered unchanged: live, that
    is every race but the last one or two, so the work is the races that changed, not the season
    (for a revision of an old race, the races from the checkpoint before it on).
    """
    family = ("competitors", table.id, class_id)  # item: how many leading races they count
    n = len(counted)
    start, people = 0, {}
    for k in range(n, 0, -1):
        remembered = memory.peek(family, k, tuple(counted[:k]))
        if remembered is not None:
            start, people = k, remembered
            break
    for k in range(start, n):
        people = accumulate(table.kind, people, counted[k].race_id, counted[k].entries)
        memory.store(family, k + 1, tuple(counted[: k + 1]), people)
    memory.forget(family, keep=lambda leading: leading >= n - 2 or leading % CHECKPOINT == 0)
    return {competitor_id: c.copy() for competitor_id, c in people.items()}


_NONE: frozenset[str] = frozenset()


def counted_races(rules: Rules, table: TableDef, class_id: str | None, held: list[HeldRace],
                  adjustments: list[Adjustment], cutoff: int, memory: Memory) -> list[Counted]:
    """The held races as the table group counts them (who each credits), in running order."""
    classes = (class_id,) if class_id else tuple(c.id for c in rules.classes if not table.classes or c.id in table.classes)
    decided = _drivers_decisions(table, adjustments, class_id, cutoff)
    return [
        memory.recall(
            ("counted", table.id, class_id),
            (h.race.race_id, decided.get(h.race.race_id, _NO_DECISION)),
            (h.scores,),
            lambda h=h: _counted(table, classes, h, decided.get(h.race.race_id, _NO_DECISION)),
        )
        for h in held
    ]


def _counted(table: TableDef, classes: tuple[str, ...], h: HeldRace, decided: tuple[frozenset[str], frozenset[str]]) -> Counted:
    provisional = any(cars[0].provisional for c in classes if (cars := h.scores.get(c)))
    return Counted(h.race.race_id, h.race.round, provisional, race_entries(table, classes, h.scores, *decided))


_NO_DECISION = (_NONE, _NONE)


def _drivers_decisions(table: TableDef, adjustments: list[Adjustment], class_id: str | None,
                       cutoff: int) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Race id -> (drivers whose result there is excluded, drivers whose points there are withheld), for a team
    or manufacturer table: such a car counts for nothing, or for its place without points."""
    if table.kind == "drivers":
        return {}
    decided: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for a in adjustments:
        if (a.kind in ("result_excluded", "points_withheld") and a.subject == "driver" and a.applies_to != "drivers"
                and not a.withdrawn and a.from_round <= cutoff
                and (a.class_id is None or class_id is None or a.class_id == class_id)):
            void, held_back = decided.get(a.race_id, _NO_DECISION)
            excluded = a.kind == "result_excluded"
            decided[a.race_id] = (void | {a.subject_id}, held_back) if excluded else (void, held_back | {a.subject_id})
    return decided


def table_calendar(rules: Rules, table: TableDef, class_id: str | None) -> list[RaceToRun]:
    """The calendar's races the table counts, each with the most one competitor can score in it."""
    cars = table.cars_per_race or 1  # teams without a limit have no title fight: tables.build_table
    return [
        RaceToRun(race_id, at.round, _max_race_score(rules, table, class_id, at.race, cars))
        for race_id, at in rules.schedule.items()
        if counts(table, at.round, at.track)
    ]


def counts(table: TableDef, round_: int, track: str | None) -> bool:
    """Whether the table counts a race of this round at this track (ANDIAL Cup: some tracks only)."""
    return (table.rounds is None or round_ in table.rounds) and (table.tracks is None or track in table.tracks)


def _max_race_score(rules: Rules, table: TableDef, class_id: str | None, race: RaceDef, cars: int) -> float:
    """An upper bound of what one competitor can take from one race (teams: every counted car wins)."""
    best = 0.0
    for c in [class_id] if class_id else [c.id for c in rules.classes]:
        points = rules.points_table(race.session_type, c, table.points)
        bonus = sum(
            b.points for b in rules.bonuses
            if (b.classes is None or c in b.classes) and (b.session_types is None or race.session_type in b.session_types)
            and b.counts_in(table.id)
        )
        best = max(best, (points.points[0] if points else 0) * race.factor + bonus)
    return best * cars
