"""A draft + what is already published -> the event to publish: its revision and event id (pure).

The scheme, deterministic and idempotent (docs/cli.md, "Revisions and event ids"):

- A draft's digest covers its event type and canonical payload, without the revision.
- A digest already published (in the championship's accepted record, or earlier in this run) is
  published again as that very event: a duplicate the projector ignores, never a conflict. So a
  file imported again, even an older one, changes nothing.
- A stored fact with the same content (another producer's, say) is published again as stored.
- Otherwise the draft is a new revision: one more than the highest known for its fact (the stored
  fact's or one published earlier in this run), so an official file after a provisional one
  supersedes it. Event id: `{championship}:{label}:r{revision}:{digest}` (over 128 characters:
  `{championship}:{type}:r{revision}:{digest}`). At an equal revision (two importers racing)
  `race-result` sorts after `race-provisional`, so the official result wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import Event, parse_event
from services.importers.classification import Draft

MAX_EVENT_ID = 128


@dataclass
class Published:
    """What is known to be published for one championship."""

    stored: dict[str, Event] = field(default_factory=dict)  # fact key -> the stored event (its latest revision)
    by_digest: dict[str, str] = field(default_factory=dict)  # draft digest -> the JSON published for it
    revisions: dict[str, int] = field(default_factory=dict)  # fact key -> highest revision published in this run


@dataclass(frozen=True)
class Settled:
    event: Event
    raw: str  # the JSON to publish
    new: bool  # False: the same content was published before (a duplicate)


def settle(draft: Draft, known: Published, championship_id: str, occurred_at: str) -> Settled:
    """The event to publish for `draft`; records it in `known` (so later drafts of this run see it)."""
    if (raw := known.by_digest.get(draft.digest)) is not None:
        return Settled(parse_event(raw), raw, False)
    stored = known.stored.get(draft.fact)
    if stored is not None and stored.payload.model_dump(mode="json", exclude={"revision"}) == draft.payload:
        raw = stored.model_dump_json()
        return Settled(parse_event(raw), raw, False)
    revision = max(known.revisions.get(draft.fact, 0), stored.payload.revision if stored is not None else 0) + 1
    event_id = f"{championship_id}:{draft.label}:r{revision}:{draft.digest}"
    if len(event_id) > MAX_EVENT_ID:
        event_id = f"{championship_id}:{draft.type}:r{revision}:{draft.digest}"
    event = parse_event({"event_id": event_id, "type": draft.type, "championship_id": championship_id,
                         "occurred_at": occurred_at, "payload": {**draft.payload, "revision": revision}})
    raw = event.model_dump_json()
    known.by_digest[draft.digest] = raw
    known.revisions[draft.fact] = revision
    return Settled(event, raw, True)


def digest_of(event_id: str) -> str | None:
    """The draft digest an importer's event id ends with (16 hex digits), else None."""
    tail = event_id.rsplit(":", 1)[-1]
    return tail if len(tail) == 16 and all(c in "0123456789abcdef" for c in tail) else None
