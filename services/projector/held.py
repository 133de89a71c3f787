"""The championship states a projector holds in memory, each valid for one stored stamp.

Every write of a championship's projection (a commit, a rebuild's swap) stores a fresh random
stamp in the same MULTI/EXEC. A held state is trusted only for the stamp it was put with; for any
other (another replica, a rebuild, a reset that deleted the keys) the caller reloads from Redis,
reusing from the stale state the facts whose stored form is unchanged (see `digest`), so a reload
parses and recomputes what the other writer changed, not the season. A state is taken out while a
commit works on it and put back once its write landed, so two commits in one process (the consumer
and the claimer) never change one state together. Bounded: the least recently used state is
evicted past `capacity`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from services.engine import Championship


def digest(stored: bytes) -> bytes:
    """What tells two stored forms of a fact apart, in 16 bytes rather than the whole text."""
    return hashlib.blake2b(stored, digest_size=16).digest()


@dataclass
class Held:
    stamp: bytes  # of the write this state is the result of
    state: Championship
    version: int
    digests: dict[str, bytes]  # fact key -> digest of its stored form


class HeldStates:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._held: OrderedDict[str, Held] = OrderedDict()

    def take(self, championship_id: str) -> Held | None:
        """The state held for `championship_id`, taken out (current or not: compare its stamp)."""
        return self._held.pop(championship_id, None)

    def put(self, championship_id: str, held: Held) -> None:
        """Hold a state whose write landed (or that was read as stored), the most recently used."""
        self._held[championship_id] = held
        while len(self._held) > self.capacity:
            self._held.popitem(last=False)

    def __len__(self) -> int:
        return len(self._held)
