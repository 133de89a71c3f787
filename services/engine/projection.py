"""standings = f(rules, facts): every table, as of any round, with the change since the round before."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from schemas.events import Adjustment, Event, RaceClassification
from schemas.rules import RaceDef, Rules, TableDef
from services.engine.facts import rules_of
from services.engine.memo import Memo
from services.engine.scoring import RaceScore, score_race
from services.engine.tables import RaceToRun, build_table

# Live, a new event changes one race: the other races' scores and the previous round's tables
# are the same as last time, so they are remembered, keyed by the events they were computed from.
SCORED: Memo[dict[str, list[RaceScore]]] = Memo(20_000)
BUILT: Memo[dict] = Memo(5_000)


class HeldRace(NamedTuple):
    order: int
    race: RaceClassification
    track: str | None
    scores: dict[str, list[RaceScore]]  # class id -> the non-guest cars' scores, in class order
    inputs: tuple[Event, ...]  # the events this race's scores were derived from: rules, result, awards


def standings(facts: Mapping[str, Event], after_round: int | None = None) -> dict[str, dict]:
    """Every table the rules keep, keyed "table_id/class_id", as of `after_round` (default: latest).

    Pure and deterministic: the same facts give the same tables, byte for byte once serialized
    with sorted keys, whatever order the facts were recorded in.
    """
    rules = rules_of(facts)
    if rules is None:
        return {}
    races = _held_races(rules, facts)
    last = max((h.race.round for h in races), default=0)
    cutoff = last if after_round is None else min(after_round, last)
    previous = max((h.race.round for h in races if h.race.round < cutoff), default=None)
    adjustments = [e for _, e in sorted((k, e) for k, e in facts.items() if k.startswith("adjustment:"))]
    tables = {}
    for table in rules.tables:
        classes = [c.id for c in rules.classes if not table.classes or c.id in table.classes] if table.per_class else [None]
        for class_id in classes:
            current = _table(rules, facts["rules"], table, class_id, races, adjustments, cutoff)
            before = _table(rules, facts["rules"], table, class_id, races, adjustments, previous) if previous else None
            tables[f"{current['table_id']}/{current['class_id']}"] = _with_moves(current, before)
    return tables


def _held_races(rules: Rules, facts: Mapping[str, Event]) -> list[HeldRace]:
    calendar = rules.schedule
    classified: list[tuple[str, Event]] = []
    awards: dict[str, list[tuple[str, Event]]] = {}
    for key, event in facts.items():
        if key.startswith("race:"):
            classified.append((key, event))
        elif key.startswith(("pole:", "fastest_lap:")):
            awards.setdefault(event.payload.race_id, []).append((key, event))
    classified.sort(key=lambda ke: (ke[1].payload.round, calendar.get(ke[1].payload.race_id, (len(calendar),))[0], ke[0]))
    held = []
    for order, (_, event) in enumerate(classified):
        race = event.payload
        given = [e for _, e in sorted(awards.get(race.race_id, ()), key=lambda ke: ke[0])]
        inputs = (facts["rules"], event, *given)
        scores = SCORED.get(inputs, lambda race=race, given=given: _scored_by_class(rules, race, given))
        at = calendar.get(race.race_id)
        held.append(HeldRace(order, race, at.track if at else race.track, scores, inputs))
    return held


def _scored_by_class(rules: Rules, race: RaceClassification, awards: list[Event]) -> dict[str, list[RaceScore]]:
    poles = {e.payload.class_id: e.payload for e in awards if e.type == "pole.awarded"}
    fastest = {e.payload.class_id: e.payload for e in awards if e.type == "fastest_lap.set"}
    by_class: dict[str, list[RaceScore]] = {}
    for score in score_race(rules, race, poles, fastest):
        if not score.guest:  # guests are in no table
            by_class.setdefault(score.class_id, []).append(score)
    return by_class


def _table(rules, registration, table: TableDef, class_id, races: list[HeldRace], adjustments: list[Event], cutoff: int) -> dict:
    def counts(round_: int, track: str | None) -> bool:
        return (table.rounds is None or round_ in table.rounds) and (table.tracks is None or track in table.tracks)

    held = [h for h in races if h.race.round <= cutoff and counts(h.race.round, h.track)]
    inputs = (registration, *adjustments, *(e for h in held for e in h.inputs))
    return BUILT.get(
        inputs,
        lambda: _build(rules, table, class_id, races, held, [e.payload for e in adjustments], cutoff, counts),
        tag=(table.id, class_id, cutoff),
    )


def _build(rules, table, class_id, races, held: list[HeldRace], adjustments: list[Adjustment], cutoff, counts) -> dict:
    done = {h.race.race_id for h in races if h.race.round <= cutoff}
    cars = table.cars_per_race or 1  # teams without a limit have no title fight: tables.build_table
    to_run = [
        RaceToRun(race_id, 10_000 + at.order, _max_race_score(rules, table, class_id, at.race, cars))
        for race_id, at in rules.schedule.items()
        if race_id not in done and counts(at.round, at.track)
    ]
    scored = [(h.order, h.race.race_id, h.race.round, h.scores) for h in held]
    return build_table(rules, table, class_id, scored, to_run, adjustments, cutoff)


def _max_race_score(rules: Rules, table: TableDef, class_id: str | None, race: RaceDef, cars: int) -> float:
    """An upper bound of what one competitor can take from one race (teams: every counted car wins)."""
    best = 0.0
    for c in [class_id] if class_id else [c.id for c in rules.classes]:
        points = rules.points_table(race.session_type, c)
        bonus = sum(
            b.points for b in rules.bonuses
            if (b.classes is None or c in b.classes) and (b.session_types is None or race.session_type in b.session_types)
        )
        best = max(best, (points.points[0] if points else 0) * race.factor + bonus)
    return best * cars


def _with_moves(current: dict, before: dict | None) -> dict:
    """`current` with each row's position before this round and the places gained since."""
    earlier = {row["id"]: row["position"] for row in before["rows"]} if before else {}
    rows = []
    for row in current["rows"]:
        was = earlier.get(row["id"])
        rows.append({**row, "previous_position": was, "change": was - row["position"] if was is not None else None})
    return {**current, "rows": rows}
