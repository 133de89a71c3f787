"""The asyncio Redis client and the conventions of the public streams.

Clients are made with ``decode_responses=False``: replies are ``bytes``. Event and table JSON goes
straight into ``Model.model_validate_json`` / ``json.loads``, which take bytes, without a
decode/encode round trip, and the raw client behaves like the one FastStream uses internally.
Decode keys and ids yourself where you need text (``key.decode()``).

Public stream entries (the event log, ``standings:{cid}:changes``, dead letters) hold plain JSON in
one field named ``data`` (:data:`DATA_FIELD`), so a bare ``XADD s * data '{...}'`` from any language
is a valid producer.

How FastStream 0.7.8 reads such an entry (its own field is ``__data__``, not ``data``), checked
against a real redis-server in ``tests/integration/test_runtime.py``:

- single-message stream subscriber: the body is the ``<json>`` itself. ``RedisStreamParser`` finds
  no ``__data__`` field, dumps the whole entry to ``{"data": "<json>"}`` and takes that for its
  legacy JSON envelope, unwrapping ``data``. So a handler annotated with a pydantic model works.
- batch subscriber (``batch=True``): each item of the body list is the entry as a dict,
  ``{"data": "<json>"}``, *not* the decoded event: decode ``entry_json(item)`` yourself.
- Caveat of the same envelope logic: event JSON must not have a top-level string ``data`` key, or
  FastStream would unwrap it too.
"""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError, ResponseError, TimeoutError

DATA_FIELD = "data"


MAX_CONNECTIONS = 64  # per client; a burst beyond it waits (up to WAIT_SECONDS) instead of failing
WAIT_SECONDS = 10.0


def resilience() -> dict:
    """Connection options of every client and broker: a command that meets a dropped connection
    (Redis restarted) reconnects and retries with backoff (50 ms doubling to 1 s, ~8 s in all)
    rather than failing, and a connection idle for 5 s is checked with a PING before it is used."""
    return {"retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=10),
            "retry_on_error": [ConnectionError, TimeoutError], "health_check_interval": 5}


def connect(url: str, *, client_name: str | None = None) -> Redis:
    """An asyncio client for ``url`` (bytes replies, see the module docstring); no I/O yet.

    Its pool is bounded and blocking: a command that finds all `MAX_CONNECTIONS` busy waits for
    one to come back (`redis.exceptions.ConnectionError` after `WAIT_SECONDS`), so a reconnect
    storm of overlays queues up rather than answering 500s (redis-py's default pool raises
    MaxConnectionsError at once); it rides out a Redis restart (`resilience`). The caller owns the
    client and closes it with ``await client.aclose()``, which closes the pool too.
    """
    pool = BlockingConnectionPool.from_url(url, decode_responses=False, client_name=client_name,
                                           max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS, **resilience())
    return Redis.from_pool(pool)


def entry(json_text: str | bytes) -> dict[str, str | bytes]:
    """The fields of a public stream entry holding ``json_text``: ``{"data": json_text}``."""
    return {DATA_FIELD: json_text}


def entry_json(fields: Mapping[bytes | str, bytes | str]) -> bytes | str:
    """The JSON held by a public stream entry (bytes or str keys); ``KeyError`` if none."""
    for key in (DATA_FIELD.encode(), DATA_FIELD):
        if key in fields:
            return fields[key]
    raise KeyError(DATA_FIELD)


async def ensure_group(client: Redis, stream: str, group: str, start_id: str = "0") -> bool:
    """Create consumer ``group`` on ``stream`` (and the stream) if missing; True if created.

    Starting at ``"0"`` (the default) means the group sees entries written before it existed,
    unlike a group FastStream creates itself (which starts at ``$``). Idempotent: an existing
    group is left untouched, whatever its position.
    """
    try:
        await client.xgroup_create(stream, group, id=start_id, mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
        return False
    return True
