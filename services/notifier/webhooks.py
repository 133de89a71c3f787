"""POST one announcement to one webhook, with retries and exponential backoff.

`post_with_retries` makes at most `settings.webhook_max_attempts` POSTs and returns as soon as one
answers 2xx. Between attempts it waits `webhook_backoff_s * 2**(n-1)` seconds (capped at
`webhook_backoff_max_s`), or the receiver's numeric `Retry-After` when that is longer (Discord and
Slack send one with 429), still capped. A 4xx other than 408/425/429 is final: the same body
will not be accepted later, so it is not retried. Network errors and timeouts are retried.

Webhook URLs carry secrets (Discord and Slack put the token in the path), so logs and dead
letters name a URL by `redact(url)` only: scheme, host and a short hash of the whole URL.

Guarantee: never raises for an HTTP or network failure; the outcome says what happened, and each
failed attempt is logged (with the caller's bound `event_id` / `championship_id`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import structlog

from services.notifier.settings import NotifierSettings

log = structlog.get_logger("standings.notifier")

RETRYABLE_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Outcome:
    ok: bool
    attempts: int
    reason: str = ""  # the last failure, e.g. "HTTP 503" or "ConnectError: ..."


def redact(url: str) -> str:
    """'https://discord.com/...#1a2b3c4d': loggable, and still tells the configured URLs apart."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}/...#{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_4XX


def backoff(settings: NotifierSettings, attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    delay = settings.webhook_backoff_s * 2 ** (attempt - 1)
    try:
        delay = max(delay, float(retry_after)) if retry_after else delay
    except ValueError:
        pass  # an HTTP date: keep our own backoff
    return min(delay, settings.webhook_backoff_max_s)


async def post_with_retries(
    client: httpx.AsyncClient,
    url: str,
    body: Mapping,
    settings: NotifierSettings,
    *,
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Outcome:
    """POST `body` as JSON to `url` until a 2xx, a final 4xx or the attempts run out."""
    reason = ""
    for attempt in range(1, settings.webhook_max_attempts + 1):
        retry_after = None
        try:
            response = await client.post(url, json=body, headers=headers, timeout=settings.webhook_timeout_s)
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
        else:
            if response.is_success:
                return Outcome(True, attempt)
            reason = f"HTTP {response.status_code}"
            if not retryable(response.status_code):
                log.warning("webhook refused; not retried", url=redact(url), attempt=attempt, reason=reason)
                return Outcome(False, attempt, reason)
            retry_after = response.headers.get("retry-after")
        log.warning("webhook attempt failed", url=redact(url), attempt=attempt, reason=reason)
        if attempt < settings.webhook_max_attempts:
            await sleep(backoff(settings, attempt, retry_after))
    return Outcome(False, settings.webhook_max_attempts, f"{reason} after {settings.webhook_max_attempts} attempts")
