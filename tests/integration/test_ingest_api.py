"""HTTP ingest (`POST /championships/{cid}/events`) against a real Redis: auth, limits, the admission check
(contracts and registered rules at once), idempotency, nothing published from a list with a wrong event."""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from openapi_spec_validator import validate
from projection import commit

from schemas.events import parse_event
from services.gateway import create_app
from services.projector import Projector
from services.runtime.logging import configure_logging
from services.runtime.redis import ensure_group
from services.runtime.settings import Settings
from tests.builders import car, envelope, registered, small_rules

CID = "test-cup"
TOKENS = "timing=tok-timing-0123456789,alkamel=tok-alkamel-9876543210"
TIMING = {"Authorization": "Bearer tok-timing-0123456789"}
STREAM = "standings:events"


def race(race_id: str = "r1", round_: int = 1, cid: str = CID, event_id: str | None = None, **car_fields) -> dict:
    entries = [car("1", "ann-lee", 1, **car_fields), car("2", "bob-ray", 2)]
    return envelope("race.classified", {"race_id": race_id, "round": round_, "entries": entries}, cid, event_id)


def registration(cid: str, event_id: str | None = None) -> dict:
    return envelope("championship.registered", {"revision": 1, "rules": small_rules()}, cid, event_id)


def settings_for(redis_url: str, **overrides) -> Settings:
    return Settings(redis_url=redis_url, ingest_tokens=TOKENS, **overrides)


@asynccontextmanager
async def gateway(redis_url: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the gateway app (its lifespan run) with `settings`."""
    app = create_app(redis_url, settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            yield client


@pytest.fixture
async def api(redis_client, redis_url):
    """The gateway with two producers' tokens, over a registered two-class championship (no projector running)."""
    await commit(redis_client, CID, registered(small_rules(), championship_id=CID))
    async with gateway(redis_url, settings_for(redis_url)) as client:
        yield client


async def xlen(client) -> int:
    return await client.xlen(STREAM)


# --- auth and limits ------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer tok-timing-012345678"},
                                     {"Authorization": "Basic dGltaW5nOnRvaw=="}, {"Authorization": "Bearer "}])
async def test_without_a_token_or_with_a_wrong_one_it_is_401_and_publishes_nothing(api, redis_client, headers) -> None:
    response = await api.post(f"/championships/{CID}/events", json=race(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "tok-" not in response.text
    assert await xlen(redis_client) == 0


async def test_a_wrong_token_is_named_invalid_token(api) -> None:
    response = await api.post(f"/championships/{CID}/events", json=race(), headers={"Authorization": "Bearer nope"})
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="standings", error="invalid_token"'


async def test_ingest_is_disabled_when_no_token_is_configured(redis_url, redis_client) -> None:
    async with gateway(redis_url, Settings(redis_url=redis_url)) as client:
        response = await client.post(f"/championships/{CID}/events", json=race(), headers=TIMING)
        assert response.status_code == 403 and "disabled" in response.json()["detail"]
    assert await xlen(redis_client) == 0


async def test_an_oversize_body_is_413_before_it_is_parsed(redis_url, redis_client) -> None:
    await commit(redis_client, CID, registered(small_rules(), championship_id=CID))
    async with gateway(redis_url, settings_for(redis_url, ingest_max_body_bytes=4096)) as client:
        big = json.dumps([race(f"r{n % 4 + 1}", n % 4 + 1) for n in range(10)]).encode()
        assert len(big) > 4096
        response = await client.post(f"/championships/{CID}/events", content=big, headers=TIMING)
        assert response.status_code == 413 and "4096 bytes" in response.json()["detail"]

        async def chunked():  # no Content-Length: counted as it is read
            for start in range(0, len(big), 1000):
                yield big[start:start + 1000]

        response = await client.post(f"/championships/{CID}/events", content=chunked(), headers=TIMING)
        assert response.status_code == 413
        small = await client.post(f"/championships/{CID}/events", json=race(), headers=TIMING)
        assert small.status_code == 202
    assert await xlen(redis_client) == 1


# --- 422: every problem named by index and field, nothing published ---------------------------


async def test_a_bad_contract_is_422_naming_the_field(api, redis_client) -> None:
    bad = race()
    bad["payload"]["entries"][0]["position"] = "1"  # strict: a string is not an integer
    bad["occurred_at"] = "2024-05-05 17:30:00"
    response = await api.post(f"/championships/{CID}/events", json=bad, headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"] == [
        "0.occurred_at: needs a timezone, e.g. 2024-05-05T17:30:00Z or 2024-05-05T17:30:00+02:00",
        "0.payload.entries.0.position: Input should be a valid integer",
    ]
    assert await xlen(redis_client) == 0


async def test_rule_violations_are_422_with_the_projectors_own_messages(api, redis_client) -> None:
    events = [race("r1", 1), race("r2", 2, class_id="gt3"), race("r99", 5),
              envelope("fastest_lap.set", {"race_id": "r1", "round": 1, "class_id": "gt3", "car_number": "1",
                                           "driver_id": "ann-lee"}, CID)]
    response = await api.post(f"/championships/{CID}/events", json=events, headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"] == [
        "1.payload.entries.0.class_id: unknown class 'gt3' (known: am, pro)",
        "2.payload.race_id: race 'r99' is not in the calendar",
        "3.payload.class_id: unknown class 'gt3' (known: am, pro)",
    ]
    assert await xlen(redis_client) == 0
    # The projector, given the same events, rejects them with the same words.
    result = await commit(redis_client, CID, *(parse_event(json.dumps(e)) for e in events[1:]))
    assert [str(violation) for _, violation in result.violations] == [p.split(".", 1)[1] for p in response.json()["problems"]]


async def test_an_unknown_championship_is_422(api, redis_client) -> None:
    response = await api.post("/championships/nope-cup/events", json=race(cid="nope-cup"), headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"] == ["0.championship_id: unknown championship 'nope-cup': register its rules first"]
    assert await xlen(redis_client) == 0


async def test_every_events_championship_must_be_the_one_in_the_path(api, redis_client) -> None:
    response = await api.post("/championships/other-cup/events", json=[race()], headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"] == [
        "0.championship_id: 'test-cup' is not the championship of the request ('other-cup')"]


async def test_a_list_with_one_wrong_event_publishes_nothing(api, redis_client) -> None:
    assert (await api.post(f"/championships/{CID}/events", json=race("r1", 1), headers=TIMING)).status_code == 202
    before = await xlen(redis_client)
    mixed = [race("r2", 2), race("r3", 3), race("r4", 4, class_id="gt3")]
    response = await api.post(f"/championships/{CID}/events", json=mixed, headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"] == ["2.payload.entries.0.class_id: unknown class 'gt3' (known: am, pro)"]
    assert "nothing published" in response.json()["detail"]
    assert await xlen(redis_client) == before


@pytest.mark.parametrize(("body", "problem"), [
    (b"[1, 2", "body: not JSON: "),
    (b"[]", "body: an empty list: no events"),
    (b"[NaN]", "body: not JSON: NaN is not a JSON value"),
    (b"[" * 100_000, "body: not JSON: nested too deeply"),
    (b"{not json", "0: Invalid JSON: key must be a string"),
    (b'{"event_id": "e1"}', "0.type: Unable to extract tag using discriminator 'type'"),
])
async def test_a_body_that_is_not_events_is_422(api, body, problem) -> None:
    response = await api.post(f"/championships/{CID}/events", content=body, headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"][0].startswith(problem)


# --- 202 and idempotency ----------------------------------------------------------------------


async def test_accepted_with_stream_ids_then_a_replay_is_a_duplicate_and_publishes_nothing(api, redis_client, redis_url) -> None:
    first = race("r1", 1, event_id="timing-r1-v1")
    response = await api.post(f"/championships/{CID}/events", json=first, headers=TIMING)
    assert response.status_code == 202
    body = response.json()
    [(stream_id, fields)] = await redis_client.xrange(STREAM)
    assert body == {"championship_id": CID, "published": 1, "duplicates": 0, "events": [
        {"index": 0, "event_id": "timing-r1-v1", "type": "race.classified", "status": "published",
         "stream_id": stream_id.decode()}]}
    assert json.loads(fields[b"data"]) == first

    # Not accepted by the projector yet: published again (harmless, the projector applies an id once).
    again = await api.post(f"/championships/{CID}/events", json=first, headers=TIMING)
    assert again.json()["events"][0]["status"] == "published" and await xlen(redis_client) == 2

    await project(redis_client, redis_url)
    replay = await api.post(f"/championships/{CID}/events", json=[first, race("r2", 2, event_id="timing-r2-v1")],
                            headers=TIMING)
    assert replay.status_code == 202
    events = replay.json()["events"]
    assert [(e["event_id"], e["status"]) for e in events] == [("timing-r1-v1", "duplicate"), ("timing-r2-v1", "published")]
    assert events[0]["stream_id"] == stream_id.decode()  # the entry it was accepted from
    assert replay.json()["published"] == 1 and replay.json()["duplicates"] == 1
    assert await xlen(redis_client) == 3

    changed = race("r1", 1, event_id="timing-r1-v1", laps=99)
    conflict = await api.post(f"/championships/{CID}/events", json=changed, headers=TIMING)
    assert conflict.status_code == 422
    assert conflict.json()["problems"] == [
        f"0.event_id: event_id 'timing-r1-v1' was accepted from entry {stream_id.decode()} with other content; "
        "publish a correction under a new event_id with a higher revision"]
    assert await xlen(redis_client) == 3


async def test_an_event_id_twice_in_one_list_with_other_content_is_422(api) -> None:
    events = [race("r1", 1, event_id="x-1"), race("r1", 1, event_id="x-1", laps=3)]
    response = await api.post(f"/championships/{CID}/events", json=events, headers=TIMING)
    assert response.status_code == 422
    assert response.json()["problems"][0].startswith("1.event_id: 'x-1' is used by item 0 with other content")


async def test_a_registration_and_its_races_in_one_list_are_accepted(api, redis_client) -> None:
    backwards = [race(cid="new-cup"), registration("new-cup")]
    response = await api.post("/championships/new-cup/events", json=backwards, headers=TIMING)
    assert response.status_code == 422  # a race before its registration would wait for it in the projector
    assert response.json()["problems"] == ["0.championship_id: unknown championship 'new-cup': register its rules first"]

    response = await api.post("/championships/new-cup/events", json=[registration("new-cup"), race(cid="new-cup")],
                              headers=TIMING)
    assert response.status_code == 202, response.text
    assert [e["type"] for e in response.json()["events"]] == ["championship.registered", "race.classified"]
    assert await xlen(redis_client) == 2


async def group_polls(client) -> int:
    """XINFO GROUPS calls the server has answered so far (the admission's poll of the projector's progress)."""
    return (await client.info("commandstats")).get("cmdstat_xinfo|groups", {}).get("calls", 0)


async def test_a_registration_on_the_stream_not_yet_projected_is_waited_for(redis_client, redis_url) -> None:
    """A producer registers, then posts its races at once: the check waits for the projector to catch up."""
    settings = settings_for(redis_url, admission_wait_seconds=10)
    await ensure_group(redis_client, STREAM, settings.projector_group)
    await redis_client.xadd(STREAM, {"data": json.dumps(registration(CID))})
    async with gateway(redis_url, settings) as client:
        polled = await group_polls(redis_client)
        posting = asyncio.create_task(client.post(f"/championships/{CID}/events", json=race(), headers=TIMING))
        while await group_polls(redis_client) < polled + 3:  # the check asks how far the projector is, again and again
            assert not posting.done(), (await posting).text
            await asyncio.sleep(0.02)
        assert not posting.done()  # waiting for the projector, not refusing
        await project(redis_client, redis_url)
        response = await posting
        assert response.status_code == 202, response.text


async def test_a_registration_the_projector_does_not_reach_in_time_leaves_the_race_refused(redis_client, redis_url) -> None:
    await ensure_group(redis_client, STREAM, "projector")
    await redis_client.xadd(STREAM, {"data": json.dumps(registration(CID))})  # delivered to nobody
    async with gateway(redis_url, settings_for(redis_url, admission_wait_seconds=0.5)) as client:
        started = time.monotonic()
        response = await client.post(f"/championships/{CID}/events", json=race(), headers=TIMING)
        assert response.status_code == 422 and 0.5 <= time.monotonic() - started < 3
        assert response.json()["problems"] == ["0.championship_id: unknown championship 'test-cup': register its rules first"]


async def test_without_a_projector_group_a_violation_is_answered_at_once(redis_client, redis_url) -> None:
    await redis_client.xadd(STREAM, {"data": json.dumps(registration(CID))})  # nobody will ever project it
    async with gateway(redis_url, settings_for(redis_url, admission_wait_seconds=10)) as client:
        started = time.monotonic()
        response = await client.post(f"/championships/{CID}/events", json=race(), headers=TIMING)
        assert response.status_code == 422 and time.monotonic() - started < 2


async def project(client, redis_url: str) -> None:
    """What the projector does with every entry of the stream (its own batch handler)."""
    settings = Settings(redis_url=redis_url)
    await ensure_group(client, STREAM, settings.projector_group)
    entries = await client.xreadgroup(settings.projector_group, "test", {STREAM: ">"})
    for _, batch in entries:
        await Projector(client, settings).handle([sid for sid, _ in batch], [fields for _, fields in batch])


# --- tokens from a file, logs, OpenAPI --------------------------------------------------------


async def test_tokens_from_a_file_are_read_again_when_it_changes(redis_client, redis_url, tmp_path) -> None:
    await commit(redis_client, CID, registered(small_rules(), championship_id=CID))
    secret = tmp_path / "ingest-tokens"
    secret.write_text("# producers\ntiming=from-file-1\n")
    settings = Settings(redis_url=redis_url, ingest_tokens_file=str(secret))
    async with gateway(redis_url, settings) as client:
        old = {"Authorization": "Bearer from-file-1"}
        assert (await client.post(f"/championships/{CID}/events", json=race(), headers=old)).status_code == 202
        secret.write_text("timing=from-file-2\n")
        later = time.time() + 5
        os.utime(secret, (later, later))
        assert (await client.post(f"/championships/{CID}/events", json=race(), headers=old)).status_code == 401
        new = {"Authorization": "Bearer from-file-2"}
        assert (await client.post(f"/championships/{CID}/events", json=race(), headers=new)).status_code == 202


async def test_the_log_names_the_producer_never_the_token(api) -> None:
    out = io.StringIO()
    configure_logging(Settings(log_format="json"), out)
    await api.post(f"/championships/{CID}/events", json=race(), headers={"Authorization": "Bearer tok-alkamel-9876543210"})
    await api.post(f"/championships/{CID}/events", json=race(), headers={"Authorization": "Bearer tok-guess"})
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    [ingested] = [line for line in lines if line["event"] == "events ingested"]
    assert ingested["producer"] == "alkamel" and ingested["championship_id"] == CID
    assert any(line["event"].startswith("ingest refused") for line in lines)
    assert "tok-" not in out.getvalue()


async def test_the_openapi_document_describes_ingest(api) -> None:
    document = (await api.get("/openapi.json")).json()
    validate(document)
    post = document["paths"]["/championships/{cid}/events"]["post"]
    assert set(post["responses"]) >= {"202", "401", "403", "413", "422"}
    assert post["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0] == {"$ref": "#/components/schemas/Event"}
    assert document["components"]["securitySchemes"]["producerToken"]["scheme"] == "bearer"
    described = document["components"]["schemas"]["IngestedEvent"]["properties"]
    assert all(field.get("description") for field in described.values())
