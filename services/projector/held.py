"""The championship states a projector holds in memory, each valid for one stored stamp.

Every write of a championship's projection (a commit, a rebuild's swap) stores a fresh random
stamp in the same MULTI/EXEC. A state is handed out only for the stamp it was stored with, so a
state that another writer has moved on (another replica, a rebuild, a reset that deleted the
keys) is never used: the caller reloads it from Redis. A state is taken out while a commit works
on it and put back once its write landed, so two commits in one process (the consumer and the
claimer) never change one state together. Bounded: the least recently used state is evicted past
`capacity`.
"""

from __future__ import annotations

from collections import OrderedDict

from services.engine import Championship


class HeldStates:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._held: OrderedDict[str, tuple[bytes, Championship, int]] = OrderedDict()

    def take(self, championship_id: str, stamp: bytes | None) -> tuple[Championship, int] | None:
        """The state and version held for `championship_id` if they are those of `stamp`, taken out."""
        held = self._held.pop(championship_id, None)
        if held is None or stamp is None or held[0] != stamp:
            return None
        return held[1], held[2]

    def put(self, championship_id: str, stamp: bytes, state: Championship, version: int) -> None:
        """Hold `state` (whose write stored `stamp`), the most recently used."""
        self._held[championship_id] = (stamp, state, version)
        self._held.move_to_end(championship_id)
        while len(self._held) > self.capacity:
            self._held.popitem(last=False)

    def __len__(self) -> int:
        return len(self._held)
