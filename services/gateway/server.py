"""Serving the gateway with uvicorn (``python -m services.gateway``)."""

from __future__ import annotations

import asyncio

import uvicorn

from services.gateway.app import create_app
from services.runtime.embedded import redis_url_for
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings


async def run_gateway(settings: Settings) -> None:
    """Serve until cancelled or signalled; starts the embedded Redis when no URL is configured.

    uvicorn runs with ``log_config=None`` so its lines go through the structlog set-up.
    """
    with redis_url_for(settings) as url:
        config = uvicorn.Config(create_app(url), host=settings.gateway_host, port=settings.gateway_port,
                                log_config=None, access_log=False, lifespan="on")
        await uvicorn.Server(config).serve()


def main() -> None:
    """Entry point of ``python -m services.gateway``: settings from the environment."""
    settings = Settings()
    configure_logging(settings)
    asyncio.run(run_gateway(settings))
