"""Projecting events in a test with the projector's own commit step (no broker, nothing held in memory)."""

from __future__ import annotations

import itertools

from redis.asyncio import Redis

from schemas.events import Event
from services.projector import CommitResult, commit_championship
from services.projector.held import HeldStates
from services.runtime.accepted import Entry
from services.runtime.settings import Settings

RETENTION = Settings.model_fields["changes_retention"].default
_entry_ids = itertools.count(1)  # stand-ins for stream ids: these events never went through the stream


async def commit(client: Redis, championship_id: str, *events: Event) -> CommitResult:
    """Apply `events` (all of `championship_id`) in one atomic write, as the projector does for a batch."""
    entries = [Entry(f"0-{next(_entry_ids)}", e) for e in events]
    return await commit_championship(client, championship_id, entries, HeldStates(1), retention=RETENTION)
