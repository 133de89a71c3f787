"""The notifier's dead letters: announcements that could not be delivered, with the reason.

Stream `settings.notifier_dead_letter_stream` (default `standings:notifier:dead-letters`), one entry
per (announcement, webhook URL) that failed, or per `standings.changed` entry that could not be
read at all. Fields (all strings, empty when unknown):

- `reason`: e.g. "HTTP 503 after 5 attempts", "invalid standings.changed: ...";
- `url`: the webhook, as `webhooks.redact(url)` (no secret token); `kind`: the announcement kind;
- `stream`, `stream_id`: where the `standings.changed` entry is;
- `event_id`, `championship_id`, `version`: of that `standings.changed`;
- `payload`: the JSON body that was to be POSTed (or the unreadable entry's data);
- `failed_at`: ISO 8601 UTC.

Written (`services.runtime.streams.dead_letter_fields`, shared with the projector) before the
entry is acknowledged: a crash in between writes it again (at least once).
To re-send, POST `payload` to the configured URL whose `redact()` is `url`, or reset the group (`XGROUP SETID`) to replay.
"""

from __future__ import annotations

from redis.asyncio import Redis

from services.notifier.settings import NotifierSettings
from services.runtime.streams import dead_letter_fields

CONTEXT = ("url", "kind", "stream", "event_id", "championship_id", "version")


def notifier_dead_letter(*, reason: str, stream_id: bytes | str, payload: str | bytes, **context) -> dict:
    """The fields of one notifier dead letter: every field above, empty where unknown."""
    return dead_letter_fields(reason=reason, stream_id=stream_id, payload=payload, **{**dict.fromkeys(CONTEXT), **context})


async def list_dead_letters(client: Redis, settings: NotifierSettings, count: int = 100) -> list[dict[str, str]]:
    """The oldest `count` dead letters as text dicts, each with its own stream `id`."""
    found = await client.xrange(settings.notifier_dead_letter_stream, count=count)
    return [{"id": i.decode(), **{k.decode(): v.decode() for k, v in f.items()}} for i, f in found]
