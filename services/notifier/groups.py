"""Where a notifier consumer group starts on a changes stream when it is created.

One group per sink on each `standings:{cid}:changes` (`handler.Sink`): `<notifier_group>` (the
log sink) and `<notifier_group>:<webhook_key(url)>` per webhook. A group is created once and
then kept (idempotent `XGROUP CREATE ... MKSTREAM`); its position is then Redis's business. A
new group starts:

1. where the log group is, when the stream has one: the notifier has run on this stream before,
   so a webhook added later (or every webhook of a notifier upgraded from the one-group design,
   whose group had the same name) starts where the notifier was: nothing published after it
   stopped is lost and nothing it had done is repeated. "Where it is" is just before its oldest
   pending entry, else its last delivered id;
2. else after `since(settings)`: the position fixed at the notifier's very first start and kept
   in `standings:<notifier_group>:since`: with `STANDINGS_NOTIFIER_START=now` (the default) the
   time of that start, so a first deploy does not announce the history, but a championship
   registered later is announced from its first change; with `beginning`, `0-0` (everything).

A group created at or after the stream's last entry is given `ENTRIESREAD` (the stream's
entries-added), so Redis can tell its lag (0) right away instead of "unknown" until it reads.

Guarantee: `ensure_groups` and `since` never move an existing group; the `since` key is only
written when missing (SET NX), so every replica and every restart agrees on it.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.notifier.settings import NotifierSettings

MAX_SEQ = 2**64 - 1


def since_key(settings: NotifierSettings) -> str:
    return f"standings:{settings.notifier_group}:since"


async def since(client: Redis, settings: NotifierSettings) -> str:
    """The stream id a group new to the notifier starts after (fixed at the notifier's first start)."""
    if settings.notifier_start == "beginning":
        value = "0-0"
    else:
        secs, micros = await client.time()
        value = f"{int(secs) * 1000 + int(micros) // 1000}-0"
    await client.set(since_key(settings), value, nx=True)
    return (await client.get(since_key(settings))).decode()


def id_tuple(stream_id: bytes | str) -> tuple[int, int]:
    ms, _, seq = (stream_id.decode() if isinstance(stream_id, bytes) else stream_id).partition("-")
    return int(ms), int(seq or 0)


def before(stream_id: bytes | str) -> str:
    """The id just before `stream_id` (a group created at it delivers `stream_id` next)."""
    ms, seq = id_tuple(stream_id)
    if seq:
        return f"{ms}-{seq - 1}"
    return f"{ms - 1}-{MAX_SEQ}" if ms else "0-0"


async def resume_point(client: Redis, stream: str, group: str) -> str | None:
    """Where `group` is on `stream`: before its oldest pending entry, else its last delivered id; None: no group."""
    if not await client.exists(stream):
        return None
    info = {g["name"].decode(): g for g in await client.xinfo_groups(stream)}.get(group)
    if info is None:
        return None
    if info["pending"]:
        summary = await client.xpending(stream, group)
        if summary["min"]:
            return before(summary["min"])
    return info["last-delivered-id"].decode()


async def ensure_groups(client: Redis, stream: str, log_group: str, groups: list[str], first: str) -> dict[str, bool]:
    """Create every missing group of `groups` on `stream` (see the module doc); group -> created now."""
    start = await resume_point(client, stream, log_group) or first
    entries_read = None
    if await client.exists(stream):
        info = await client.xinfo_stream(stream)
        if id_tuple(start) >= id_tuple(info["last-generated-id"]):
            entries_read = info["entries-added"]
    created = {}
    for group in groups:
        try:
            await client.xgroup_create(stream, group, id=start, mkstream=True, entries_read=entries_read)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
            created[group] = False
        else:
            created[group] = True
    return created
