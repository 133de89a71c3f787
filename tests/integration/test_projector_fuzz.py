"""A seeded fuzz of the projector's input, against a real redis-server (tests/conftest.py).

One championship's valid events (built with tests/builders.py) are published in a seeded random
order among malformed entries of every kind a producer or a broken network could write: bytes
that are not UTF-8, JSON that is not an object, JSON nested thousands deep, the right fields with
the wrong JSON types, no `data` field, huge strings, events naming an unknown class, championship
or race, truncated events. The projector runs in-process until its group is drained, and then:

- every entry reached a final state within `max_deliveries`: nothing is pending, the group has
  delivered the stream's last entry, and no entry was dead-lettered for its delivery count (each
  was judged on what it holds);
- the dead-letter stream holds exactly the malformed entries (by its `stream_id` field);
- every valid event was applied (see `applied_event_ids`), and the tables are byte for byte what
  the pure engine computes from the valid events alone.

Entries that are odd but valid stay valid: a valid `data` next to an extra field that is not
UTF-8 is applied, and so is the same valid event published twice (once).
"""

from __future__ import annotations

import copy
import json
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from projector_events import wait_drained

from schemas.events import parse_event
from services.engine import standings
from services.projector import dead_letters, projector_running
from services.projector.stored import render_tables
from services.runtime import keys
from services.runtime.settings import Settings
from tests.builders import car, envelope, facts_of, small_rules

pytestmark = [pytest.mark.integration, pytest.mark.faults]

SEED = 20240917
# More seeds for a longer run: STANDINGS_FUZZ_SEEDS=3,17,42 adds those, STANDINGS_FUZZ_SEEDS=50 adds 1..50.
_MORE = os.environ.get("STANDINGS_FUZZ_SEEDS", "")
SEEDS = [SEED] + (list(range(1, int(_MORE) + 1)) if _MORE.isdigit() else [int(x) for x in _MORE.split(",") if x.strip()])
CID = "fuzz-cup"
MAX_DELIVERIES = 3


async def applied_event_ids(client, cid: str) -> set[str]:
    """The ids of the events the projection of `cid` accepted (its accepted record)."""
    return {i.decode() for i in await client.hkeys(keys.accepted_key(cid))}


# --- valid events ----------------------------------------------------------------------------

# (car number, driver id, class, team, driver name or None for the one derived from the id)
CARS = [
    ("7", "ann-lee", "pro", "red", None),
    ("11", "bo-chen", "pro", "red", None),
    ("23", "cy-diaz", "pro", "blue", None),
    ("4", "zoe-ode", "pro", "blue", "Zoë Ødegård"),
    ("31", "di-eze", "am", "green", None),
    ("44", "ed-fox", "am", "green", None),
    ("58", "fay-gul", "am", "gold", "Fay Gül"),
    ("60", "gus-ho", "am", "gold", None),
]
ROUNDS = 4  # small_rules: rounds 1-4, one race each ("r1".."r4") at tracks "a".."d"


def registration() -> dict:
    rules = small_rules(bonuses=[{"kind": "pole", "points": 1}, {"kind": "fastest_lap", "points": 1}])
    return envelope("championship.registered", {"revision": 1, "rules": rules}, championship_id=CID,
                    event_id=f"{CID}:registered")


def classified(rng: random.Random, round_: int, revision: int) -> dict:
    field = rng.sample(CARS, rng.randint(4, len(CARS)))
    entries = [car(number, driver, position, team=team, class_id=class_id, **({"driver_name": name} if name else {}))
               for position, (number, driver, class_id, team, name) in enumerate(field, start=1)]
    payload = {"race_id": f"r{round_}", "round": round_, "revision": revision, "entries": entries}
    if rng.random() < 0.5:
        payload["track"] = "abcd"[round_ - 1]
    return envelope("race.classified", payload, championship_id=CID, event_id=f"{CID}:r{round_}:rev{revision}")


def awarded(rng: random.Random, kind: str, round_: int, class_id: str, revision: int) -> dict:
    number, driver, *_ = rng.choice([c for c in CARS if c[2] == class_id])
    payload = {"race_id": f"r{round_}", "round": round_, "class_id": class_id, "car_number": number,
               "driver_id": driver, "revision": revision}
    return envelope(kind, payload, championship_id=CID, event_id=f"{CID}:r{round_}:{kind}:{class_id}:rev{revision}")


def valid_events(rng: random.Random) -> list[dict]:
    """The registration, then each round's race (maybe in two revisions), poles and fastest laps,
    and a points deduction."""
    events = [registration()]
    for round_ in range(1, ROUNDS + 1):
        for revision in range(1, rng.choice([1, 1, 2]) + 1):
            events.append(classified(rng, round_, revision))
        for kind in ("pole.awarded", "fastest_lap.set"):
            for class_id in ("pro", "am"):
                for revision in range(1, rng.choice([1, 1, 1, 2]) + 1):
                    events.append(awarded(rng, kind, round_, class_id, revision))
    penalty = {"adjustment_id": "pen-1", "kind": "points_deduction", "subject_id": rng.choice(CARS)[1],
               "from_round": 2, "points": 2.0, "reason": "causing a collision"}
    events.append(envelope("standings.adjusted", penalty, championship_id=CID, event_id=f"{CID}:pen-1"))
    return events


# --- malformed entries -----------------------------------------------------------------------

NOT_UTF8 = b"\xff\xfe\x80"


def dumps(event: dict, rng: random.Random) -> str:
    return json.dumps(event, ensure_ascii=rng.random() < 0.5)


def set_path(event: dict, path: tuple, value) -> dict:
    bad = copy.deepcopy(event)
    target = bad
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return bad


def leaves(value, path: tuple = ()) -> list[tuple[tuple, object]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, (*path, i))]
    return [(path, value)]


def wrong_type(rng: random.Random, value):
    """A JSON value no field typed like `value` accepts, with or without coercion: text never
    stands for a number here (and no number for a timestamp), a list or an object never for a
    scalar."""
    if isinstance(value, bool):
        return rng.choice([[value], {"value": value}, "maybe"])
    if isinstance(value, int | float):
        return rng.choice([[value], {"value": value}, "many", ""])
    return rng.choice([[value], {"value": value}, [], {}])


class Malformed:
    """Generators of malformed entries: each returns the entry's fields and a label."""

    def __init__(self, rng: random.Random, valid: list[dict]) -> None:
        self.rng, self.valid, self.serial = rng, valid, 0

    def some_valid(self, *types: str) -> dict:
        return self.rng.choice([e for e in self.valid if not types or e["type"] in types])

    def unique_id(self) -> str:
        self.serial += 1
        return f"{CID}:bad:{self.serial}"

    def random_bytes(self):
        rng = self.rng
        junk = bytearray(rng.randbytes(rng.randint(1, 300)))
        junk.insert(rng.randint(0, len(junk)), rng.choice([0xFF, 0xC0, 0x80, 0xED]))  # never UTF-8
        return {"data": bytes(junk)}, "random bytes (not UTF-8)"

    def random_text(self):
        rng = self.rng
        alphabet = '{}[]":,0123456789.-etruanlfs \\\n\t' + "é€😀\u2028"
        return {"data": "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))}, "random text"

    def valid_json_with_bad_bytes(self):
        text = dumps(self.some_valid(), self.rng).encode()
        cut = self.rng.randint(1, len(text) - 1)
        return {"data": text[:cut] + NOT_UTF8 + text[cut:]}, "event with bytes that are not UTF-8 inside"

    def not_an_object(self):
        event = self.some_valid()
        choice = self.rng.choice(["null", "true", "42", "-0.5e3", '"text"', "[]", "[1, {}]", "{}",
                                  json.dumps([event]), json.dumps(json.dumps(event)), ""])
        return {"data": choice}, f"JSON that is not an event object: {choice[:20]!r}"

    def deeply_nested(self):
        depth = self.rng.randint(1_000, 50_000)
        shape = self.rng.choice(["array", "object", "in envelope", "unclosed"])
        if shape == "array":
            text = "[" * depth + "]" * depth
        elif shape == "object":
            text = '{"a":' * depth + "0" + "}" * depth
        elif shape == "unclosed":
            text = "[" * depth
        else:
            event = self.some_valid("race.classified")
            head = json.dumps({**event, "event_id": self.unique_id(), "payload": None})[:-len("null}")]
            text = head + "[" * depth + "]" * depth + "}"
        return {"data": text}, f"JSON nested {depth} deep ({shape})"

    def wrong_types(self):
        event = self.some_valid()
        path, value = self.rng.choice(leaves(event))
        bad = set_path(event, path, wrong_type(self.rng, value))
        return {"data": dumps(bad, self.rng)}, f"wrong type at {'.'.join(map(str, path))}"

    def not_finite(self):
        event = self.some_valid("race.classified")
        bad = set_path(event, ("payload", "distance_pct"), self.rng.choice([float("nan"), float("inf")]))
        return {"data": json.dumps(bad)}, "NaN or Infinity"

    def missing_data(self):
        rng = self.rng
        text = dumps(self.some_valid(), rng)
        fields = rng.choice([{"payload": text}, {"Data": text}, {"data ": text}, {"event": text},
                             {NOT_UTF8: NOT_UTF8}, {"data\x00": text}])
        return fields, f"no data field: {sorted(map(repr, fields))[0][:20]}"

    def bad_data_and_non_utf8_field(self):
        text = dumps(self.some_valid(), self.rng)
        return {"data": text[: len(text) // 2], b"extra" + NOT_UTF8: NOT_UTF8}, "truncated data next to a non-UTF-8 field"

    def huge(self):
        rng = self.rng
        size = rng.choice([100_000, 300_000, 600_000, 1_200_000])
        event = self.some_valid("race.classified")
        kind = rng.choice(["event_id", "championship_id", "car_number", "driver_id", "text", "json string"])
        if kind == "text":
            data = "x" * size
        elif kind == "json string":
            data = json.dumps("a" * size)
        elif kind in ("event_id", "championship_id"):
            data = json.dumps({**event, kind: "e" * size})
        else:
            data = json.dumps(set_path(event, ("payload", "entries", 0, kind), "9" * size))
        return {"data": data}, f"huge ({size} chars): {kind}"

    def unknown_reference(self):
        """Valid JSON of a valid shape that the championship's rules refuse (a rule violation)."""
        rng = self.rng
        event = self.some_valid("race.classified", "pole.awarded", "fastest_lap.set")
        kind = rng.choice(["class", "class", "championship", "race"])
        if kind == "championship":
            bad = {**event, "championship_id": "nobody-registered"}
        elif kind == "race":
            bad = set_path(event, ("payload", "race_id"), "r9")
        elif event["type"] == "race.classified":
            bad = set_path(event, ("payload", "entries", rng.randrange(len(event["payload"]["entries"])), "class_id"), "gt3")
        else:
            bad = set_path(event, ("payload", "class_id"), "gt3")
        return {"data": dumps({**bad, "event_id": self.unique_id()}, rng)}, f"unknown {kind} ({event['type']})"

    def truncated(self):
        text = dumps(self.some_valid(), self.rng).encode()
        return {"data": text[: self.rng.randrange(len(text))]}, "truncated event"

    def all(self) -> list[Callable[[], tuple[dict, str]]]:
        return [self.random_bytes, self.random_text, self.valid_json_with_bad_bytes, self.not_an_object,
                self.deeply_nested, self.wrong_types, self.not_finite, self.missing_data,
                self.bad_data_and_non_utf8_field, self.huge, self.unknown_reference, self.truncated]


@dataclass
class Entry:
    fields: dict
    label: str
    valid: bool


def fuzzed_entries(rng: random.Random, valid: list[dict], malformed_count: int) -> list[Entry]:
    """The valid events (the registration first, some published twice or with an extra field that
    is not UTF-8) merged in random order with `malformed_count` malformed entries, at least two of
    each kind."""
    good = []
    for event in valid:
        good.append(Entry({"data": dumps(event, rng)}, event["type"], True))
        if rng.random() < 0.15:
            good.append(Entry({"data": dumps(event, rng)}, f"{event['type']} again", True))
        if rng.random() < 0.15:
            good.append(Entry({"data": dumps(event, rng), b"x-trace" + NOT_UTF8: NOT_UTF8},
                              f"{event['type']} with a non-UTF-8 field", True))
    rest = good[1:]
    rng.shuffle(rest)
    good = [good[0], *rest]
    kinds = Malformed(rng, valid).all()
    makers = kinds * 2 + [rng.choice(kinds) for _ in range(malformed_count - 2 * len(kinds))]
    bad = [Entry(*make(), False) for make in makers]
    rng.shuffle(bad)
    total = len(good) + len(bad)
    bad_slots, good_iter, bad_iter = set(rng.sample(range(total), len(bad))), iter(good), iter(bad)
    return [next(bad_iter) if i in bad_slots else next(good_iter) for i in range(total)]


async def xadd_all(client, settings: Settings, entries: list[Entry]) -> list[bytes]:
    async with client.pipeline(transaction=False) as pipe:
        for entry in entries:
            pipe.xadd(settings.events_stream, entry.fields)
        return await pipe.execute()


def expected_tables(events: list[dict]) -> dict[bytes, bytes]:
    tables = standings(facts_of(*(parse_event(json.dumps(e)) for e in events)))
    return {key.encode(): text for key, text in render_tables(tables).items()}


@pytest.mark.parametrize("seed", SEEDS)
async def test_every_fuzzed_entry_reaches_a_final_state_and_only_the_valid_ones_count(redis_url, redis_client, seed):
    rng = random.Random(seed)
    valid = valid_events(rng)
    entries = fuzzed_entries(rng, valid, malformed_count=60)
    s = Settings(redis_url=redis_url, consumer_name="fuzz-projector", claim_idle_ms=200,
                 max_deliveries=MAX_DELIVERIES, batch_size=rng.randint(1, 25))
    ids = await xadd_all(redis_client, s, entries)
    label = {sid.decode(): entry.label for sid, entry in zip(ids, entries, strict=True)}
    malformed = {sid.decode() for sid, entry in zip(ids, entries, strict=True) if not entry.valid}

    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s, timeout=15)  # nothing pending, the last entry delivered

    letters = await dead_letters.list_dead_letters(redis_client, s, count=10 * len(entries))
    lettered = Counter(letter.stream_id for letter in letters)  # may count 2: dead-lettering is at least once
    missing = sorted(label[sid] for sid in malformed - set(lettered))
    unexpected = sorted(label.get(sid, sid) for sid in set(lettered) - malformed)
    assert not missing and not unexpected, f"seed {seed}: not dead-lettered {missing}; dead-lettered but valid {unexpected}"
    assert set(lettered) == malformed
    by_count = [f"{label[d.stream_id]}: {d.reason[:80]}" for d in letters if d.reason.startswith("delivered ")]
    assert not by_count, f"seed {seed}: settled only by the delivery limit, not by what they hold: {by_count}"

    valid_ids = {event["event_id"] for event in valid}
    applied = await applied_event_ids(redis_client, CID)
    assert applied == valid_ids, f"seed {seed}: not applied {valid_ids - applied}; applied but malformed {applied - valid_ids}"
    stored = await redis_client.hgetall(keys.tables_key(CID))
    assert stored == expected_tables(valid), f"seed {seed}: the tables are not the engine's from the valid events"
