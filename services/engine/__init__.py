"""The pure standings engine: rules and facts in, tables out.

Imports nothing but the standard library and the event contracts: no Redis, no framework,
no logging. The projector records events with `record`, derives tables with `standings`
and announces what moved with `diff_tables`.
"""

from services.engine.diff import diff_tables
from services.engine.errors import RuleViolation
from services.engine.facts import BatchResult, Facts, apply_batch, check, record, rules_of
from services.engine.projection import standings

__all__ = [
    "BatchResult", "Facts", "RuleViolation", "apply_batch", "check", "diff_tables", "record", "rules_of", "standings",
]
