"""Realistic test events for the projector tests, and helpers to publish and observe them.

Events are JSON-ready dicts (what a producer XADDs as the `data` field), built deterministically
from a seed: a championship.registered with simple rules (two classes, a calendar, top-10 points,
a pole bonus) and race.classified events (optionally several revisions of a race).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterable

from redis.asyncio import Redis

from services.runtime import keys
from services.runtime.settings import Settings

CLASSES = ("pro", "am")
POINTS = [25, 18, 15, 12, 10, 8, 6, 4, 2, 1]


def rules(rounds: int = 8, races_per_round: int = 2, name: str = "Test Cup") -> dict:
    return {
        "name": name,
        "season": 2024,
        "classes": [{"id": c, "name": c.title()} for c in CLASSES],
        "calendar": [
            {"round": r, "track": f"track-{r}", "races": [{"race_id": race_id(r, i)} for i in range(1, races_per_round + 1)]}
            for r in range(1, rounds + 1)
        ],
        "points": [{"session_type": "race", "points": POINTS}],
        "bonuses": [{"kind": "pole", "points": 2}],
        "tables": [{"id": "drivers", "name": "Drivers"}, {"id": "teams", "name": "Teams", "kind": "teams"}],
    }


def race_id(round_: int, index: int) -> str:
    return f"r{round_:02d}-{index}"


def stamp(minutes: int) -> str:
    return f"2024-03-{1 + minutes // 1440:02d}T{(minutes // 60) % 24:02d}:{minutes % 60:02d}:00Z"


def registration(cid: str, *, revision: int = 1, **rule_args) -> dict:
    return {
        "event_id": f"{cid}:registered:{revision}",
        "type": "championship.registered",
        "championship_id": cid,
        "occurred_at": stamp(0),
        "payload": {"revision": revision, "rules": rules(**rule_args)},
    }


def cars(count: int = 12) -> list[dict]:
    return [
        {
            "car_number": str(10 + i),
            "driver_id": f"d{i:02d}",
            "driver_name": f"Driver {i:02d}",
            "team_id": f"t{i % 4}",
            "team_name": f"Team {i % 4}",
            "class_id": CLASSES[i % len(CLASSES)],
        }
        for i in range(count)
    ]


def race(cid: str, round_: int, index: int, *, revision: int = 1, seed: int = 0, field: int = 12) -> dict:
    rng = random.Random(f"{cid}/{round_}/{index}/{revision}/{seed}")
    order = cars(field)
    rng.shuffle(order)
    rid = race_id(round_, index)
    return {
        "event_id": f"{cid}:{rid}:rev{revision}",
        "type": "race.classified",
        "championship_id": cid,
        "occurred_at": stamp(round_ * 600 + index * 60 + revision),
        "payload": {
            "round": round_,
            "race_id": rid,
            "track": f"track-{round_}",
            "revision": revision,
            "entries": [{**car, "position": pos, "laps": 20} for pos, car in enumerate(order, start=1)],
        },
    }


def pole(cid: str, round_: int, index: int, class_id: str, car: dict) -> dict:
    rid = race_id(round_, index)
    return {
        "event_id": f"{cid}:{rid}:pole:{class_id}",
        "type": "pole.awarded",
        "championship_id": cid,
        "occurred_at": stamp(round_ * 600 + index * 60),
        "payload": {"race_id": rid, "round": round_, "class_id": class_id,
                    "car_number": car["car_number"], "driver_id": car["driver_id"]},
    }


def season(cid: str, *, rounds: int = 8, races_per_round: int = 2, revisions: int = 1, seed: int = 0) -> list[dict]:
    """Registration first, then every race (each in `revisions` revisions) and a pole per class."""
    events = [registration(cid, rounds=rounds, races_per_round=races_per_round)]
    field = cars()
    for r in range(1, rounds + 1):
        for i in range(1, races_per_round + 1):
            for rev in range(1, revisions + 1):
                events.append(race(cid, r, i, revision=rev, seed=seed))
            for c, class_id in enumerate(CLASSES):
                events.append(pole(cid, r, i, class_id, field[(r + i + c) % len(field)]))
    return events


async def publish(client: Redis, settings: Settings, events: Iterable[dict | str | bytes]) -> list[bytes]:
    """XADD each event as a plain `data` entry (one pipeline); returns the stream ids."""
    async with client.pipeline(transaction=False) as pipe:
        for event in events:
            data = json.dumps(event) if isinstance(event, dict) else event
            pipe.xadd(settings.events_stream, {"data": data})
        return await pipe.execute()


async def group_state(client: Redis, settings: Settings) -> dict:
    """The projector group's pending count and lag (entries not yet delivered).

    Caught up means the group's last delivered id is the stream's last id: Redis's own lag
    counter can stay stale (seen at 940 after an AOF restart with every entry delivered), so it
    only says how far behind a group is that has not caught up.
    """
    last_id = (await client.xinfo_stream(settings.events_stream))["last-generated-id"]
    for group in await client.xinfo_groups(settings.events_stream):
        if group["name"].decode() == settings.projector_group:
            lag = 0 if group["last-delivered-id"] == last_id else group["lag"] or 1
            return {"pending": group["pending"], "lag": lag}
    return {"pending": None, "lag": None}


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0, every: float = 0.02) -> None:
    """Until `condition()` holds; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition {condition.__name__} not met within {timeout} s")
        await asyncio.sleep(every)


async def wait_drained(client: Redis, settings: Settings, timeout: float = 30.0) -> None:
    """Until every entry of the event stream was delivered to the group and acknowledged."""
    async def drained() -> bool:
        return await group_state(client, settings) == {"pending": 0, "lag": 0}

    try:
        await until(drained, timeout)
    except TimeoutError:
        raise TimeoutError(f"projector group not drained: {await group_state(client, settings)}") from None


async def snapshot(client: Redis, cid: str) -> dict:
    """What the projection holds for `cid`: every key but the stamp (a random token per write):
    tables (bytes), version, facts, accepted record, changes records, and its place in the index."""
    changes = await client.xrange(keys.changes_stream(cid))
    return {
        "listed": await client.sismember(keys.CHAMPIONSHIPS_KEY, cid),
        "tables": await client.hgetall(keys.tables_key(cid)),
        "facts": await client.hgetall(keys.facts_key(cid)),
        "accepted": await client.hgetall(keys.accepted_key(cid)),
        "version": int(await client.get(keys.version_key(cid)) or 0),
        "changes": [json.loads(fields[b"data"]) for _, fields in changes],
    }
