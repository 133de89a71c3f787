"""HTTP ingest: ``POST /championships/{cid}/events``, one event or a JSON list, onto the event stream.

In order, each step answering before the next one runs:

1. **403** when ingest is disabled: no producer token configured (``STANDINGS_INGEST_TOKENS``,
   ``STANDINGS_INGEST_TOKENS_FILE``; see :mod:`services.runtime.tokens`).
2. **401** (``WWW-Authenticate: Bearer``) without ``Authorization: Bearer <token>`` or with a token
   that is none of the producers'. Tokens are compared in constant time; the producer's name,
   never its token, goes into the log lines.
3. **413** for a body over ``STANDINGS_INGEST_MAX_BODY_BYTES`` (default 4 MiB), from its
   Content-Length or while it is read, before any parsing.
4. **422** ``{"detail", "problems"}`` when any event is wrong, every problem named by its index
   and field (``1.payload.entries.0.class_id: unknown class 'gt3' (known: ...)``): the contract,
   ``championship_id`` equal to ``{cid}``, the accepted record and the registered rules, all
   judged by :mod:`services.runtime.admission`, the check ``standings publish`` makes too.
   Nothing is published then.
5. **202** with a stream id per event. Idempotent by ``event_id``: an event already accepted by
   the projector with the same content is reported ``duplicate`` with the stream id it was
   accepted from and not published again. Events not yet accepted are published (again, maybe:
   the projector applies an event id once), all in one MULTI/EXEC, so a list goes in whole or not
   at all.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, TypeAdapter
from redis.exceptions import RedisError

from schemas.events import MAX_EVENT_BYTES, Event
from services.runtime.admission import admit
from services.runtime.redis import entry
from services.runtime.settings import Settings
from services.runtime.tokens import Tokens
from services.runtime.verdicts import problems

log = structlog.get_logger("standings.gateway.ingest")
router = APIRouter(tags=["ingest"])
REALM = 'Bearer realm="standings"'
bearer = HTTPBearer(auto_error=False, scheme_name="producerToken",
                    description="One token per producer (STANDINGS_INGEST_TOKENS or STANDINGS_INGEST_TOKENS_FILE).")


class IngestedEvent(BaseModel):
    index: int = Field(description="Position of the event in the request (0 for a single event).")
    event_id: str = Field(description="The event's `event_id`, its idempotency key.")
    type: str = Field(description="The event type, e.g. 'race.classified'.")
    status: Literal["published", "duplicate"] = Field(
        description="'published': added to the event stream now; 'duplicate': already accepted with this "
        "content, not published again.")
    stream_id: str = Field(description="Its entry on the event stream: the new one, or for a duplicate the one it was "
                           "accepted from.")


class IngestAccepted(BaseModel):
    championship_id: str
    published: int = Field(description="Events added to the event stream by this request.")
    duplicates: int = Field(description="Events already accepted with the same content, not published again.")
    events: list[IngestedEvent] = Field(description="One per event of the request, in its order.")


class IngestRejected(BaseModel):
    detail: str = Field(description="One line: how many problems; nothing was published.")
    problems: list[str] = Field(
        description="Every problem, '<index>.<field>: <reason>', e.g. \"1.payload.entries.0.class_id: unknown class "
        "'gt3' (known: am, pro)\"; the index is the event's position in the request.")


class IngestRefused(BaseModel):
    detail: str = Field(description="Why the request was refused.")


def install(app: FastAPI, settings: Settings) -> None:
    """Serve ingest on `app` with the tokens and limits of `settings` (a bad token file raises here)."""
    app.state.ingest_settings = settings
    app.state.ingest_tokens = Tokens.from_settings(settings)
    app.include_router(router)
    _document_events(app)


REQUEST_BODY = {
    "required": True,
    "description": "One event, or a JSON list of events, of the championship in the path (the contracts of "
                   f"schemas/json/event.schema.json; each event at most {MAX_EVENT_BYTES // 1024} KiB).",
    "content": {"application/json": {"schema": {"oneOf": [
        {"$ref": "#/components/schemas/Event"},
        {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Event"}},
    ]}}},
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": IngestRefused, "description": "No bearer token, or not a producer's (`WWW-Authenticate: Bearer`)."},
    403: {"model": IngestRefused, "description": "Ingest is disabled: no producer token is configured."},
    413: {"model": IngestRefused, "description": "The body is over STANDINGS_INGEST_MAX_BODY_BYTES; nothing was read."},
    422: {"model": IngestRejected, "description": "Some event is wrong; every problem is named; nothing was published."},
    503: {"model": IngestRefused, "description": "Redis did not answer; nothing was published."},
}


@router.post("/championships/{cid}/events", status_code=202, response_model=IngestAccepted, responses=REFUSALS,
             summary="Publish events (one, or a list)", openapi_extra={"requestBody": REQUEST_BODY},
             response_description="Accepted: every event is on the event stream (or was accepted before).")
async def ingest(request: Request,
                 cid: Annotated[str, Path(description="Championship id; every event's championship_id must be it.")],
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> IngestAccepted | JSONResponse:
    """Validate events against the contracts and the registered rules at once, then publish them.

    Needs `Authorization: Bearer <token>` (one token per producer). 202 with a stream id per event;
    422 naming every problem, with nothing published; a replay of accepted events is a no-op."""
    settings: Settings = request.app.state.ingest_settings
    tokens: Tokens = request.app.state.ingest_tokens
    if not tokens.enabled:
        return _refuse(403, "HTTP ingest is disabled: no producer token is configured "
                            "(STANDINGS_INGEST_TOKENS or STANDINGS_INGEST_TOKENS_FILE)")
    if credentials is None or not credentials.credentials:
        return _refuse(401, "a producer's bearer token is required: Authorization: Bearer <token>",
                       {"WWW-Authenticate": REALM})
    producer = tokens.producer(credentials.credentials)
    if producer is None:
        log.warning("ingest refused: not a producer's token", championship_id=cid, client=_client(request))
        return _refuse(401, "the bearer token is not a producer's", {"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    with structlog.contextvars.bound_contextvars(producer=producer, championship_id=cid):
        body = await _body(request, settings.ingest_max_body_bytes)
        if body is None:
            log.warning("ingest refused: body too large", limit=settings.ingest_max_body_bytes)
            return _refuse(413, f"the body is over the limit of {settings.ingest_max_body_bytes} bytes "
                                "(STANDINGS_INGEST_MAX_BODY_BYTES)")
        items, body_problems = _items(body)
        if body_problems:
            return _reject(body_problems)
        try:
            verdicts = await admit(request.app.state.redis, items, settings, championship_id=cid)
            if found := problems(verdicts):
                return _reject(found)
            outgoing = [v for v in verdicts if v.to_publish]
            async with request.app.state.redis.pipeline(transaction=True) as pipe:
                for v in outgoing:
                    pipe.xadd(settings.events_stream, entry(v.raw))
                new_ids = iter([sid.decode() for sid in await pipe.execute()])
        except RedisError as exc:
            log.error("ingest failed: Redis", error=str(exc))
            return _refuse(503, f"Redis did not answer ({exc.__class__.__name__}); nothing was published")
        events = [IngestedEvent(index=i, event_id=v.event.event_id, type=v.event.type,
                                status="duplicate" if v.duplicate_of else "published",
                                stream_id=v.duplicate_of or next(new_ids)) for i, v in enumerate(verdicts)]
        log.info("events ingested", published=len(outgoing), duplicates=len(events) - len(outgoing),
                 event_ids=[e.event_id for e in events][:20])
        return IngestAccepted(championship_id=cid, published=len(outgoing), duplicates=len(events) - len(outgoing),
                              events=events)


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be over `limit` bytes (Content-Length, else as read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _items(body: bytes) -> tuple[list[Any], list[str]]:
    """The events of a body: one JSON text, or the elements of a JSON list; else the problem with the body."""
    if not body.lstrip().startswith(b"["):
        return [body], []  # one event: its text is judged (and published) as it came
    try:
        items = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        return [], [f"body: not JSON: {exc if not isinstance(exc, RecursionError) else 'nested too deeply'}"]
    if not items:
        return [], ["body: an empty list: no events"]
    return items, []


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _reject(found: list[str]) -> JSONResponse:
    log.info("ingest rejected", problems=len(found), first=found[0])
    body = IngestRejected(detail=f"{len(found)} problem(s); nothing published: " + "; ".join(found[:3])
                          + (" ..." if len(found) > 3 else ""), problems=found)
    return JSONResponse(body.model_dump(), status_code=422)


def _refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _document_events(app: FastAPI) -> None:
    """Add the `Event` contract the request body refers to (and its parts) to the OpenAPI components."""
    schema = TypeAdapter(Event).json_schema(ref_template="#/components/schemas/{model}")
    parts = schema.pop("$defs", {})
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            components = build().setdefault("components", {}).setdefault("schemas", {})
            for name, part in {**parts, "Event": schema}.items():
                components.setdefault(name, part)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
