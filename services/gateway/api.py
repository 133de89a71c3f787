"""HTTP read API: thin handlers over :mod:`services.runtime.read_model` (Redis reads) and :mod:`.views`
(pure views).

Engine work (historical tables, progressions) runs in a worker thread so the event loop keeps
serving the live feed meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sse_starlette import EventSourceResponse

from services.engine import rules_of as engine_rules_of
from services.engine import standings as engine_standings
from services.gateway import branding as branding_view
from services.gateway import models, views
from services.gateway.live import Feed
from services.runtime import metrics, read_model

router = APIRouter()
TableQ = Annotated[str | None, Query(description="Table id, e.g. 'drivers', 'teams', 'andial'.")]
ClassQ = Annotated[str | None, Query(description="Class id, e.g. 'pro'; 'overall' for tables across classes.")]
NotFound = {404: {"description": "Unknown championship, table, class or competitor; the message lists what exists."}}


def _redis(request: Request) -> Redis:
    return request.app.state.redis


async def _known(redis: Redis, cid: str) -> None:
    if not await read_model.exists(redis, cid):
        known = ", ".join(await read_model.championship_ids(redis)) or "(none)"
        raise views.NotFound(f"unknown championship {cid!r}; championships: {known}")


@router.get("/championships", response_model=list[models.Championship], tags=["standings"])
async def championships(request: Request) -> list[dict]:
    """Every registered championship with its classes, tables and current version."""
    return await read_model.summaries(_redis(request))


@router.get("/championships/{cid}/standings", response_model=models.Standings, responses=NotFound, tags=["standings"])
async def standings(request: Request, cid: str, table: TableQ = None, class_id: ClassQ = None,
                    after_round: Annotated[int | None, Query(ge=1, description="Tables as of this round.")] = None) -> dict:
    """The current tables, or as of ``after_round`` (computed from the facts), optionally filtered."""
    redis = _redis(request)
    await _known(redis, cid)
    if after_round is None:
        snap = await read_model.snapshot(redis, cid)
        tables, version = snap.tables, snap.version
    else:
        facts, version = await read_model.facts(redis, cid)
        tables = await to_thread.run_sync(engine_standings, facts, after_round)
    return {"championship_id": cid, "version": version, "after_round": after_round,
            "tables": views.select(tables, table, class_id)}


@router.get("/championships/{cid}/progression", response_model=models.Progression, responses=NotFound, tags=["seasons"])
async def progression(request: Request, cid: str, table: Annotated[str, Query()] = "drivers",
                      class_id: ClassQ = None) -> dict:
    """Cumulative points and position of every competitor of one table after each round.

    Without ``class_id``, the table's first class (in key order) is used."""
    redis = _redis(request)
    await _known(redis, cid)
    key = views.select((await read_model.snapshot(redis, cid)).tables, table, class_id)[0]
    facts, _ = await read_model.facts(redis, cid)
    return await to_thread.run_sync(views.progression, facts, f"{key['table_id']}/{key['class_id']}")


@router.get("/championships/{cid}/{kind}/{subject_id}", response_model=models.Season, responses=NotFound, tags=["seasons"])
async def season(request: Request, cid: str, kind: models.Kind, subject_id: str, table: TableQ = None) -> dict:
    """One driver's, team's or make's season: standings, results per race, points progression by round."""
    redis = _redis(request)
    await _known(redis, cid)
    tables = (await read_model.snapshot(redis, cid)).tables
    facts, _ = await read_model.facts(redis, cid)
    return await to_thread.run_sync(views.season, tables, facts, kind, subject_id, table)


@router.get("/championships/{cid}/branding", response_model=models.Branding, responses=NotFound, tags=["standings"])
async def branding(request: Request, cid: str) -> dict:
    """Colours, display names, short names and driver codes for graphics: the rules' ``branding`` with
    defaults for whatever it leaves out (every class, and every team, make and driver in the results)."""
    redis = _redis(request)
    await _known(redis, cid)
    facts, _ = await read_model.facts(redis, cid)
    return branding_view.resolve(cid, engine_rules_of(facts), facts)


@router.get("/championships/{cid}/events", response_model=models.AuditTrail, responses=NotFound, tags=["audit"])
async def events(request: Request, cid: str) -> dict:
    """The facts behind the standings: the latest revision of every fact, oldest first."""
    redis = _redis(request)
    await _known(redis, cid)
    facts, _ = await read_model.facts(redis, cid)
    ordered = sorted(facts.items(), key=lambda item: (item[1].occurred_at, item[0]))
    return {"championship_id": cid, "facts": [{"key": k, "event": e} for k, e in ordered]}


@router.get("/championships/{cid}/live", responses={**NotFound, 200: {"content": {"text/event-stream": {}}}},
            response_class=EventSourceResponse, tags=["live"])
async def live(request: Request, cid: str, table: TableQ = None, class_id: ClassQ = None,
               last_event_id: Annotated[int | None, Header(ge=0)] = None) -> EventSourceResponse:
    """Server-Sent Events: a ``snapshot``, then every ``change``; ``id`` is the version (see live.py)."""
    redis = _redis(request)
    await _known(redis, cid)
    views.select((await read_model.snapshot(redis, cid)).tables, table, class_id)
    feed = Feed(redis, cid, table, class_id)
    return EventSourceResponse(feed.events(request.app.state.hub, last_event_id), ping=15)


@router.get("/healthz", response_model=models.Health, response_model_exclude_none=True, tags=["health"])
async def healthz() -> dict:
    """The process is up (no dependency checked)."""
    return {"status": "ok"}


@router.get("/metrics", response_class=PlainTextResponse, tags=["health"],
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics_page() -> PlainTextResponse:
    """Prometheus metrics of this process (every service it runs) and of the streams it reads."""
    body = await to_thread.run_sync(generate_latest, metrics.REGISTRY)  # the streams' collector asks Redis
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/readyz", response_model=models.Health, response_model_exclude_none=True,
            responses={503: {"model": models.Health}}, tags=["health"])
async def readyz(request: Request) -> dict | JSONResponse:
    """Redis answers PING within a second; 503 otherwise."""
    try:
        await asyncio.wait_for(_redis(request).ping(), timeout=1)
    except (RedisError, OSError, TimeoutError) as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    return {"status": "ok"}
