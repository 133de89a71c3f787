"""The projector's garbage policy: frozen after each batch, swept now and then."""

import gc
import weakref

from services.projector.garbage import GarbagePolicy


class Node:
    """A reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_cycle_frozen_while_alive_is_freed_by_the_next_sweep():
    policy = GarbagePolicy(sweep_seconds=3600)
    try:
        node = Node()
        alive = weakref.ref(node)
        policy.settle()  # frozen while still in use
        del node
        policy.settle()
        assert alive() is not None  # frozen objects are never scanned between sweeps
        policy.sweep_seconds = 0
        policy.settle()
        assert alive() is None
    finally:
        gc.unfreeze()


def test_young_garbage_is_collected_after_every_batch():
    policy = GarbagePolicy(sweep_seconds=3600)
    try:
        node = Node()
        alive = weakref.ref(node)
        del node
        policy.settle()
        assert alive() is None
    finally:
        gc.unfreeze()
