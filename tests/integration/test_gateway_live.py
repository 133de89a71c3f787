"""The live feed (SSE) and its fan-out hub, against a real Redis and a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
import uvicorn
from projection import commit

from schemas.standings import StandingsChanged
from services.gateway import create_app
from services.gateway.hub import RESYNC, Hub, matches
from services.projector.outbox import dumps, standings_changed
from services.runtime import keys
from services.runtime.redis import connect, entry, entry_json
from services.runtime.server import free_port
from tests.builders import adjusted, car, classified, registered, rules_file

CID = "pccna-2024"


def race(race_id: str, round_: int, order: list[str], *others: dict) -> object:
    """A race whose Pro class finishes in ``order``, with ``others`` (cars of other classes) behind."""
    cars = [car(str(i + 1), driver, i + 1) for i, driver in enumerate(order)]
    return classified(race_id, round_, [*cars, *others], championship_id=CID)


@asynccontextmanager
async def serving(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on a free port in this event loop, and a client for it."""
    port = free_port()
    config = uvicorn.Config(create_app(redis_url), host="127.0.0.1", port=port, log_config=None,
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def sse(response: httpx.Response) -> AsyncIterator[dict]:
    """Parse a text/event-stream into {"event", "id", "data"} dicts (comments/pings skipped)."""
    event: dict = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in event:
                yield {**event, "data": json.loads(event["data"])}
            event = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            event[field] = value.removeprefix(" ")


@pytest.fixture
async def gateway(redis_client, redis_url) -> AsyncIterator[httpx.AsyncClient]:
    await commit(redis_client, CID, registered(rules_file("pccna-2024.yaml"), championship_id=CID))
    masters = car("80", "dan-oak", 4, class_id="masters")
    await commit(redis_client, CID, race("r01", 1, ["ann-lee", "bob-ray", "cy-fox"], masters))
    async with serving(redis_url) as client:
        yield client


async def next_event(events: AsyncIterator[dict]) -> dict:
    return await asyncio.wait_for(anext(events), timeout=5)


async def test_snapshot_then_filtered_changes_with_version_ids(gateway, redis_client) -> None:
    async with gateway.stream("GET", f"/championships/{CID}/live", params={"table": "drivers", "class_id": "pro"}) as r:
        events = sse(r)
        snapshot = await next_event(events)
        assert snapshot["event"] == "snapshot" and snapshot["id"] == "2"
        assert [t["table_id"] + "/" + t["class_id"] for t in snapshot["data"]["tables"]] == ["drivers/pro"]
        await commit(redis_client, CID, race("r02", 2, ["bob-ray", "cy-fox", "ann-lee"]))
        change = await next_event(events)
        assert change["event"] == "change" and change["id"] == "3"
        [table] = change["data"]["payload"]["tables"]
        assert (table["table_id"], table["class_id"]) == ("drivers", "pro")
        assert [row["id"] for row in table["rows"]] == ["bob-ray", "ann-lee", "cy-fox"]


async def test_changes_outside_the_filter_are_skipped_without_a_resync(gateway, redis_client) -> None:
    async with gateway.stream("GET", f"/championships/{CID}/live", params={"table": "drivers", "class_id": "pro"}) as r:
        events = sse(r)
        assert (await next_event(events))["event"] == "snapshot"
        penalty = adjusted("p1", "points_deduction", "dan-oak", class_id="masters", points=5)
        await commit(redis_client, CID, penalty.model_copy(update={"championship_id": CID}))
        await commit(redis_client, CID, race("r03", 3, ["bob-ray", "ann-lee"]))
        change = await next_event(events)
        assert (change["event"], change["id"]) == ("change", "4")


async def test_last_event_id_replays_what_was_missed(gateway, redis_client) -> None:
    await commit(redis_client, CID, race("r02", 2, ["bob-ray", "ann-lee", "cy-fox"]))
    await commit(redis_client, CID, race("r03", 3, ["cy-fox", "ann-lee", "bob-ray"]))
    async with gateway.stream("GET", f"/championships/{CID}/live", headers={"Last-Event-ID": "2"}) as r:
        events = sse(r)
        replayed = [await next_event(events), await next_event(events)]
        assert [(e["event"], e["id"]) for e in replayed] == [("change", "3"), ("change", "4")]
        assert all(e["data"]["payload"]["tables"] for e in replayed)  # read from the tables hash


async def test_a_client_behind_a_trimmed_stream_gets_a_snapshot(gateway, redis_client) -> None:
    await commit(redis_client, CID, race("r02", 2, ["bob-ray", "ann-lee", "cy-fox"]))
    await commit(redis_client, CID, race("r03", 3, ["cy-fox", "ann-lee", "bob-ray"]))
    await redis_client.xtrim(keys.changes_stream(CID), maxlen=1)
    async with gateway.stream("GET", f"/championships/{CID}/live", headers={"Last-Event-ID": "1"}) as r:
        first = await next_event(sse(r))
        assert (first["event"], first["id"]) == ("snapshot", "4")


async def test_bad_last_event_id_is_422(gateway) -> None:
    response = await gateway.get(f"/championships/{CID}/live", headers={"Last-Event-ID": "abc"})
    assert response.status_code == 422 and "last-event-id" in response.json()["message"]


async def hmget_calls(client) -> int:
    """HMGET commands the server has run so far, from every client (INFO commandstats)."""
    return (await client.info("commandstats")).get("cmdstat_hmget", {}).get("calls", 0)


async def stored_tables(client) -> dict[str, dict]:
    return {k.decode(): json.loads(v) for k, v in (await client.hgetall(keys.tables_key(CID))).items()}


FILTERS = [{}, {}, {"table": "drivers", "class_id": "pro"}, {"table": "drivers", "class_id": "pro"}, {"class_id": "pro"}]


async def test_compact_records_and_every_client_gets_the_full_tables_from_one_hmget_per_change(gateway, redis_client):
    async with AsyncExitStack() as stack:
        feeds = [sse(await stack.enter_async_context(gateway.stream("GET", f"/championships/{CID}/live", params=p)))
                 for p in FILTERS]
        for feed in feeds:
            assert (await next_event(feed))["event"] == "snapshot"  # subscribed
        before = await hmget_calls(redis_client)
        for n, order in ((2, ["bob-ray", "cy-fox", "ann-lee"]), (3, ["cy-fox", "ann-lee", "bob-ray"])):
            await commit(redis_client, CID, race(f"r0{n}", n, order))
            [(_, fields)] = await redis_client.xrevrange(keys.changes_stream(CID), count=1)
            record = json.loads(entry_json(fields))
            assert record["schema_version"] == 2 and "tables" not in record["payload"]
            StandingsChanged.model_validate(record)
            stored, changed = await stored_tables(redis_client), [c["table"] for c in record["payload"]["changes"]]
            for params, feed in zip(FILTERS, feeds, strict=True):
                change = await next_event(feed)
                assert (change["event"], change["id"]) == ("change", str(record["payload"]["version"]))
                wanted = [key for key in changed if matches(stored[key], params.get("table"), params.get("class_id"))]
                assert change["data"]["payload"]["tables"] == [stored[key] for key in wanted]  # in full
                assert [c["table"] for c in change["data"]["payload"]["changes"]] == wanted
        # one per change, not one per client; each of the two commits reads its accepted record with one too
        assert await hmget_calls(redis_client) - before == 2 + 2


async def test_a_version_1_record_is_served_with_the_tables_it_carried(gateway, redis_client) -> None:
    table = (await stored_tables(redis_client))["drivers/pro"]
    carried = {**table, "name": "As carried by the record"}
    diff = {"table": "drivers/pro", "table_id": "drivers", "class_id": "pro", "moves": [], "points_gained": [],
            "leader_change": None, "clinched": None}
    record = standings_changed(CID, 3, [race("r02", 2, ["ann-lee"])], [diff])
    old = {**record, "schema_version": 1, "payload": {**record["payload"], "tables": [carried]}}
    async with gateway.stream("GET", f"/championships/{CID}/live", params={"table": "drivers", "class_id": "pro"}) as r:
        events = sse(r)
        assert (await next_event(events))["event"] == "snapshot"
        before = await hmget_calls(redis_client)
        await redis_client.xadd(keys.changes_stream(CID), entry(dumps(old)))
        change = await next_event(events)
        assert (change["event"], change["id"]) == ("change", "3")
        assert change["data"]["payload"]["tables"] == [carried] and change["data"]["schema_version"] == 2
        assert await hmget_calls(redis_client) == before  # nothing read: the record had its tables


async def test_a_slow_subscriber_is_dropped_to_resync_and_never_slows_the_others(redis_url) -> None:
    writer, reader = connect(redis_url), connect(redis_url)
    hub = Hub(reader, queue_size=3)
    task = asyncio.create_task(hub.run())
    try:
        fast, slow = await hub.subscribe(CID), await hub.subscribe(CID)
        cause = race("r01", 1, ["ann-lee"])
        for version in range(1, 9):
            await writer.xadd(keys.changes_stream(CID), entry(dumps(standings_changed(CID, version, [cause], []))))
            got = await asyncio.wait_for(fast.queue.get(), timeout=2)
            assert got.version == version
        queued = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        assert queued[0] is RESYNC and [c.version for c in queued[1:]] == [8]  # the snapshot covers 7
    finally:
        hub.stop()
        await task
        await writer.aclose()
        await reader.aclose()
