"""Projecting events in a test with the projector's own commit step (no broker, nothing held in memory)."""

from __future__ import annotations

from redis.asyncio import Redis

from schemas.events import Event
from services.projector import CommitResult, commit_championship
from services.projector.held import HeldStates
from services.runtime.settings import Settings

RETENTION = Settings.model_fields["changes_retention"].default


async def commit(client: Redis, championship_id: str, *events: Event) -> CommitResult:
    """Apply `events` (all of `championship_id`) in one atomic write, as the projector does for a batch."""
    return await commit_championship(client, championship_id, list(events), HeldStates(1), retention=RETENTION)
