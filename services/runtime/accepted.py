"""The accepted record: the live verdict on each event id, kept with the projection.

`standings:{cid}:accepted` maps each `event_id` the projector accepted (applied, or recorded as
superseded) to the stream entry it came from and the digest of its canonical content. It is:

- the idempotency record: an id in it is a duplicate, applied once whatever the redeliveries;
- the conflict check: the same id with other content is refused (dead-lettered with both
  payloads), never silently ignored;
- the verdict a rebuild replays: exactly these entries, so an entry live dead-lettered (a race
  with an unknown class, later corrected under the same id; a race that outlived its retry
  window before its registration came) stays out of the rebuilt projection too.

Entries that broke the rules are not in it, so a corrected event under the same id, or a
re-drive after a rules fix, is applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from schemas.events import Event


class Entry(NamedTuple):
    """An event as it came off the stream."""

    stream_id: str
    event: Event


@dataclass(frozen=True)
class Accepted:
    stream_id: str
    content: str  # blake2b-16 hex of the event's canonical JSON

    def encode(self) -> bytes:
        return f"{self.stream_id} {self.content}".encode()

    @classmethod
    def decode(cls, stored: bytes | str) -> Accepted:
        text = stored.decode() if isinstance(stored, bytes) else stored
        stream_id, _, content = text.partition(" ")
        return cls(stream_id, content)

    @classmethod
    def of(cls, entry: Entry) -> Accepted:
        canonical = entry.event.model_dump_json().encode()
        return cls(entry.stream_id, hashlib.blake2b(canonical, digest_size=16).hexdigest())


@dataclass(frozen=True)
class Conflict:
    """A reused event id with other content than the entry accepted under it."""

    entry: Entry
    accepted: Accepted

    def __str__(self) -> str:
        return (f"event_id {self.entry.event.event_id!r} was accepted from entry {self.accepted.stream_id} "
                "with other content; publish a correction under a new event_id with a higher revision")


def record_of(entries: Iterable[Entry], event_ids: Iterable[str]) -> dict[str, bytes]:
    """The accepted record's new fields: each of `event_ids` -> its first entry among `entries`."""
    wanted = set(event_ids)
    record: dict[str, bytes] = {}
    for entry in entries:
        event_id = entry.event.event_id
        if event_id in wanted and event_id not in record:
            record[event_id] = Accepted.of(entry).encode()
    return record
