"""standings = f(rules, facts): every table, as of any round, with the change since the round before."""

from __future__ import annotations

from collections.abc import Mapping

from schemas.events import Event
from schemas.payloads import Adjustment, RaceClassification
from schemas.rules import Rules
from schemas.table_rules import TableDef
from services.engine.counting import HeldRace, competitors_after, counted_races, counts, table_calendar
from services.engine.drops import RaceToRun
from services.engine.facts import rules_of
from services.engine.memory import Memory
from services.engine.places import among_counted_cars
from services.engine.scoring import RaceScore, score_race
from services.engine.tables import build_table


def standings(facts: Mapping[str, Event], after_round: int | None = None, memory: Memory | None = None) -> dict[str, dict]:
    """Every table the rules keep, keyed "table_id/class_id", as of `after_round` (default: latest).

    Pure and deterministic: the same facts give the same tables, byte for byte once serialized
    with sorted keys, whatever order the facts were recorded in. `memory` (one per championship)
    lends the results of earlier calls whose input events are unchanged: the tables are the same
    with or without it, only cheaper (see `services.engine.memory`).
    """
    memory = memory if memory is not None else Memory()
    rules = rules_of(facts)
    if rules is None:
        return {}
    races = _held_races(rules, facts, memory)
    last = max((h.race.round for h in races), default=0)
    cutoff = last if after_round is None else min(after_round, last)
    previous = max((h.race.round for h in races if h.race.round < cutoff), default=None)
    adjustments = [e for _, e in sorted((k, e) for k, e in facts.items() if k.startswith("adjustment:"))]
    tables = {}
    for table in rules.tables:
        classes = [c.id for c in rules.classes if not table.classes or c.id in table.classes] if table.per_class else [None]
        for class_id in classes:
            current = _table(rules, facts["rules"], table, class_id, races, adjustments, cutoff, memory)
            before = _table(rules, facts["rules"], table, class_id, races, adjustments, previous, memory) if previous else None
            key = f"{current['table_id']}/{current['class_id']}"
            tables[key] = memory.recall("moves", key, (current, before), lambda c=current, b=before: _with_moves(c, b))
            memory.forget(("table", table.id, class_id), keep=lambda at: at[0] in (cutoff, previous))
    return tables


def _held_races(rules: Rules, facts: Mapping[str, Event], memory: Memory) -> list[HeldRace]:
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
    for _, event in classified:
        race = event.payload
        given = [e for _, e in sorted(awards.get(race.race_id, ()), key=lambda ke: ke[0])]
        inputs = (facts["rules"], event, *given)
        scores = memory.recall("race", race.race_id, inputs,
                               lambda race=race, given=given: _scored_by_class(rules, race, given))
        # A table with its own points tables or places, or left out of a bonus, scores the race again its own way.
        own = {
            t.id: memory.recall("race", (race.race_id, t.id), inputs,
                                lambda race=race, given=given, t=t: _scored_by_class(rules, race, given, t))
            for t in rules.own_scoring
        }
        at = calendar.get(race.race_id)
        held.append(HeldRace(race, at.track if at else race.track, scores, own))
    return held


def _scored_by_class(rules: Rules, race: RaceClassification, awards: list[Event],
                     table: TableDef | None = None) -> dict[str, list[RaceScore]]:
    poles = {e.payload.class_id: e.payload for e in awards if e.type == "pole.awarded"}
    fastest = {e.payload.class_id: e.payload for e in awards if e.type == "fastest_lap.set"}
    if table is not None and table.places == "counted_cars":
        race = among_counted_cars(race, table)
    by_class: dict[str, list[RaceScore]] = {}
    points, table_id = (table.points, table.id) if table is not None else (None, None)
    for score in score_race(rules, race, poles, fastest, points, table_id):
        if not score.guest:  # guests are in no table
            by_class.setdefault(score.class_id, []).append(score)
    return by_class


def _table(rules, registration, table: TableDef, class_id, races: list[HeldRace], adjustments: list[Event], cutoff: int,
           memory: Memory) -> dict:
    held = [h for h in races if h.race.round <= cutoff and counts(table, h.race.round, h.track)]
    if table in rules.own_scoring:
        held = [h._replace(scores=h.own[table.id]) for h in held]
    # Races still to run are those of the calendar not held by `cutoff`, counted by this table or not
    # (a race may be held in another round than the calendar says): part of the key, by value.
    done = {h.race.race_id for h in races if h.race.round <= cutoff}
    calendar = memory.recall("calendar", (table.id, class_id), (registration,), lambda: table_calendar(rules, table, class_id))
    to_run = [race for race in calendar if race.race_id not in done]
    inputs = (registration, *adjustments, *(h.scores for h in held))  # a race's scores are new when its events are
    return memory.recall(
        ("table", table.id, class_id),
        (cutoff, tuple(race.race_id for race in to_run)),
        inputs,
        lambda: _build(rules, table, class_id, held, to_run, [e.payload for e in adjustments], cutoff, memory),
    )


def _build(rules, table, class_id, held: list[HeldRace], to_run: list[RaceToRun], adjustments: list[Adjustment], cutoff,
           memory: Memory) -> dict:
    counted = counted_races(rules, table, class_id, held, adjustments, cutoff, memory)
    people = competitors_after(table, class_id, counted, memory)
    return build_table(rules, table, class_id, counted, people, to_run, adjustments, cutoff)


def _with_moves(current: dict, before: dict | None) -> dict:
    """`current` with each row's position before this round and the places gained since."""
    earlier = {row["id"]: row["position"] for row in before["rows"]} if before else {}
    rows = []
    for row in current["rows"]:
        was = earlier.get(row["id"])
        rows.append({**row, "previous_position": was, "change": was - row["position"] if was is not None else None})
    return {**current, "rows": rows}
