"""Sending the notifier's dead letters again (`standings notifier dead-letters redrive`).

A letter of a message that failed is sent as it was stored; a change dead-lettered whole is
announced again to its webhook. What was sent is deleted; what failed or was skipped is kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from schemas.standings import read_changed
from services.notifier.dead_letters import BODY, CHANGE, ENTRY, get_dead_letters
from services.notifier.handler import Notifier
from services.notifier.messages import render
from services.notifier.webhooks import Webhook, redact

log = structlog.get_logger("standings.notifier")


@dataclass(frozen=True)
class Redriven:
    """What `redrive` did with one dead letter: sent or dropped (deleted), failed or skipped (kept)."""

    id: str
    outcome: str
    detail: str = ""
    url: str = ""



def webhook_for(notifier: Notifier, letter: dict[str, str]) -> Webhook | None:
    """The configured webhook a dead letter was for (by key, else by redacted URL)."""
    for w in notifier.webhooks:
        if (letter.get("webhook") and letter["webhook"] == w.key) or (letter.get("url") and letter["url"] == redact(w.url)):
            return w
    return None

async def redrive(notifier: Notifier, ids: Sequence[str] | None = None) -> list[Redriven]:
    """Send dead letters again to their webhooks (all when `ids` is None), oldest first.

    A letter of a message that failed (`payload_type` webhook_body) has its stored body sent
    as it was; a change that was dead-lettered whole (`standings.changed`, e.g. delivered too
    often) is announced again to its webhook. Sent letters are deleted; failed and skipped
    ones (webhook no longer configured, unreadable entry, unknown id) are kept.
    """
    out: list[Redriven] = []
    for letter_id, letter in await get_dead_letters(notifier.redis, notifier.settings, ids):
        if letter is None:
            out.append(Redriven(letter_id, "skipped", "no such dead letter"))
            continue
        out.append(await _redrive_one(notifier, letter_id, letter))
    return out

async def _redrive_one(notifier: Notifier, letter_id: str, letter: dict[str, str]) -> Redriven:
    kind = letter.get("payload_type") or (BODY if letter.get("kind") and letter.get("url") else ENTRY)
    webhook = webhook_for(notifier, letter)
    if kind == ENTRY or not letter.get("url"):
        return Redriven(letter_id, "skipped", "an unreadable change: nothing to send")
    if webhook is None:
        return Redriven(letter_id, "skipped", f"webhook {letter.get('url')} is not configured here", letter.get("url", ""))
    message_id = letter.get("event_id") or letter_id
    with structlog.contextvars.bound_contextvars(event_id=message_id, championship_id=letter.get("championship_id")):
        try:
            if kind == CHANGE:
                found = await notifier.digest_of(read_changed(letter["payload"]))
                body = render(found, webhook.format) if found else None
            else:
                body = json.loads(letter["payload"])
        except (KeyError, ValueError) as exc:
            return Redriven(letter_id, "skipped", f"unreadable payload: {exc}"[:300], webhook.name)
        if body is None:
            await notifier.redis.xdel(notifier.settings.notifier_dead_letter_stream, letter_id)
            return Redriven(letter_id, "dropped", "nothing to announce: deleted", webhook.name)
        outcome = await webhook.send(message_id, body)
    if not outcome.ok:
        return Redriven(letter_id, "failed", outcome.reason, webhook.name)
    await notifier.redis.xdel(notifier.settings.notifier_dead_letter_stream, letter_id)
    log.info("dead letter re-sent", dead_letter=letter_id, url=webhook.name, attempts=outcome.attempts)
    return Redriven(letter_id, "sent", f"{outcome.attempts} attempt(s)", webhook.name)
