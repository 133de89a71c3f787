"""The notifier's handler: one batch of `standings:{cid}:changes` entries in, one message per change out.

Every webhook has its own consumer group on every changes stream (`Sink`: group
`<notifier_group>:<webhook_key(url)>`), so it reads, waits, retries and acknowledges on its own:
a slow or dead webhook lags alone and never delays another. The group `<notifier_group>` itself
is the log sink: it logs every announcement, dead-letters the entries no one can read, and marks
where the notifier is on the stream (new webhooks start there, see `services.notifier.groups`).

For each entry of a sink's batch, in stream order:

1. read and validate it (`schemas.standings.read_changed`: a record of schema version 1 is
   upcast); an unreadable entry is dead-lettered by the log sink (the webhook sinks skip it);
   one delivered more than `max_deliveries` times to a sink (a poison entry that keeps crashing
   the handler) is dead-lettered for that sink;
2. compare its `version` with the last version the sink acknowledged for the championship
   (`Sink.version_key`): a jump logs "version gap" with the missing versions;
3. make the change's digest (`digest_of`: the tables it names are read with one HMGET, a
   version-1 record carried them; `announce()`, then `messages.digest`), once per change for all
   sinks (a small cache keyed by event id, so a lagging webhook gets the same words);
4. the log sink logs it; a webhook sink sends it as one message (`render` in the webhook's
   format, `Webhook.send`: rate limit, retries, signature) unless there is nothing to say, and
   dead-letters it when it still fails;
5. write the dead letters, then acknowledge the entry in the sink's group and record its version
   (one Lua script on the championship's slot).

Guarantees: an entry is acknowledged in a webhook's group only after its message was accepted
(2xx) or dead-lettered; the entry is done when every group acknowledged it (at least once: a
crash before the ack re-sends the change after a reclaim). Per webhook, changes are sent in
stream order. While a batch is being worked on, its entries are kept claimed
(`streams.kept_claimed`), so slow webhooks never make the claimer hand them out twice.
Every log line carries `event_id` and `championship_id` (structlog contextvars).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import structlog
from redis.asyncio import Redis

from schemas.standings import ChangeRecord, read_changed
from services.notifier.announcements import announce, names_from_rules
from services.notifier.dead_letters import BODY, CHANGE, ENTRY, notifier_dead_letter
from services.notifier.messages import Digest, digest, render
from services.notifier.settings import NotifierSettings
from services.notifier.webhooks import Webhook, encode
from services.runtime import keys, read_model
from services.runtime.redis import entry_json
from services.runtime.streams import delivery_counts, fields_json, kept_claimed

log = structlog.get_logger("standings.notifier")

# KEYS: stream, version key; ARGV: group, entry id, version (0: unknown)
_ACK = """
if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], ARGV[3]) end
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
"""
DIGEST_CACHE = 256


def version_key(cid: str, webhook: str | None = None) -> str:
    """Last `standings.changed` version a sink acknowledged for `cid` (same slot as its stream)."""
    base = keys.changes_stream(cid).removesuffix("changes") + "notifier:"
    return base + (f"{webhook}:version" if webhook else "version")


@dataclass(frozen=True)
class Sink:
    """Where one consumer group's changes go: a webhook, or the log (`webhook` None)."""

    group: str
    webhook: Webhook | None = None

    @property
    def name(self) -> str:
        return self.webhook.name if self.webhook else "log"

    def version_key(self, stream: str, cid: str | None) -> str:
        if cid is None:
            return stream + ":notifier:version"
        return version_key(cid, self.webhook.key if self.webhook else None)


class Notifier:
    """Announces `standings.changed` entries to the configured webhooks (see the module doc)."""

    def __init__(self, redis: Redis, http: httpx.AsyncClient, settings: NotifierSettings) -> None:
        self.redis, self.http, self.settings = redis, http, settings
        self._ack = redis.register_script(_ACK)
        self.webhooks = [Webhook(url, settings, http) for url in dict.fromkeys(settings.webhook_urls)]
        self.log_sink = Sink(settings.notifier_group)
        self.sinks = [self.log_sink, *(Sink(f"{settings.notifier_group}:{w.key}", w) for w in self.webhooks)]
        self._digests: OrderedDict[str, Digest | None] = OrderedDict()

    async def handle(self, stream: str, sink: Sink, consumer: str, ids: Sequence[bytes], entries: Sequence[dict],
                     *, claimed: bool = False) -> None:
        """Handle one batch read by `consumer` of `sink.group`; an unexpected error leaves the rest pending."""
        counts = await delivery_counts(self.redis, stream, sink.group, ids) if claimed else {}
        interval = self.settings.claim_idle_ms / 3000
        async with kept_claimed(self.redis, stream, sink.group, consumer, ids, interval) as pending:
            for sid, fields in zip(ids, entries, strict=True):
                try:
                    await self.handle_entry(stream, sink, sid, fields, counts.get(sid, 1))
                except Exception:
                    log.exception("entry failed; it and the rest of the batch stay pending",
                                  stream=stream, stream_id=sid.decode(), sink=sink.name)
                    return
                pending.discard(sid)

    async def handle_entry(self, stream: str, sink: Sink, sid: bytes, fields: dict, delivered: int = 1) -> None:
        s = self.settings
        try:
            raw = entry_json(fields)
            record = read_changed(raw)
        except (KeyError, ValueError) as exc:
            reason = "entry has no 'data' field" if isinstance(exc, KeyError) else f"invalid standings.changed: {exc}"
            if sink.webhook is not None:  # the log sink dead-letters it, once
                log.info("unreadable change skipped", stream=stream, stream_id=sid.decode(), sink=sink.name)
                return await self._finish(stream, sink, sid, None, 0, [])
            log.warning("unreadable change dead-lettered", stream=stream, stream_id=sid.decode(), reason=reason[:300])
            return await self._finish(stream, sink, sid, None, 0, [notifier_dead_letter(
                reason=reason[:2000], stream=stream, stream_id=sid, payload=fields_json(fields), payload_type=ENTRY,
                group=sink.group)])
        change = record.event
        cid, version = change["championship_id"], record.version
        with structlog.contextvars.bound_contextvars(event_id=change["event_id"], championship_id=cid):
            if delivered > s.max_deliveries:
                reason = f"delivered {delivered} times (max {s.max_deliveries})"
                log.warning("dead-lettered", reason=reason, stream_id=sid.decode(), sink=sink.name)
                return await self._finish(stream, sink, sid, cid, version, [self._letter(
                    sink, reason=reason, stream=stream, stream_id=sid, payload=raw, payload_type=CHANGE,
                    event_id=change["event_id"], championship_id=cid, version=version)])
            await self._check_version(sink, cid, version)
            found = await self.digest_of(record)
            dead = await self._deliver(sink, found, stream, sid) if found else []
            await self._finish(stream, sink, sid, cid, version, dead)
            log.info("change handled", version=version, announcements=len(found.items) if found else 0,
                     stream_id=sid.decode(), sink=sink.name)

    async def digest_of(self, record: ChangeRecord) -> Digest | None:
        """The change's digest (None: nothing to announce); cached per event id for the other sinks."""
        change = record.event
        event_id = change["event_id"]
        if event_id in self._digests:
            self._digests.move_to_end(event_id)
            return self._digests[event_id]
        cid = change["championship_id"]
        [tabled] = await read_model.with_tables(self.redis, cid, [record])
        registered = await read_model.registration(self.redis, cid)
        names = names_from_rules(cid, registered.payload.rules if registered else None)
        found = digest(announce(change, tabled.tables, names, exact=tabled.exact), names.championship)
        self._digests[event_id] = found
        while len(self._digests) > DIGEST_CACHE:
            self._digests.popitem(last=False)
        return found

    async def _deliver(self, sink: Sink, d: Digest, stream: str, sid: bytes) -> list[dict]:
        """Log it (log sink) or send it (webhook sink); the dead letter when sending failed."""
        if sink.webhook is None:
            for a in d.items:
                log.info("announcement", kind=a.kind, text=a.text, webhooks=len(self.webhooks))
            return []
        webhook = sink.webhook
        body = render(d, webhook.format)
        outcome = await webhook.send(d.event_id, body)
        if outcome.ok:
            log.info("announced", url=webhook.name, kinds=d.kinds, announcements=len(d.items), attempts=outcome.attempts)
            return []
        log.warning("message dead-lettered", url=webhook.name, kinds=d.kinds, reason=outcome.reason)
        return [self._letter(sink, reason=outcome.reason, stream=stream, stream_id=sid, payload=encode(body),
                             payload_type=BODY, kind=d.kinds, event_id=d.event_id, championship_id=d.championship_id,
                             version=d.version)]

    def _letter(self, sink: Sink, **fields) -> dict:
        webhook = sink.webhook
        return notifier_dead_letter(group=sink.group, url=webhook.name if webhook else "", webhook=webhook.key if webhook else "",
                                    format=webhook.format if webhook else "", **fields)

    async def _finish(self, stream: str, sink: Sink, sid: bytes, cid: str | None, version: int, dead: list[dict]) -> None:
        for fields in dead:
            await self.redis.xadd(self.settings.notifier_dead_letter_stream, fields)
        await self._ack(keys=[stream, sink.version_key(stream, cid)], args=[sink.group, sid, version])

    async def _check_version(self, sink: Sink, cid: str, version: int) -> None:
        last = int(await self.redis.get(sink.version_key("", cid)) or 0)
        if version > last + 1:
            log.warning("version gap: changes missed", last_version=last, version=version,
                        missing=f"{last + 1}..{version - 1}", sink=sink.name)
        elif version <= last:
            log.info("version already seen (redelivery or replay); announcing again", last_version=last,
                     version=version, sink=sink.name)
