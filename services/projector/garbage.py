"""When the projector collects garbage: young objects after every batch, everything now and then.

The held championship states are most of a projector's objects, and they live long. Left to the
collector's defaults, every full collection scans all of them: with a thousand championships held
it paused the projector for up to 11 s (docs/benchmarks.md). So after each batch the young
generations are collected and what survives is frozen (`gc.freeze`): never scanned again, still
freed by reference counting when a state is replaced or evicted. What the freeze cannot free is a
reference cycle that was alive when frozen and dies later (an in-flight request's frames in a
process that also serves HTTP, say); a full sweep every `sweep_seconds` unfreezes and collects
those, at the price of one full pause then.
"""

from __future__ import annotations

import gc
import time


class GarbagePolicy:
    def __init__(self, sweep_seconds: float) -> None:
        self.sweep_seconds = sweep_seconds
        self._swept = time.monotonic()

    def settle(self) -> None:
        """Call after each batch."""
        if time.monotonic() - self._swept >= self.sweep_seconds:
            gc.unfreeze()
            gc.collect()
            self._swept = time.monotonic()
        else:
            gc.collect(1)
        gc.freeze()
