"""The gateway's ASGI app: the read API, the live feed, the overlay and the standings page.

``create_app(redis_url, settings=None)`` builds it (``settings``: HTTP ingest's tokens and limits, see
:mod:`.ingest`); its lifespan opens two Redis clients (one for requests, one
for the fan-out reader, whose blocking reads would hold a pooled connection) and runs the :class:`Hub`.
Errors: 404 ``{"detail": "<what is unknown>; <what exists>"}``; 422 FastAPI's ``{"detail": [...]}``
plus ``"message"``, one line naming each parameter at fault.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from services.gateway import ingest
from services.gateway.api import router
from services.gateway.headers import SecurityHeaders
from services.gateway.hub import Hub
from services.gateway.models import KINDS
from services.gateway.views import NotFound
from services.runtime import metrics
from services.runtime.redis import connect
from services.runtime.settings import Settings

STATIC = Path(__file__).parent / "static"
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"  # Swagger UI and ReDoc, as the package ships them
log = structlog.get_logger("standings.gateway")


def create_app(redis_url: str, settings: Settings | None = None) -> FastAPI:
    """The app on `redis_url`; `settings` (default: from the environment) configure HTTP ingest."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.redis = connect(redis_url, client_name="gateway")
        metrics.watch_streams(redis_url, settings.events_stream, settings.dead_letter_stream)
        reader = connect(redis_url, client_name="gateway-fanout")
        app.state.hub = Hub(reader)
        task = asyncio.create_task(app.state.hub.run(), name="gateway-fanout")
        log.info("gateway started")
        try:
            yield
        finally:
            app.state.hub.stop()
            await task
            await reader.aclose()
            await app.state.redis.aclose()
            log.info("gateway stopped")

    app = FastAPI(title="Standings gateway", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Live championship standings: read API, Server-Sent Events, broadcast overlay; "
                              "HTTP ingest for producers (bearer tokens).")
    settings = settings or Settings()
    app.include_router(router)
    ingest.install(app, settings)
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The API docs' Swagger UI and ReDoc from the fastapi-offline package, not a CDN: they work offline
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    # A season page for each kind of table: /championships/{cid}/drivers/{sid}/page, /teams/..., /manufacturers/...
    seasons = [(f"/championships/{{cid}}/{kind}/{{sid}}/page", "season.html") for kind in KINDS]
    for path, page in (("/docs", "docs.html"), ("/redoc", "redoc.html"), *seasons, ("/", "page.html"),
                       ("/championships/{cid}/page", "page.html"), ("/overlay", "overlay.html"),
                       ("/overlay/builder", "builder.html")):
        app.add_api_route(path, _page(page), include_in_schema=False)
    return app


def _page(name: str):
    async def serve() -> FileResponse:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})
    return serve


async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=404)


async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 body, plus a ``message`` naming each parameter at fault."""
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    message = "; ".join(f"{e['loc'][0]} parameter {'.'.join(map(str, e['loc'][1:]))!r}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": errors, "message": message}, status_code=422)
