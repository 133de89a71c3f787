"""What one championship's earlier computations produced, lent to the next one.

The engine's contract for it: an entry is reused only when the objects it was computed from are
the very objects the facts hold now (compared by identity; the entry keeps them alive, so no other
object can take their place), so a revision, an award, a rules revision or an adjustment makes exactly the entries that read it
miss. With or without a Memory the engine returns the same tables; live, one event changes one
race, so the other races' scores and the previous round's tables are found here.

Bounded by the championship, not by a global size: one entry per race scored, per table kept (at
the latest round and the one before, for the moves), and per table's moves. Not thread-safe: one
Memory belongs to one championship's state, used by one task at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from operator import is_
from typing import Any, TypeVar

T = TypeVar("T")


class Memory:
    def __init__(self) -> None:
        self._held: dict[Hashable, tuple[tuple, Any]] = {}

    def recall(self, key: Hashable, inputs: tuple, compute: Callable[[], T]) -> T:
        """The value stored under `key` if it was computed from `inputs`, else `compute()`, stored."""
        held = self._held.get(key)
        if held is not None and _same(held[0], inputs):
            return held[1]
        value = compute()
        self._held[key] = (inputs, value)
        return value

    def forget_rounds_except(self, cutoffs: set[int | None]) -> None:
        """Drop the tables built as of any round but `cutoffs` (they will not be asked for again live)."""
        stale = [key for key in self._held if key[0] == "table" and key[-1] not in cutoffs]
        for key in stale:
            del self._held[key]


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(map(is_, a, b))
