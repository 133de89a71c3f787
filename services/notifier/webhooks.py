"""One configured webhook: its rate limiter, its signature, and sending one message with retries.

`Webhook.send(message_id, body)` makes at most `settings.webhook_max_attempts` POSTs and returns
as soon as one answers 2xx. Every POST first waits for the webhook's `RateLimiter`:

- spacing: at least `settings.interval_s` between two POSTs to the webhook, counted from the start
  and from the answer of the previous one (Slack: 1 s by default);
- what the receiver asks: a 429's wait (the largest of Discord's JSON `retry_after`, in seconds as
  a float, the `Retry-After` header, in seconds or an HTTP date, and `X-RateLimit-Reset-After`),
  and, on any answer, `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset-After` (Discord's
  bucket is empty: wait for its reset). Capped at `webhook_retry_after_max_s`;
- after another failure (5xx, 408, 425, network error, timeout), the backoff
  `webhook_backoff_s * 2**(n-1)` capped at `webhook_backoff_max_s` (or a longer numeric
  `Retry-After`, still capped).

The limiter belongs to the webhook, not to one message: every championship's messages to that
URL wait for it, and a pause a receiver asks for holds them all; other webhooks are not touched.
A 4xx other than 408/425/429 is final (the same body will not be accepted later).

The body is sent as the exact JSON bytes that were signed. With `settings.webhook_secret`
(`whsec_<base64>`), each POST carries the Standard Webhooks headers `webhook-id` (the message id:
the same on every attempt and on a redrive, so receivers can drop duplicates), `webhook-timestamp`
(of this attempt, Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`), made by the reference `standardwebhooks` package.
`X-Standings-Announcement-Id` carries the message id as well, signed or not.

Webhook URLs carry secrets (Discord and Slack put the token in the path), so logs and dead
letters name a URL by `redact(url)` only: scheme, host and `webhook_key(url)`, a short hash of
the whole URL that also names the webhook's consumer group.

Guarantee: `send` never raises for an HTTP or network failure; the outcome says what happened,
and each failed attempt is logged (with the caller's bound `event_id` / `championship_id`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
import structlog

from services.notifier.settings import NotifierSettings
from services.runtime import metrics

log = structlog.get_logger("standings.notifier")

RETRYABLE_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Outcome:
    ok: bool
    attempts: int
    reason: str = ""  # the last failure, e.g. "HTTP 503" or "ConnectError: ..."


def webhook_key(url: str) -> str:
    """8 hex digits of the URL's SHA-256: names the webhook (group, dead letters) without its token."""
    return hashlib.sha256(url.encode()).hexdigest()[:8]


def redact(url: str) -> str:
    """'https://discord.com/...#1a2b3c4d': loggable, and still tells the configured URLs apart."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}/...#{webhook_key(url)}"


def retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_4XX


def seconds(value: object) -> float | None:
    """A wait in seconds from a header or JSON value (a number, or an HTTP date); None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        wait = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        try:
            wait = (parsedate_to_datetime(str(value)) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    return max(wait, 0.0) if wait == wait else None  # NaN is no wait


def backoff(settings: NotifierSettings, attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based), not a 429."""
    delay = settings.webhook_backoff_s * 2 ** (attempt - 1)
    asked = seconds(retry_after)
    return min(max(delay, asked or 0.0), settings.webhook_backoff_max_s)


def asked_wait(response: httpx.Response) -> float | None:
    """How long a 429 asks to wait: the largest of its JSON `retry_after` and its headers."""
    hints = [seconds(response.headers.get("retry-after")), seconds(response.headers.get("x-ratelimit-reset-after"))]
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        hints.append(seconds(data.get("retry_after")))
    found = [h for h in hints if h is not None]
    return max(found) if found else None


class RateLimiter:
    """One webhook's pace: a least interval between POSTs, and pauses its receiver asked for."""

    def __init__(self, interval_s: float, max_pause_s: float) -> None:
        self.interval_s, self.max_pause_s = interval_s, max_pause_s
        self._next = 0.0  # time.monotonic() before which nothing is sent
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Wait for this webhook's next slot, and take it."""
        async with self._lock:
            while (delay := self._next - time.monotonic()) > 0:  # a pause may arrive while waiting
                await asyncio.sleep(delay)
            self._next = time.monotonic() + self.interval_s

    def sent(self) -> None:
        """A POST just ended: the interval counts from its answer too (the receiver sees the gap)."""
        self._next = max(self._next, time.monotonic() + self.interval_s)

    def pause(self, wait_s: float) -> None:
        """Send nothing for `wait_s` seconds (at most `max_pause_s`) from now."""
        self._next = max(self._next, time.monotonic() + min(wait_s, self.max_pause_s))

    def observe(self, response: httpx.Response) -> None:
        """Discord's bucket state: none left means wait for its reset."""
        remaining = response.headers.get("x-ratelimit-remaining")
        reset_after = seconds(response.headers.get("x-ratelimit-reset-after"))
        if remaining is not None and remaining.strip() == "0" and reset_after:
            self.pause(reset_after)


class Signer:
    """Standard Webhooks signatures with one `whsec_` secret (the reference `standardwebhooks` package)."""

    def __init__(self, secret: str) -> None:
        from standardwebhooks import Webhook as StandardWebhook  # loaded only when a secret is set

        self._webhook = StandardWebhook(secret)

    def headers(self, message_id: str, body: str) -> dict[str, str]:
        now = datetime.fromtimestamp(int(time.time()), UTC)
        return {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": self._webhook.sign(message_id, now, body)}


def encode(body: Mapping) -> str:
    """The JSON text that is sent (and signed): compact, ASCII only."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


class Webhook:
    """One configured URL (see the module doc); `key` names its consumer group and dead letters."""

    def __init__(self, url: str, settings: NotifierSettings, http: httpx.AsyncClient) -> None:
        self.url, self.settings, self.http = url, settings, http
        self.key, self.name, self.format = webhook_key(url), redact(url), settings.webhook_format
        self.limiter = RateLimiter(settings.interval_s, settings.webhook_retry_after_max_s)
        secret = settings.webhook_secret.get_secret_value()
        self.signer = Signer(secret) if secret else None

    def __repr__(self) -> str:
        return f"Webhook({self.name}, {self.format})"  # never the URL: it holds the token

    async def send(self, message_id: str, body: Mapping) -> Outcome:
        """POST `body` until a 2xx, a final 4xx or the attempts run out (see the module doc);
        counted in the metrics (deliveries by result, time with retries)."""
        started = time.perf_counter()
        outcome = await self._post(message_id, body)
        metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)
        metrics.WEBHOOKS.labels("delivered" if outcome.ok else "failed").inc()
        return outcome

    async def _post(self, message_id: str, body: Mapping) -> Outcome:
        s, data, reason = self.settings, encode(body), ""
        for attempt in range(1, s.webhook_max_attempts + 1):
            await self.limiter.wait()
            headers = {"Content-Type": "application/json", "X-Standings-Announcement-Id": message_id}
            if self.signer:
                headers |= self.signer.headers(message_id, data)
            wait = None
            try:
                response = await self.http.post(self.url, content=data.encode(), headers=headers, timeout=s.webhook_timeout_s)
            except httpx.HTTPError as exc:
                self.limiter.sent()
                reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                self.limiter.sent()
                self.limiter.observe(response)
                if response.is_success:
                    return Outcome(True, attempt)
                reason = f"HTTP {response.status_code}"
                if not retryable(response.status_code):
                    log.warning("webhook refused; not retried", url=self.name, attempt=attempt, reason=reason)
                    return Outcome(False, attempt, reason)
                if response.status_code == 429:
                    wait = asked_wait(response)
                    reason += f" (retry after {wait:g} s)" if wait is not None else ""
                if wait is None:
                    wait = backoff(s, attempt, response.headers.get("retry-after"))
            log.warning("webhook attempt failed", url=self.name, attempt=attempt, reason=reason)
            if attempt < s.webhook_max_attempts:
                self.limiter.pause(wait if wait is not None else backoff(s, attempt))
        return Outcome(False, s.webhook_max_attempts, f"{reason} after {s.webhook_max_attempts} attempts")
