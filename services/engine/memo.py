"""A bounded memo for the engine's pure steps, keyed by the very event objects they read.

Events are immutable, and an entry holds on to the objects of its key, so no other object can
take their ids while the entry lives: a hit returns exactly what the computation would return.
Events read back from Redis are the same objects for the same stored bytes
(`schemas.events.parse_stored`), which is what makes hits happen across reads. Callers treat
what it holds as read-only. Safe across threads (the gateway computes in worker threads): a race
computes a value twice, never a wrong one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._held: OrderedDict[Hashable, tuple[tuple, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, inputs: tuple, compute: Callable[[], T], *, tag: Hashable = ()) -> T:
        """The value computed from `inputs` (objects, by identity) and `tag` (by value)."""
        key = (tag, *map(id, inputs))
        with self._lock:
            hit = self._held.get(key)
            if hit is not None:
                self._held.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._held[key] = (inputs, value)
            if len(self._held) > self._size:
                self._held.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
