"""Least-privilege Redis: one ACL user per service, and the ACL file that declares them.

Each user may run only the commands its service issues, on only the keys it owns or reads. Where
a service writes some keys and only reads others, the pairs (commands, keys) are kept apart with
ACL selectors (Redis 7): the root permissions read, and each ``(...)`` selector allows a few
writes on a few keys, so, e.g., the notifier may XACK a changes stream but neither XADD to it nor
SET over it. Key patterns come from the settings (the stream names) and :mod:`services.runtime.keys`.

========== ==============================================================================
user       may
========== ==============================================================================
projector  consume the event stream in its group (XREADGROUP, XAUTOCLAIM, XCLAIM, XACK,
           XPENDING, XGROUP CREATE; read it, never write it); write the projection of every
           championship (facts, tables, accepted, version, stamp hashes and strings, the
           championships set; WATCH/MULTI/EXEC, RENAME/PEXPIRE/DEL for a rebuild) and append
           to the changes streams and the dead-letter stream
gateway    read every ``standings:*`` key (tables, facts, versions, changes streams: GET, HGET,
           XREAD, XREVRANGE, XINFO of the projector's group, ...); XADD to the event stream
           only (HTTP ingest)
notifier   read every ``standings:*`` key; its group on the changes streams (XREADGROUP,
           XAUTOCLAIM, XCLAIM, XACK, XGROUP CREATE/SETID, XPENDING); its own keys
           ``standings:{cid}:notifier:*`` (GET, SET, through its EVALSHA script) and
           ``standings:notifier:*`` (its start position, SET NX; its dead-letter stream: XADD,
           XRANGE, XDEL, ...); TIME
producer   XADD to the event stream, nothing else (``standings publish --no-check``,
           ``standings register --revision N``, any timing system)
operator   every command but the dangerous ones (``-@dangerous``: no FLUSHALL, KEYS, CONFIG,
           DEBUG, ...) on ``standings:*``: the `standings` commands that operate the projection
           (``rebuild``, ``dead-letters``, ``register``, ``publish`` with its check, ``table``,
           ``tail``, ``demo``)
default    PING only, without a password (container health probes); nothing else
========== ==============================================================================

Every user may also PING, SELECT and name its connection (``CLIENT SETNAME``, and ``CLIENT
SETINFO`` on servers that know it, 7.2 and later: redis-py sends it on every connection). No user
may subscribe to a channel (``resetchannels``).

Passwords: :func:`password_rule` writes ``#<sha256>`` (the file holds no password) unless asked
for ``>password``. Guarantee: :func:`acl_file` output loads with ``redis-server --aclfile`` on
Redis 7.0+ and Valkey; tests load it and run each service under its user
(``tests/integration/test_acl.py``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.runtime.settings import Settings

SERVICE_USERS = ("projector", "gateway", "notifier")
USERS = (*SERVICE_USERS, "producer", "operator")
DEFAULT_NOTIFIER_DEAD_LETTERS = "standings:notifier:dead-letters"
NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class Grant:
    """Commands allowed on keys: the root permissions of a user, or one of its selectors."""

    keys: tuple[str, ...]  # "~pattern" (read and write), "%R~pattern" (read only)
    commands: tuple[str, ...]  # "cmd" or "cmd|subcommand"

    def rules(self) -> str:
        return " ".join([*self.keys, *(f"+{c}" for c in self.commands)])


@dataclass(frozen=True)
class User:
    name: str
    purpose: str
    root: Grant
    selectors: tuple[Grant, ...] = ()


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2]) or (7, 2)


def connection_commands(server_version: str = "7.2") -> tuple[str, ...]:
    """What every client sends on connecting: PING (health checks), SELECT, its name and library."""
    base = ("ping", "select", "client|setname", "client|getname")
    return (*base, "client|setinfo") if _version(server_version) >= (7, 2) else base


READS = ("get", "mget", "exists", "type", "strlen", "hget", "hmget", "hgetall", "hkeys", "hvals", "hlen", "hexists",
         "hscan", "smembers", "sismember", "smismember", "scard", "sscan", "xread", "xrange", "xrevrange", "xlen",
         "xinfo|stream", "xinfo|groups", "xinfo|consumers", "xpending")
TRANSACTIONS = ("multi", "exec", "discard", "watch", "unwatch")
GROUP_CONSUMER = ("xreadgroup", "xautoclaim", "xclaim", "xack", "xgroup|create", "xpending")


def _projection_keys() -> tuple[str, ...]:
    """Every key a projector writes apart from streams (a rebuild's temporary hashes are `<key>:rebuild:<token>`)."""
    return ("~standings:championships", "~standings:{*}:facts", "~standings:{*}:facts:rebuild:*",
            "~standings:{*}:tables", "~standings:{*}:tables:rebuild:*", "~standings:{*}:accepted",
            "~standings:{*}:accepted:rebuild:*", "~standings:{*}:version", "~standings:{*}:stamp")


def users(settings: Settings, *, notifier_dead_letters: str = DEFAULT_NOTIFIER_DEAD_LETTERS,
          server_version: str = "7.2") -> dict[str, User]:
    """The ACL users of every service, for the stream names of `settings` (see the module docstring)."""
    connect = connection_commands(server_version)
    events, dead = f"~{settings.events_stream}", f"~{settings.dead_letter_stream}"
    changes = "~standings:{*}:changes"
    reads = Grant(("%R~standings:*",), (*connect, *READS, *TRANSACTIONS))
    notifier_own = tuple(dict.fromkeys(("~standings:{*}:notifier:*", "~standings:notifier:*",
                                         f"~standings:{settings.notifier_group}:*", f"~{notifier_dead_letters}")))
    return {
        "projector": User(
            "projector", "consumes the event stream in its group; writes the projection, the changes and dead-letter streams",
            Grant(_projection_keys(), (*connect, "get", "set", "exists", "hget", "hmget", "hgetall", "hkeys", "hlen",
                                      "hscan", "hset", "hdel", "sadd", "smembers", "sismember", "scard", "del",
                                      "unlink", "rename", "pexpire", "persist", *TRANSACTIONS)),
            (Grant((events,), (*GROUP_CONSUMER, "xrange", "xrevrange", "xlen", "exists", "xinfo|stream", "xinfo|groups",
                               "xinfo|consumers")),
             Grant((dead, changes), ("xadd", "xrange", "xrevrange", "xlen", "exists", "xinfo|stream")))),
        "gateway": User(
            "gateway", "reads standings:* (tables, changes streams, the projector group's progress); XADD to the event "
            "stream (HTTP ingest)",
            reads, (Grant((events,), ("xadd",)),)),
        "notifier": User(
            "notifier", "reads standings:*; its group on the changes streams; its own keys and dead letters",
            Grant(reads.keys, (*reads.commands, "script|load", "time")),
            (Grant((changes,), (*GROUP_CONSUMER, "xgroup|setid", "xgroup|createconsumer", "xgroup|delconsumer")),
             Grant(notifier_own, ("get", "set", "del", "exists", "xadd", "xrange", "xrevrange", "xlen", "xdel",
                                  "xinfo|stream")),
             Grant((changes, *notifier_own), ("evalsha", "eval")))),
        "producer": User("producer", "XADD to the event stream, nothing else", Grant((events,), (*connect, "xadd"))),
        "operator": User("operator", "every command but the dangerous ones on standings:* (rebuild, dead letters, "
                         "register, publish, table, tail)", Grant(("~standings:*",), ("@all",))),
    }


def password_rule(password: str, *, plain: bool = False) -> str:
    """``#<sha256 hex>`` (the default: the file holds no password) or ``>password``."""
    if not password or any(c.isspace() for c in password):
        raise ValueError("a password must be non-empty and without whitespace")
    return f">{password}" if plain else "#" + hashlib.sha256(password.encode()).hexdigest()


def user_line(user: User, password: str, *, plain: bool = False) -> str:
    """One line of the ACL file: ``user <name> on <password> resetchannels -@all <root> (<selector>)...``."""
    rules = user.root.rules()
    if user.name == "operator":
        rules = f"{rules} -@dangerous"
    selectors = " ".join(f"({g.rules()})" for g in user.selectors)
    return " ".join(p for p in (f"user {user.name} on {password_rule(password, plain=plain)} resetchannels -@all",
                                rules, selectors) if p)


def default_line() -> str:
    """The default user (no password): PING only, so that container probes need no secret."""
    return "user default on nopass resetchannels -@all +ping"


def acl_file(settings: Settings, passwords: Mapping[str, str], *, plain: bool = False,
             notifier_dead_letters: str = DEFAULT_NOTIFIER_DEAD_LETTERS, server_version: str = "7.2") -> str:
    """The ACL file: the default user, then one line per user of `passwords` (in :data:`USERS` order).

    Redis ACL files hold no comments: what each user may do is in this module's docstring,
    ``docs/operations.md`` and ``standings acl --help``.
    """
    unknown = set(passwords) - set(USERS)
    if unknown:
        raise ValueError(f"unknown ACL users: {', '.join(sorted(unknown))} (known: {', '.join(USERS)})")
    defined = users(settings, notifier_dead_letters=notifier_dead_letters, server_version=server_version)
    lines = [default_line()] + [user_line(defined[name], passwords[name], plain=plain) for name in USERS if name in passwords]
    return "\n".join(lines) + "\n"


def describe(settings: Settings, names: Iterable[str] = USERS) -> list[str]:
    """One line per user: its name and what it may do."""
    defined = users(settings)
    return [f"{name}: {defined[name].purpose}" for name in names]
