"""What one championship's earlier computations produced, lent to the next one.

The engine's contract for it: an entry is reused only when the objects it was computed from are
the very objects the facts hold now (compared by identity; the entry keeps them alive, so no other
object can take their place), so a revision, an award, a rules revision or an adjustment makes exactly the entries that read it
miss. With or without a Memory the engine returns the same tables; live, one event changes one
race, so the other races' scores and the previous round's tables are found here.

Bounded by the championship, not by a global size: one entry per race scored and per race a table
counts, and per table kept its competitors after its last three races, the table itself at the
latest round and the one before (for the moves), and its moves. Not thread-safe: one
Memory belongs to one championship's state, used by one task at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from operator import is_
from typing import Any, TypeVar

T = TypeVar("T")


class Memory:
    """Entries by family (e.g. one table group's tables) and item within it (e.g. the round)."""

    def __init__(self) -> None:
        self._held: dict[Hashable, dict[Hashable, tuple[tuple, Any]]] = {}

    def recall(self, family: Hashable, item: Hashable, inputs: tuple, compute: Callable[[], T]) -> T:
        """The value stored for `item` of `family` if it was computed from `inputs`, else `compute()`, stored."""
        held = self.peek(family, item, inputs)
        if held is None:
            held = compute()
            self.store(family, item, inputs, held)
        return held

    def peek(self, family: Hashable, item: Hashable, inputs: tuple) -> Any | None:
        """The value stored for `item` of `family` if it was computed from `inputs`, else None."""
        held = self._held.get(family, {}).get(item)
        return held[1] if held is not None and _same(held[0], inputs) else None

    def store(self, family: Hashable, item: Hashable, inputs: tuple, value: Any) -> None:
        self._held.setdefault(family, {})[item] = (inputs, value)

    def forget(self, family: Hashable, keep: Callable[[Any], bool]) -> None:
        """Drop the items of `family` not worth keeping: those that will not be asked for again live."""
        items = self._held.get(family, {})
        for item in [item for item in items if not keep(item)]:
            del items[item]


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(map(is_, a, b))
