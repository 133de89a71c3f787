"""Redis key names, ready for Redis Cluster.

Every per-championship key carries the championship id in a hash tag (``{cid}``), so all keys of
one championship hash to one slot and one MULTI/EXEC or Lua script may touch them together.

Layout (``cid`` = championship id):

- ``standings:{cid}:facts``: hash, fact key -> latest event JSON for that fact.
- ``standings:{cid}:tables``: hash, ``"<table_id>/<class_id>"`` -> table JSON.
- ``standings:{cid}:version``: integer, the championship's projection version (only increases).
- ``standings:{cid}:accepted``: hash, accepted ``event_id`` -> ``"<stream id> <content digest>"``
  (idempotency, conflicts, and what a rebuild replays; see ``services/runtime/accepted.py``).
- ``standings:{cid}:stamp``: a fresh random token written by every write of the projection
  (commit or rebuild): a projector trusts the state it holds while the stamp is the one it wrote.
- ``standings:{cid}:changes``: public stream of ``standings.changed`` events.
- ``standings:championships``: set of registered championship ids (not slot-bound; read alone).

Guarantee: each function raises ``ValueError`` for an id that is empty or contains ``{`` or ``}``
(which would break the hash tag and so the one-slot property).
"""

from __future__ import annotations

CHAMPIONSHIPS_KEY = "standings:championships"


def _tag(cid: str) -> str:
    """``standings:{cid}``, after checking that ``cid`` is a usable hash tag."""
    if not cid or "{" in cid or "}" in cid:
        raise ValueError(f"championship id {cid!r} must be non-empty and free of braces")
    return f"standings:{{{cid}}}"


def facts_key(cid: str) -> str:
    """Hash of fact key -> event JSON (latest revision of each fact)."""
    return f"{_tag(cid)}:facts"


def tables_key(cid: str) -> str:
    """Hash of ``"<table_id>/<class_id>"`` -> table JSON."""
    return f"{_tag(cid)}:tables"


def version_key(cid: str) -> str:
    """Integer projection version of the championship."""
    return f"{_tag(cid)}:version"


def accepted_key(cid: str) -> str:
    """Hash of the event ids accepted into the championship's projection -> their entry and digest."""
    return f"{_tag(cid)}:accepted"


def stamp_key(cid: str) -> str:
    """Random token of the last write of the championship's projection."""
    return f"{_tag(cid)}:stamp"


def changes_stream(cid: str) -> str:
    """Public stream of the championship's ``standings.changed`` events (field ``data``)."""
    return f"{_tag(cid)}:changes"
