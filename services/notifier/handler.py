"""The notifier's handler: one batch of `standings:{cid}:changes` entries in, webhooks out.

For each entry, in stream order:

1. read and validate it (`schemas.standings.read_changed`: a record of schema version 1 is
   upcast); an unreadable entry, or one delivered more than `max_deliveries` times (a poison
   entry that keeps crashing the handler), is dead-lettered;
2. compare its `version` with the last version acknowledged for the championship
   (`standings:{cid}:notifier:version`): a jump logs "version gap" with the missing versions;
3. read the tables it names from the tables hash (one HMGET; a version-1 record carried them),
   `announce()` it and POST every announcement to every webhook URL (URLs in parallel, each URL
   in announcement order), retrying with backoff (`post_with_retries`); an announcement that
   still fails is dead-lettered, and so are the rest of that change's announcements for that URL
   (not attempted: the receiver is down, the stream must not wait on it);
4. write the dead letters, then acknowledge the entry and record its version (one Lua script on
   the championship's slot).

Guarantees: an entry is acknowledged only after every announcement was accepted (2xx) or
dead-lettered (at least once: a crash before the ack re-sends the change after a reclaim).
While a batch is being worked on, its entries are kept claimed (`streams.kept_claimed`), so slow webhooks
never make the claimer hand them out twice.
Every log line carries `event_id` and `championship_id` (structlog contextvars).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import httpx
import structlog
from redis.asyncio import Redis

from schemas.standings import read_changed
from services.notifier.announcements import Announcement, announce, body, names_from_rules
from services.notifier.dead_letters import notifier_dead_letter
from services.notifier.settings import NotifierSettings
from services.notifier.webhooks import post_with_retries, redact
from services.runtime import keys, read_model
from services.runtime.redis import entry_json
from services.runtime.streams import delivery_counts, fields_json, kept_claimed

log = structlog.get_logger("standings.notifier")

# KEYS: stream, version key; ARGV: group, entry id, version (0: unknown)
_ACK = """
if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], ARGV[3]) end
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
"""


def version_key(cid: str) -> str:
    """Last `standings.changed` version the notifier acknowledged for `cid` (same slot as its stream)."""
    return keys.changes_stream(cid).removesuffix("changes") + "notifier:version"


class Notifier:
    """Announces `standings.changed` entries to the configured webhooks (see the module doc)."""

    def __init__(self, redis: Redis, http: httpx.AsyncClient, settings: NotifierSettings) -> None:
        self.redis, self.http, self.settings = redis, http, settings
        self._ack = redis.register_script(_ACK)

    async def handle(self, stream: str, consumer: str, ids: Sequence[bytes], entries: Sequence[dict],
                     *, claimed: bool = False) -> None:
        """Handle one batch read by `consumer`; an unexpected error leaves the rest pending."""
        s = self.settings
        counts = await delivery_counts(self.redis, stream, s.notifier_group, ids) if claimed else {}
        async with kept_claimed(self.redis, stream, s.notifier_group, consumer, ids, s.claim_idle_ms / 3000) as pending:
            for sid, fields in zip(ids, entries, strict=True):
                try:
                    await self.handle_entry(stream, sid, fields, counts.get(sid, 1))
                except Exception:
                    log.exception("entry failed; it and the rest of the batch stay pending",
                                  stream=stream, stream_id=sid.decode())
                    return
                pending.discard(sid)

    async def handle_entry(self, stream: str, sid: bytes, fields: dict, delivered: int = 1) -> None:
        s = self.settings
        try:
            raw = entry_json(fields)
            record = read_changed(raw)
        except (KeyError, ValueError) as exc:
            reason = "entry has no 'data' field" if isinstance(exc, KeyError) else f"invalid standings.changed: {exc}"
            log.warning("unreadable change dead-lettered", stream=stream, stream_id=sid.decode(), reason=reason[:300])
            return await self._finish(stream, sid, None, 0, [notifier_dead_letter(
                reason=reason[:2000], stream=stream, stream_id=sid, payload=fields_json(fields))])
        change = record.event
        cid, version = change["championship_id"], record.version
        with structlog.contextvars.bound_contextvars(event_id=change["event_id"], championship_id=cid):
            if delivered > s.max_deliveries:
                reason = f"delivered {delivered} times (max {s.max_deliveries})"
                log.warning("dead-lettered", reason=reason, stream_id=sid.decode())
                return await self._finish(stream, sid, cid, version, [notifier_dead_letter(
                    reason=reason, stream=stream, stream_id=sid, payload=raw, event_id=change["event_id"],
                    championship_id=cid, version=version)])
            await self._check_version(cid, version)
            [tabled] = await read_model.with_tables(self.redis, cid, [record])
            registered = await read_model.registration(self.redis, cid)
            names = names_from_rules(cid, registered.payload.rules if registered else None)
            items = announce(change, tabled.tables, names, exact=tabled.exact)
            if not s.webhook_urls:
                for a in items:
                    log.info("announcement (log only: no webhook URLs)", kind=a.kind, text=a.text)
            results = await asyncio.gather(*(self._to_url(url, items, stream, sid) for url in s.webhook_urls))
            await self._finish(stream, sid, cid, version, [d for dead in results for d in dead])
            log.info("change handled", version=version, announcements=len(items), stream_id=sid.decode())

    async def _to_url(self, url: str, items: list[Announcement], stream: str, sid: bytes) -> list[dict]:
        """POST `items` to `url` in order; returns the dead letters of those that failed."""
        dead, down = [], ""
        for index, a in enumerate(items):
            payload = body(a, self.settings.webhook_format)
            if not down:
                headers = {"X-Standings-Announcement-Id": f"{a.event_id}#{index}"}
                outcome = await post_with_retries(self.http, url, payload, self.settings, headers=headers)
                if outcome.ok:
                    log.info("announced", kind=a.kind, text=a.text, url=redact(url), attempts=outcome.attempts)
                    continue
                reason, down = outcome.reason, f"not attempted: {redact(url)} failed earlier in this change"
            else:
                reason = down
            log.warning("announcement dead-lettered", kind=a.kind, url=redact(url), reason=reason)
            dead.append(notifier_dead_letter(reason=reason, stream=stream, stream_id=sid, url=redact(url), kind=a.kind,
                                           payload=json.dumps(payload), event_id=a.event_id,
                                           championship_id=a.championship_id, version=a.version))
        return dead

    async def _finish(self, stream: str, sid: bytes, cid: str | None, version: int, dead: list[dict]) -> None:
        for fields in dead:
            await self.redis.xadd(self.settings.notifier_dead_letter_stream, fields)
        version_at = version_key(cid) if cid else stream + ":notifier:version"
        await self._ack(keys=[stream, version_at], args=[self.settings.notifier_group, sid, version])

    async def _check_version(self, cid: str, version: int) -> None:
        last = int(await self.redis.get(version_key(cid)) or 0)
        if version > last + 1:
            log.warning("version gap: changes missed", last_version=last, version=version,
                        missing=f"{last + 1}..{version - 1}")
        elif version <= last:
            log.info("version already seen (redelivery or replay); announcing again", last_version=last,
                     version=version)

