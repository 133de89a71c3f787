"""The gateway service: the read side for overlays, bots' humans and people.

- :func:`create_app`: the ASGI app (FastAPI; OpenAPI at ``/openapi.json``, docs at ``/docs``).
- :func:`run_gateway`: serve it with uvicorn on ``settings.gateway_host:gateway_port``.

Pieces: :mod:`services.runtime.read_model` reads the projection, :mod:`.views` derives historical
views with the pure engine, :mod:`.hub` fans the changes streams out, :mod:`.live` is the SSE
feed, ``static/`` holds the overlay and the standings page (plain HTML/CSS/JS, no build step, no CDN).
"""

from services.gateway.app import create_app
from services.gateway.server import run_gateway

__all__ = ["create_app", "run_gateway"]
