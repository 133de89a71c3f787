"""The gateway's HTTP API against a real Redis, projected by the projector's own commit step."""

from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator import validate
from projection import commit

from schemas.standings import Table
from services.gateway import create_app
from tests.builders import award, car, classified, f1_1975_season, registered, rules_file

CID = "pccna-2024"


def season_events() -> list:
    """Two rounds of the Pro class (plus one Masters car) and a pole."""
    r1 = [car("1", "ann-lee", 1), car("2", "bob-ray", 2, team="team-b"), car("3", "cy-fox", 3),
          car("80", "dan-oak", 4, class_id="masters", team="team-b")]
    r2 = [car("2", "bob-ray", 1, team="team-b"), car("3", "cy-fox", 2), car("1", "ann-lee", 3),
          car("80", "dan-oak", 4, class_id="masters", team="team-b")]
    return [
        registered(rules_file("pccna-2024.yaml"), championship_id=CID),
        classified("r01", 1, r1, championship_id=CID),
        award("pole.awarded", "r02", 2, "2", "bob-ray").model_copy(update={"championship_id": CID}),
        classified("r02", 2, r2, championship_id=CID),
    ]


@pytest.fixture
async def api(redis_client, redis_url):
    """An HTTP client on the app (lifespan run), over a projected two-round season."""
    for event in season_events():
        await commit(redis_client, CID, event)
    app = create_app(redis_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def test_lists_championships_with_classes_and_tables(api) -> None:
    [cup] = (await api.get("/championships")).json()
    assert cup["championship_id"] == CID and cup["season"] == 2024 and cup["version"] == 3
    assert [c["id"] for c in cup["classes"]] == ["pro", "proam", "masters"]
    assert "drivers/pro" in cup["tables"] and "teams/overall" in cup["tables"]


async def test_standings_filtered_by_table_and_class_follow_the_contract(api) -> None:
    body = (await api.get(f"/championships/{CID}/standings", params={"table": "drivers", "class_id": "pro"})).json()
    [table] = [Table.model_validate(t) for t in body["tables"]]
    # r1: ann 25, bob 20, cy 17; r2: bob 25+2 pole, cy 20, ann 17
    assert [(r.id, r.points) for r in table.rows] == [("bob-ray", 47), ("ann-lee", 42), ("cy-fox", 37)]
    assert body["version"] == 3 and body["after_round"] is None


async def test_standings_as_of_an_earlier_round_come_from_the_facts(api) -> None:
    body = (await api.get(f"/championships/{CID}/standings",
                          params={"table": "drivers", "class_id": "pro", "after_round": 1})).json()
    assert [(r["id"], r["points"]) for r in body["tables"][0]["rows"]] == [
        ("ann-lee", 25), ("bob-ray", 20), ("cy-fox", 17)]


async def test_driver_season_has_results_and_progression(api) -> None:
    body = (await api.get(f"/championships/{CID}/drivers/bob-ray")).json()
    assert body["table"] == "drivers/pro"
    assert [(p["round"], p["points"], p["position"]) for p in body["progression"]] == [(1, 20, 2), (2, 47, 1)]
    assert [(r["race_id"], r["points"], r["bonus"]) for r in body["results"]] == [("r01", 20, 0), ("r02", 25, 2)]
    assert {s["table"] for s in body["standings"]} >= {"drivers/pro"}


async def test_team_season_and_table_progression(api) -> None:
    team = (await api.get(f"/championships/{CID}/teams/team-b")).json()
    assert team["table"] == "teams/overall" and len(team["progression"]) == 2
    chart = (await api.get(f"/championships/{CID}/progression", params={"class_id": "pro"})).json()
    assert chart["rounds"] == [1, 2]
    assert [s["id"] for s in chart["series"]] == ["bob-ray", "ann-lee", "cy-fox"]
    assert chart["series"][0]["points"] == [20, 47]


@pytest.fixture
async def makes_api(redis_client, redis_url):
    """An HTTP client on the app over two races of F1 1975, whose constructors' table ranks the makes."""
    for event in f1_1975_season():
        await commit(redis_client, "f1-1975", event)
    app = create_app(redis_url)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client):
        yield client


async def test_a_manufacturers_table_and_a_makes_season(makes_api) -> None:
    body = (await makes_api.get("/championships/f1-1975/standings", params={"table": "constructors"})).json()
    [table] = [Table.model_validate(t) for t in body["tables"]]
    assert table.kind == "manufacturers"
    assert [(r.id, r.name, r.points, r.car_number, r.team_name) for r in table.rows] == [
        ("mclaren-ford", "McLaren-Ford", 15, None, None), ("brabham-ford", "Brabham-Ford", 13, None, None),
        ("hesketh-ford", "Hesketh-Ford", 9, None, None)]

    make = (await makes_api.get("/championships/f1-1975/manufacturers/brabham-ford")).json()
    assert (make["kind"], make["name"], make["table"], make["car_number"], make["team_name"]) == (
        "manufacturers", "Brabham-Ford", "constructors/f1", None, None)
    assert [(s["table"], s["position"], s["points"]) for s in make["standings"]] == [("constructors/f1", 2, 13)]
    assert [(r["race_id"], r["class_position"], r["points"]) for r in make["results"]] == [("argentina", 3, 4), ("brazil", 1, 9)]
    assert [(p["round"], p["points"], p["position"]) for p in make["progression"]] == [(1, 4, 3), (2, 13, 2)]

    unknown = await makes_api.get("/championships/f1-1975/manufacturers/ferrari")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "unknown manufacturer 'ferrari'; manufacturers: brabham-ford, hesketh-ford, mclaren-ford"
    assert (await makes_api.get("/championships/f1-1975/makes/brabham-ford")).status_code == 422  # not a kind
    page = await makes_api.get("/championships/f1-1975/manufacturers/brabham-ford/page")
    assert page.status_code == 200 and "<html" in page.text


async def test_audit_trail_lists_the_facts_behind_the_standings(api) -> None:
    facts = (await api.get(f"/championships/{CID}/events")).json()["facts"]
    assert {f["key"] for f in facts} == {"rules", "race:r01", "race:r02", "pole:r02:pro"}
    assert {f["event"]["type"] for f in facts} >= {"race.classified", "pole.awarded"}


async def test_a_fact_stored_without_a_timezone_is_read_as_utc(api, redis_client) -> None:
    """Before timezones were required, an event like this one could be stored; every read of the
    facts (the audit trail sorts by time) answered 500 on it."""
    import json

    from services.runtime import keys

    stored = json.loads(await redis_client.hget(keys.facts_key(CID), "race:r02"))
    await redis_client.hset(keys.facts_key(CID), "race:r02", json.dumps({**stored, "occurred_at": "2024-05-05T17:30:00"}))
    response = await api.get(f"/championships/{CID}/events")
    assert response.status_code == 200
    [fact] = [f for f in response.json()["facts"] if f["key"] == "race:r02"]
    assert fact["event"]["occurred_at"] in ("2024-05-05T17:30:00Z", "2024-05-05T17:30:00+00:00")


@pytest.mark.parametrize(("path", "params", "listing"), [
    ("/championships/nope/standings", {}, f"championships: {CID}"),
    (f"/championships/{CID}/standings", {"table": "nope"}, "tables: andial, drivers, junior, teams"),
    (f"/championships/{CID}/standings", {"table": "drivers", "class_id": "gt3"}, "classes: masters, pro, proam"),
    (f"/championships/{CID}/drivers/nobody", {}, "drivers: ann-lee, bob-ray, cy-fox, dan-oak"),
    (f"/championships/{CID}/live", {"class_id": "gt3"}, "classes: masters, overall, pro, proam"),
])
async def test_unknown_things_are_404_and_say_what_exists(api, path, params, listing) -> None:
    response = await api.get(path, params=params)
    assert response.status_code == 404
    assert listing in response.json()["detail"]


async def test_bad_parameters_are_422_naming_the_parameter(api) -> None:
    response = await api.get(f"/championships/{CID}/standings", params={"after_round": "zero"})
    assert response.status_code == 422
    assert "query parameter 'after_round'" in response.json()["message"]
    response = await api.get(f"/championships/{CID}/standings", params={"after_round": 0})
    assert "after_round" in response.json()["message"]


async def test_health_and_readiness(api) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    assert (await api.get("/readyz")).json()["status"] == "ok"


async def test_readiness_fails_when_redis_is_unreachable() -> None:
    app = create_app("redis://127.0.0.1:1/0")
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client):
        response = await client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


async def test_openapi_document_validates(api) -> None:
    document = (await api.get("/openapi.json")).json()
    validate(document)
    assert "/championships/{cid}/live" in document["paths"]


async def test_pages_are_served(api) -> None:
    for path in ("/", f"/championships/{CID}/page", "/overlay?championship=x", f"/championships/{CID}/drivers/x/page",
                 f"/championships/{CID}/teams/x/page", "/docs", "/redoc"):
        response = await api.get(path)
        assert response.status_code == 200 and "<html" in response.text


async def test_security_headers(api, redis_url) -> None:
    for path in ("/overlay?championship=x", "/static/overlay.js", f"/championships/{CID}/standings"):
        headers = (await api.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert headers["content-security-policy"].startswith("default-src 'self';")
        assert headers["content-security-policy"].endswith("frame-ancestors 'self'")
        assert headers["x-frame-options"] == "SAMEORIGIN"
    for path in ("/docs", "/redoc"):  # their assets are the gateway's own (/docs-assets), so they get a policy too
        docs = (await api.get(path)).headers
        assert docs["content-security-policy"].startswith("default-src 'self';") and docs["x-content-type-options"] == "nosniff"
        assert "script-src" not in docs["content-security-policy"]  # no inline script anywhere

    from services.runtime.settings import Settings

    app = create_app(redis_url, Settings(frame_ancestors="https://graphics.example.com"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        headers = (await client.get("/overlay")).headers
    assert headers["content-security-policy"].endswith("frame-ancestors https://graphics.example.com")
    assert "x-frame-options" not in headers


@pytest.mark.faults
async def test_a_burst_of_requests_waits_for_a_connection_instead_of_failing(api) -> None:
    """300 concurrent reads share a bounded pool: each waits its turn, none gets a 5xx."""
    import asyncio

    paths = ["/championships", f"/championships/{CID}/standings", f"/championships/{CID}/standings?after_round=1"]
    replies = await asyncio.gather(*(api.get(paths[i % len(paths)]) for i in range(300)))
    assert sorted({r.status_code for r in replies}) == [200]
