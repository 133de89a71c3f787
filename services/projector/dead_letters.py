"""The dead-letter stream: entries the projector could not apply, with the reason.

Each dead letter is one entry of `settings.dead_letter_stream` with the fields

- `reason`: why (validation errors with their field paths, the broken rule, or
  "delivered N times (max M)");
- `stream_id`: the id of the original entry in the event stream;
- `payload`: the original entry's `data` (the event JSON exactly as published; for an entry
  without a `data` field, the JSON of its fields);
- `event_id`, `championship_id`: when they could be read from the payload (else empty);
- `accepted_payload`: for a conflict (an event id reused with other content), the payload
  accepted earlier under that id, while the event stream still holds it (else empty);
- `failed_at`: ISO 8601 UTC time of dead-lettering.

The fields are written by `services.runtime.streams.dead_letter_fields`, shared with the notifier.

Delivery into the dead-letter stream is at least once: a projector that dies after writing a
dead letter and before acknowledging the entry writes it again when the entry is reclaimed.
`redrive` appends the original payload to the event stream and then deletes the dead letter;
these are two keys in different slots, so a crash in between can leave both, and the re-driven
event is then applied once anyway (its `event_id` is the idempotency key).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

from services.runtime.redis import entry
from services.runtime.settings import Settings


@dataclass(frozen=True)
class DeadLetter:
    id: str  # the dead letter's own stream id
    reason: str
    stream_id: str
    payload: str
    event_id: str | None
    championship_id: str | None
    failed_at: str
    accepted_payload: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def identify(payload: bytes | str) -> tuple[str | None, str | None]:
    """Best effort (event_id, championship_id) from a payload that did not validate."""
    try:
        data = json.loads(payload)
    except (ValueError, TypeError, RecursionError):  # not JSON, not text, or nested past the parser's depth
        return None, None
    if not isinstance(data, dict):
        return None, None
    ids = (data.get("event_id"), data.get("championship_id"))
    return tuple(v if isinstance(v, str) and v else None for v in ids)  # type: ignore[return-value]


def _parse(dl_id: bytes | str, fields: Mapping[bytes, bytes]) -> DeadLetter:
    get = {_text(k): _text(v) for k, v in fields.items()}
    return DeadLetter(
        id=_text(dl_id),
        reason=get.get("reason", ""),
        stream_id=get.get("stream_id", ""),
        payload=get.get("payload", ""),
        event_id=get.get("event_id") or None,
        championship_id=get.get("championship_id") or None,
        failed_at=get.get("failed_at", ""),
        accepted_payload=get.get("accepted_payload", ""),
    )


async def list_dead_letters(
    client: Redis, settings: Settings, *, start: str = "-", count: int = 100, championship_id: str | None = None
) -> list[DeadLetter]:
    """Dead letters from `start` (a dead-letter id, inclusive; "-" for the oldest), oldest first."""
    letters = [_parse(i, f) for i, f in await client.xrange(settings.dead_letter_stream, min=start, count=count)]
    return [d for d in letters if championship_id is None or d.championship_id == championship_id]


async def count_dead_letters(client: Redis, settings: Settings) -> int:
    return await client.xlen(settings.dead_letter_stream)


async def get_dead_letter(client: Redis, settings: Settings, dead_letter_id: str) -> DeadLetter | None:
    """One dead letter by its id, or None."""
    found = await client.xrange(settings.dead_letter_stream, min=dead_letter_id, max=dead_letter_id, count=1)
    return _parse(*found[0]) if found else None


async def redrive(client: Redis, settings: Settings, dead_letter_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Re-publish dead letters' original payloads to the event stream and delete them.

    `dead_letter_ids=None` re-drives every dead letter. Returns dead-letter id -> new event stream
    id; unknown ids are skipped. Each payload goes back as a plain `data` entry, so the projector
    validates it again: fix the rules (or the payload, by publishing a corrected event) first.
    """
    if dead_letter_ids is None:
        letters = [_parse(i, f) for i, f in await client.xrange(settings.dead_letter_stream)]
    else:
        letters = [d for d in [await get_dead_letter(client, settings, i) for i in dead_letter_ids] if d]
    moved: dict[str, str] = {}
    for letter in letters:
        new_id = await client.xadd(settings.events_stream, entry(letter.payload))
        await client.xdel(settings.dead_letter_stream, letter.id)
        moved[letter.id] = _text(new_id)
    return moved


async def purge(client: Redis, settings: Settings, dead_letter_ids: Iterable[str]) -> int:
    """Delete dead letters without re-driving them; returns how many existed."""
    ids = list(dead_letter_ids)
    return await client.xdel(settings.dead_letter_stream, *ids) if ids else 0
