"""The pure standings engine: rules and facts in, tables out.

Imports nothing but the standard library and the event contracts: no Redis, no framework,
no logging. `standings(facts)` is the specification: every table from the facts. The projector
keeps a `Championship` per championship it serves, whose `apply(events)` records events and
recomputes only what they change, with the same result as `standings`; `diff_tables` says what moved.
"""

from services.engine.championship import Championship, Update
from services.engine.diff import diff_tables
from services.engine.errors import RuleViolation
from services.engine.facts import BatchResult, Facts, apply_batch, check, record, rules_of
from services.engine.memory import Memory
from services.engine.projection import standings

__all__ = [
    "BatchResult", "Championship", "Facts", "Memory", "RuleViolation", "Update", "apply_batch", "check", "diff_tables", "record",
    "rules_of", "standings",
]
