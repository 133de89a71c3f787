"""The projector service: the event log in, the standings projection and `standings.changed` out.

- `run_projector(settings)`: the service (FastStream broker, batch subscriber + claimer).
- `rebuild(redis, settings, championship_id=None, progress=None)`: replay the log, swap atomically.
- `services.projector.dead_letters`: list, inspect and re-drive dead letters.
"""

from services.projector.app import build_broker, projector_running, run_projector
from services.projector.batch import BatchOutcome
from services.projector.commit import CommitResult, commit_championship
from services.projector.handler import Projector
from services.projector.rebuild import RebuildReport, rebuild

__all__ = [
    "BatchOutcome",
    "CommitResult",
    "Projector",
    "RebuildReport",
    "build_broker",
    "commit_championship",
    "projector_running",
    "rebuild",
    "run_projector",
]
