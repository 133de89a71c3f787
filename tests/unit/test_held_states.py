"""The projector's holder of championship states: handed out only for the stamp they were put with."""

from services.engine import Championship
from services.projector.held import HeldStates


def test_a_state_is_handed_out_once_and_only_for_its_stamp():
    held, state = HeldStates(capacity=2), Championship()
    held.put("cup", b"s1", state, 3)
    assert held.take("cup", b"other") is None  # another writer moved it: reload
    assert held.take("cup", b"s1") is None  # and the stale state is gone
    held.put("cup", b"s2", state, 4)
    assert held.take("cup", b"s2") == (state, 4)
    assert held.take("cup", b"s2") is None  # taken out while a commit works on it
    assert held.take("cup", None) is None


def test_the_least_recently_used_state_is_evicted_past_the_capacity():
    held = HeldStates(capacity=2)
    for cid in ("a", "b"):
        held.put(cid, b"s", Championship(), 1)
    state_a = held.take("a", b"s")[0]
    held.put("a", b"s2", state_a, 2)  # "a" is now the most recently used
    held.put("c", b"s", Championship(), 1)
    assert len(held) == 2 and held.take("b", b"s") is None and held.take("a", b"s2") is not None
