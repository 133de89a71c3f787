"""The bookkeeping of one batch of event-stream entries: delivery counts, what became of each
entry (acknowledged, retrying, dead-lettered), and the dead letters to write."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from pydantic import ValidationError

from schemas.loading import describe
from services.projector.commit import CommitResult
from services.runtime import metrics
from services.runtime.streams import dead_letter_fields

log = structlog.get_logger("standings.projector")


@dataclass
class BatchOutcome:
    acked: list[bytes] = field(default_factory=list)
    dead_lettered: list[tuple[bytes, str]] = field(default_factory=list)  # (stream id, reason)
    commits: list[CommitResult] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # championships whose commit raised
    retrying: list[bytes] = field(default_factory=list)  # left pending: the rules they need may be in flight


def validation_reason(error: ValidationError, limit: int = 5) -> str:
    """A one-line summary naming each field: 'invalid event: payload.entries.1.position: ...'."""
    problems = describe(error)
    more = len(problems) - limit
    return "invalid event: " + "; ".join(problems[:limit]) + (f" (+{more} more)" if more > 0 else "")


@dataclass
class Batch:
    """The bookkeeping of one batch: delivery counts, the outcome, the dead letters to write."""

    counts: dict[bytes, int]
    outcome: BatchOutcome = field(default_factory=BatchOutcome)
    dead: list[dict] = field(default_factory=list)

    def delivered(self, sid: bytes) -> int:
        return self.counts.get(sid, 1)

    def to_dead(self, sid: bytes, reason: str, payload: bytes | str, event_id=None, championship_id=None,
                accepted_payload: bytes = b"") -> None:
        self.dead.append(dead_letter_fields(reason=reason, stream_id=sid, payload=payload, event_id=event_id,
                                            championship_id=championship_id, accepted_payload=accepted_payload))
        self.outcome.dead_lettered.append((sid, reason))
        metrics.EVENTS.labels("dead_lettered").inc()
        self.outcome.acked.append(sid)
        log.warning("dead-lettered", stream_id=sid.decode(), reason=reason, event_id=event_id,
                    championship_id=championship_id)

