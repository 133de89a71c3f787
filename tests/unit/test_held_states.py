"""The projector's holder of championship states: taken out while a commit works, bounded."""

from services.engine import Championship
from services.projector.held import Held, HeldStates, digest


def held(stamp: bytes) -> Held:
    return Held(stamp, Championship(), 1, {})


def test_a_state_is_taken_out_while_a_commit_works_on_it():
    states, state = HeldStates(capacity=2), held(b"s1")
    states.put("cup", state)
    assert states.take("cup") is state
    assert states.take("cup") is None  # a second commit in the same process loads its own


def test_the_least_recently_used_state_is_evicted_past_the_capacity():
    states = HeldStates(capacity=2)
    for cid in ("a", "b"):
        states.put(cid, held(b"s"))
    states.put("a", states.take("a"))  # "a" is now the most recently used
    states.put("c", held(b"s"))
    assert len(states) == 2 and states.take("b") is None and states.take("a") is not None


def test_a_digest_tells_stored_forms_apart():
    assert digest(b'{"a":1}') == digest(b'{"a":1}') != digest(b'{"a":2}')
    assert len(digest(b"x" * 100_000)) == 16
