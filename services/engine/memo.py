"""A bounded memo for the engine's pure steps, keyed by the ids of the events they read.

Event ids are idempotency keys, so a key names its inputs exactly: a hit returns what the
computation would return. Callers treat what it holds as read-only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._held: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key in self._held:
            self._held.move_to_end(key)
            return self._held[key]
        value = self._held[key] = compute()
        if len(self._held) > self._size:
            self._held.popitem(last=False)
        return value

    def clear(self) -> None:
        self._held.clear()
