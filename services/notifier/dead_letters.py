"""The notifier's dead letters: messages that could not be delivered, and changes no one could read.

Stream `settings.notifier_dead_letter_stream` (default `standings:notifier:dead-letters`), one entry
per (change, webhook) whose message failed, per (change, webhook) delivered more than
`max_deliveries` times, or per `standings.changed` entry that could not be read at all (written
once, by the log group). Fields (all strings, empty when unknown):

- `reason`: e.g. "HTTP 503 after 5 attempts", "HTTP 429 (retry after 2 s) after 5 attempts",
  "invalid standings.changed: ...", "delivered 6 times (max 5)";
- `payload_type`: what `payload` is: `webhook_body` (the JSON body that was to be POSTed, as
  sent), `standings.changed` (the change record, dead-lettered whole) or `entry` (the unreadable
  entry's fields as JSON);
- `url`: the webhook, as `webhooks.redact(url)` (no secret token); `webhook`: its
  `webhooks.webhook_key(url)`; `format`: the format the body was made in; `group`: the consumer
  group it was read by;
- `kind`: the kinds of the announcements in the message ("leader,climb");
- `stream`, `stream_id`: where the `standings.changed` entry is;
- `event_id`, `championship_id`, `version`: of that `standings.changed` (`event_id` is also the
  message's `webhook-id`, so a re-sent message can be recognised by its receiver);
- `payload`; `failed_at`: ISO 8601 UTC.

Written (`services.runtime.streams.dead_letter_fields`, shared with the projector) before the
entry is acknowledged: a crash in between writes it again (at least once).
`standings notifier dead-letters list|redrive` reads and re-sends them (`services.notifier.redrive`).
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from services.notifier.settings import NotifierSettings
from services.runtime.streams import dead_letter_fields

CONTEXT = ("payload_type", "url", "webhook", "format", "group", "kind", "stream", "event_id", "championship_id", "version")
BODY, CHANGE, ENTRY = "webhook_body", "standings.changed", "entry"


def notifier_dead_letter(*, reason: str, stream_id: bytes | str, payload: str | bytes, **context) -> dict:
    """The fields of one notifier dead letter: every field above, empty where unknown."""
    return dead_letter_fields(reason=reason, stream_id=stream_id, payload=payload, **{**dict.fromkeys(CONTEXT), **context})


def _text(entry_id: bytes, fields: dict) -> dict[str, str]:
    return {"id": entry_id.decode(), **{k.decode(): v.decode("utf-8", "replace") for k, v in fields.items()}}


async def list_dead_letters(client: Redis, settings: NotifierSettings, count: int = 100,
                            championship_id: str | None = None) -> list[dict[str, str]]:
    """The oldest `count` dead letters (of `championship_id` only, if given) as text dicts, each with its `id`."""
    out: list[dict[str, str]] = []
    start = "-"
    while len(out) < count:
        found = await client.xrange(settings.notifier_dead_letter_stream, min=start, count=max(count, 100))
        if not found:
            break
        out += [d for d in (_text(i, f) for i, f in found) if championship_id in (None, d.get("championship_id"))]
        start = "(" + found[-1][0].decode()
    return out[:count]


async def get_dead_letters(client: Redis, settings: NotifierSettings,
                           ids: Sequence[str] | None) -> list[tuple[str, dict[str, str] | None]]:
    """(id, letter or None when there is no such letter) for `ids`; every letter, oldest first, for None."""
    if ids is None:
        letters = []
        start = "-"
        while found := await client.xrange(settings.notifier_dead_letter_stream, min=start, count=500):
            letters += [(i.decode(), _text(i, f)) for i, f in found]
            start = "(" + found[-1][0].decode()
        return letters
    out: list[tuple[str, dict[str, str] | None]] = []
    for letter_id in ids:
        found = await client.xrange(settings.notifier_dead_letter_stream, min=letter_id, max=letter_id, count=1)
        out.append((letter_id, _text(*found[0]) if found else None))
    return out
