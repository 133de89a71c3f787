"""The notifier against a real Redis (conftest fixtures), the real projector and a real HTTP receiver.

The receiver is `http.server` in a thread on a free loopback port, scripted per path, recording
every request: no mocks anywhere.
Pure tests of `announce()` come first (no I/O); the receiver and the helpers are in
`notifier_support`, the bot-specific tests (formats, rate limits, independence, signatures, start
position, dead letters) in `test_bots.py`.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from services.notifier import Names, announce, digest, notifier_running, render
from services.notifier.dead_letters import list_dead_letters
from services.notifier.webhooks import redact, webhook_key
from services.runtime import keys
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings
from tests.integration import notifier_support
from tests.integration.notifier_support import (
    CHAMP,
    CID,
    lead_text,
    notified,
    notifier_settings,
    project,
    race,
    registration,
    wait_for,
)

receiver = notifier_support.receiver  # the fixture


# --- announce(): pure ---------------------------------------------------------------------------

def row(id_: str, position: int, points: float, previous: int | None = None) -> dict:
    return {"id": id_, "name": id_.title(), "position": position, "points": points, "previous_position": previous}


def change(changes: list[dict], rows: list[dict], *, kind: str = "drivers", table_id: str = "drivers",
           races_held: int = 3, class_id: str = "pro") -> tuple[dict, dict[str, dict]]:
    """A compact `standings.changed` and the full table it names (what the notifier reads from the hash)."""
    key = f"{table_id}/{class_id}"
    table = {"table_id": table_id, "class_id": class_id, "name": table_id.title(), "kind": kind,
             "races_held": races_held, "rows": rows}
    diffs = [{"table": key, "table_id": table_id, "class_id": class_id, "moves": [],
              "points_gained": [], "leader_change": None, "clinched": None, **c} for c in changes]
    return {"event_id": "cup:v7", "championship_id": "cup", "payload": {"version": 7, "changes": diffs}}, {key: table}


NAMES = Names(CHAMP, {"pro": "Pro", "am": "Masters"})


def test_new_leader_text_and_fields() -> None:
    ev = change([{"leader_change": {"from": "bob", "to": "loek hartog"}, "moves": [{"id": "loek hartog", "from": 2, "to": 1}]}],
                [row("loek hartog", 1, 40), row("bob", 2, 35)])
    [a] = announce(*ev, NAMES)
    assert a.text == f"Loek Hartog takes the Pro lead ({CHAMP})"
    assert (a.kind, a.driver_id, a.table, a.version, a.event_id, a.from_position) == (
        "leader", "loek hartog", "drivers/pro", 7, "cup:v7", 2)
    assert a.summary == "Loek Hartog takes the Pro lead"
    one = digest([a], CHAMP)
    assert render(one, "json")["kind"] == "leader" and render(one, "json")["championship_id"] == "cup"
    assert render(one, "json")["announcements"] == [a.to_dict()] and "summary" not in a.to_dict()


def test_clinch_replaces_the_same_drivers_lead_and_climbs_need_three_places() -> None:
    ev = change([{"leader_change": {"from": "b", "to": "a"}, "clinched": "a",
                  "moves": [{"id": "a", "from": 2, "to": 1}, {"id": "c", "from": 7, "to": 4},
                            {"id": "d", "from": 6, "to": 4}]}],
                [row("a", 1, 90), row("b", 2, 50), row("c", 4, 30), row("d", 4, 30)], class_id="am")
    texts = [a.text for a in announce(*ev, NAMES)]
    assert texts == [f"A clinches the Masters title ({CHAMP})", f"C climbs from 7th to 4th in the Masters standings ({CHAMP})"]


def test_first_points_but_not_after_the_opener_and_only_in_drivers_tables() -> None:
    gained = {"points_gained": [{"id": "new", "points": 2}, {"id": "old", "points": 5}]}
    rows = [row("old", 1, 30), row("new", 9, 2)]
    assert [a.kind for a in announce(*change([gained], rows), NAMES)] == ["first_points"]
    assert announce(*change([gained], rows, races_held=1), NAMES) == []
    teams = change([{**gained, "leader_change": {"from": None, "to": "old"}}], rows, kind="teams", table_id="teams")
    assert [a.text for a in announce(*teams, NAMES)] == [f"Old takes the Pro Teams lead ({CHAMP})"]


def test_a_manufacturers_table_announces_a_new_leader_but_no_climb_or_first_points() -> None:
    ev = change([{"leader_change": {"from": "porsche", "to": "ferrari"}, "points_gained": [{"id": "bmw", "points": 4}],
                  "moves": [{"id": "ferrari", "from": 2, "to": 1}, {"id": "bmw", "from": 7, "to": 3}]}],
                [row("ferrari", 1, 90), row("porsche", 2, 80), row("bmw", 3, 4)], kind="manufacturers", table_id="manufacturers")
    [lead] = announce(*ev, NAMES)
    assert (lead.text, lead.driver_id) == (f"Ferrari takes the Pro Manufacturers lead ({CHAMP})", "ferrari")


def test_a_lead_lost_to_a_tie_is_not_announced_and_unknown_names_fall_back() -> None:
    ev = change([{"leader_change": {"from": "a", "to": None}}], [row("a", 1, 10), row("b", 1, 10)], class_id="x")
    assert announce(*ev, Names("cup")) == []
    ev = change([{"leader_change": {"from": None, "to": "a"}}], [row("a", 1, 10)], class_id="x")
    assert announce(*ev, Names("cup"))[0].text == "A takes the x lead (cup)"
    assert announce(ev[0], {}, Names("cup"))[0].text == "a takes the x lead (cup)"  # the table is gone: ids


def test_tables_read_after_a_later_change_give_names_but_no_first_points() -> None:
    moved = {"id": "new", "name": "New As Of The Change", "from": 9, "to": 5}
    ev, tables = change([{"moves": [moved], "points_gained": [{"id": "new", "name": moved["name"], "points": 2}]}],
                        [row("old", 1, 30), row("new", 5, 2)])
    assert [a.kind for a in announce(ev, tables, NAMES)] == ["climb", "first_points"]
    [climb] = announce(ev, tables, NAMES, exact=False)  # the totals may be later ones: first points unknown
    assert climb.text == f"New As Of The Change climbs from 9th to 5th in the Pro standings ({CHAMP})"


# --- the service ----------------------------------------------------------------------------------

async def test_a_new_leader_is_one_post_with_the_right_text(redis_url, redis_client, receiver) -> None:
    s = notifier_settings(redis_url, [receiver.url("/ok")])
    async with notifier_running(redis_url, s):  # started before the championship exists: discovery
        await project(redis_client, redis_url, [registration(), race(1), race(2)])
        await wait_for(lambda: notified(redis_client, s))
    posts = receiver.posts()
    assert [p["body"]["text"] for p in posts] == [lead_text(1), lead_text(2)]
    last = posts[-1]["body"]
    assert (last["kind"], last["championship_id"], last["table"], last["driver_id"]) == (
        "leader", CID, "drivers/pro", "loek-hartog")
    assert last["event_id"] == f"{CID}:v{last['version']}" and posts[-1]["id"] == last["event_id"]
    assert receiver.requests == posts  # nothing else was sent, nothing twice


async def test_a_receiver_failing_twice_gets_the_announcement_then_it_is_acked(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    receiver.script["/flaky"] = [500, 503]
    s = notifier_settings(redis_url, [receiver.url("/flaky")], webhook_format="slack")
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    attempts = receiver.posts("/flaky", status=None)
    assert [a["status"] for a in attempts] == [500, 503, 200]
    assert all(a["body"]["text"] == lead_text(1) for a in attempts)
    assert len({a["id"] for a in attempts}) == 1  # one announcement id: receivers can deduplicate
    assert await list_dead_letters(redis_client, s) == []


async def test_a_dead_receiver_is_dead_lettered_and_never_blocks_the_stream(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1), race(2)])
    receiver.always.update({"/down": 500, "/gone": 404})
    s = notifier_settings(redis_url, [receiver.url(p) for p in ("/down", "/gone", "/ok")])
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts("/ok")] == [lead_text(1), lead_text(2)]
    assert len(receiver.posts("/down", status=None)) == 2 * 3  # max attempts per announcement
    assert len(receiver.posts("/gone", status=None)) == 2  # a 404 is final: not retried
    letters = await list_dead_letters(redis_client, s)
    down, gone = redact(receiver.url("/down")), redact(receiver.url("/gone"))
    assert sorted((d["url"], d["reason"]) for d in letters) == sorted(
        [(down, "HTTP 500 after 3 attempts")] * 2 + [(gone, "HTTP 404")] * 2)
    assert "/down" not in down and down.startswith("http://127.0.0.1:")
    assert {json.loads(d["payload"])["text"] for d in letters} == {lead_text(1), lead_text(2)}
    assert all(d["championship_id"] == CID and d["kind"] == "leader" and d["event_id"] for d in letters)
    assert {d["payload_type"] for d in letters} == {"webhook_body"}


async def test_an_unreadable_change_is_dead_lettered_and_the_next_one_announced(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration()])
    await redis_client.xadd(keys.changes_stream(CID), {"data": '{"type": "standings.changed"}'})
    await project(redis_client, redis_url, [race(1)])
    s = notifier_settings(redis_url, [receiver.url("/ok")])
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts()] == [lead_text(1)]
    [letter] = await list_dead_letters(redis_client, s)
    assert letter["reason"].startswith("invalid standings.changed") and letter["url"] == ""


async def test_records_of_schema_version_1_left_in_the_stream_are_announced(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1), race(2)])
    stream, tables = keys.changes_stream(CID), await redis_client.hgetall(keys.tables_key(CID))
    records = [json.loads(fields[b"data"]) for _, fields in await redis_client.xrange(stream)]
    await redis_client.delete(stream)
    for r in records:  # as an older projector wrote them: every changed table in full
        carried = [json.loads(tables[c["table"].encode()]) for c in r["payload"]["changes"]]
        await redis_client.xadd(stream, {"data": json.dumps({**r, "schema_version": 1,
                                                            "payload": {**r["payload"], "tables": carried}})})
    s = notifier_settings(redis_url, [receiver.url("/ok")])
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts()] == [lead_text(1), lead_text(2)]
    assert await list_dead_letters(redis_client, s) == []


async def test_a_restart_does_not_announce_acknowledged_changes_again(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    s = notifier_settings(redis_url, [receiver.url("/ok")])
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    async with notifier_running(redis_url, s):  # same group, same consumer name
        await project(redis_client, redis_url, [race(2)])
        await wait_for(lambda: notified(redis_client, s))
    async with notifier_running(redis_url, notifier_settings(redis_url, [receiver.url("/ok")], consumer_name="other")):
        await project(redis_client, redis_url, [race(3)])
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts()] == [lead_text(1), lead_text(2), lead_text(3)]


async def test_a_slow_receiver_is_not_handed_out_twice_by_the_claimer(redis_url, redis_client, receiver) -> None:
    await project(redis_client, redis_url, [registration(), race(1), race(2)])
    receiver.delay["/slow"] = 0.8  # each POST outlasts claim_idle_ms: the batch is kept claimed meanwhile
    s = notifier_settings(redis_url, [receiver.url("/slow")], claim_idle_ms=200)
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    assert [p["body"]["text"] for p in receiver.posts("/slow")] == [lead_text(1), lead_text(2)]


@pytest.mark.parametrize("max_deliveries", [5, 1])
async def test_changes_left_pending_by_a_dead_consumer_are_reclaimed(redis_url, redis_client, receiver,
                                                                       max_deliveries) -> None:
    await project(redis_client, redis_url, [registration(), race(1)])
    s = notifier_settings(redis_url, [receiver.url("/ok")], claim_idle_ms=100, max_deliveries=max_deliveries)
    stream = keys.changes_stream(CID)
    webhook_group = f"{s.notifier_group}:{webhook_key(receiver.url('/ok'))}"
    await redis_client.xgroup_create(stream, webhook_group, id="0")
    await redis_client.xreadgroup(webhook_group, "crashed", {stream: ">"})  # read, never acked
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    letters = await list_dead_letters(redis_client, s)
    if max_deliveries > 1:  # redelivered to the claimer and announced
        assert [p["body"]["text"] for p in receiver.posts()] == [lead_text(1)] and letters == []
    else:  # second delivery is over the limit: dead-lettered whole, never announced
        assert receiver.requests == []
        assert {(d["reason"], d["payload_type"], d["group"]) for d in letters} == {
            ("delivered 2 times (max 1)", "standings.changed", webhook_group)}


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Route logging (JSON) to a buffer for the test; restore the previous configuration after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure_logging(Settings(log_level="info", log_format="json"), out)
    yield out
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


async def test_a_version_gap_is_logged_and_every_line_names_the_change(redis_url, redis_client, receiver, log_lines) -> None:
    await project(redis_client, redis_url, [registration(), race(1), race(2)])
    stream = keys.changes_stream(CID)
    entries = await redis_client.xrange(stream)
    await redis_client.xdel(stream, entries[-2][0])  # the subscriber misses the next-to-last change
    s = notifier_settings(redis_url, [receiver.url("/ok")])
    async with notifier_running(redis_url, s):
        await wait_for(lambda: notified(redis_client, s))
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    last = json.loads(entries[-1][1][b"data"])
    gaps = [line for line in lines if line["event"] == "version gap: changes missed"]
    assert sorted(line["sink"] for line in gaps) == sorted(["log", redact(receiver.url("/ok"))])  # each group sees it
    gap = gaps[0]
    assert gap["event_id"] == last["event_id"] and gap["championship_id"] == CID
    assert gap["missing"] == f"{last['payload']['version'] - 1}..{last['payload']['version'] - 1}"
    handling = [line for line in lines if line["event"] in {"announced", "change handled", "webhook attempt failed"}]
    assert handling and all(line.get("event_id") and line.get("championship_id") == CID for line in handling)
