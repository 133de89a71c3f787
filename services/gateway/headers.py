"""Security headers on every gateway response (an ASGI middleware, so SSE streams pass untouched).

- Every response: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- Every response (so the overlay, the standings page, the API docs and their static files): a
  Content-Security-Policy allowing only the gateway's own scripts, styles, images and live feed
  (``default-src 'self'``), all the pages use: an OBS browser source or a browser loads them as
  before, while text injected through a name can run nothing. And a frame policy:
  ``frame-ancestors`` from ``settings.frame_ancestors`` (default ``'self'``; an origin such as
  ``https://graphics.example.com`` to embed the overlay in a web tool, ``*`` for anyone), mirrored
  in ``X-Frame-Options`` where that older header can say it.
- The API docs (``/docs``, Swagger UI; ``/redoc``, ReDoc) load their assets from the gateway too
  (``/docs-assets``, shipped by the fastapi-offline package; Swagger UI's init is ``static/docs.js``,
  not an inline script), so they get the same policy, except that ReDoc's pages may add inline
  styles (it injects ``<style>`` elements) and start a search worker from a ``blob:`` URL.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REDOC = "/redoc"
REDOC_EXTRA = "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "


def policy_headers(frame_ancestors: str, extra: str = "") -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
    """(headers for every response, extra headers for pages); `extra`: directives added to the CSP."""
    always = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    csp = (f"default-src 'self'; img-src 'self' data:; {extra}object-src 'none'; base-uri 'none'; form-action 'none'; "
           f"frame-ancestors {frame_ancestors}")
    pages = [(b"content-security-policy", csp.encode())]
    legacy = {"'self'": b"SAMEORIGIN", "'none'": b"DENY"}.get(frame_ancestors.strip())
    if legacy:
        pages.append((b"x-frame-options", legacy))
    return always, pages


class SecurityHeaders:
    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.always, self.pages = policy_headers(frame_ancestors)
        _, self.redoc = policy_headers(frame_ancestors, REDOC_EXTRA)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = self.always + (self.redoc if scope["path"] == REDOC else self.pages)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
