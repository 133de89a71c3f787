"""A bounded memo for the engine's pure steps, keyed by the identity of the facts they read.

A fact's key, event id and revision name its content exactly, so a hit returns what the
computation would return. Callers treat what it holds as read-only. Safe across threads (the
gateway computes in worker threads): a race computes a value twice, never a wrong one.
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
        self._held: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
                return self._held[key]
        value = compute()
        with self._lock:
            self._held[key] = value
            if len(self._held) > self._size:
                self._held.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
