"""One message per change: the digest of a change's announcements, rendered per format. Pure.

`digest(announcements, championship)` orders what a change means, most important first
(clinches, then new leaders, then big climbs, then first points; in `announce()`'s order within a
kind), and `render(digest, fmt)` makes the webhook's JSON body:

- `discord`: one embed (title: the championship; description: one "- " line per announcement;
  footer: the change's event id), `allowed_mentions: {"parse": []}` so nothing in it can ping,
  untrusted text backslash-escaped (`text.escape_discord`). Within Discord's limits
  (`DISCORD_LIMITS`): no `content`, 1 embed of 10, no fields of 25, title <= 256, description
  <= 4,096, footer <= 2,048, all the embed's text <= 6,000 characters.
- `slack`: Block Kit: a section with the championship in bold, a section with one "• " line per
  announcement, a context block with the event id, and `text` (the notification's fallback: the
  headline). Every text is mrkdwn with `verbatim: true` (no auto-links, no mention parsing) and
  `&`, `<`, `>` escaped. Within Slack's limits (`SLACK_LIMITS`): 3 blocks of 50, section text <=
  3,000 characters, `text` <= 3,000 characters; links are not unfurled.
- `json`: the fields of the headline announcement (every field of `Announcement`, as before: a
  receiver that reads `kind` / `text` / `driver_id` keeps working), plus `announcements`, every
  announcement of the change in digest order (at most `JSON_MAX_ANNOUNCEMENTS`, then `more` says
  how many were left out). Strings are cut to `JSON_MAX_STRING` characters.

When the lines do not fit, the last line says how many were left out ("… and 7 more").
Guarantee: `render` never raises on a `Digest` and its result is within the limits above,
whatever the names hold (the limits are checked by `limit_problems`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.notifier.announcements import Announcement
from services.notifier.text import clean, escape_discord_char, escape_slack_char, fit, plain

PRIORITY = {"clinched": 0, "leader": 1, "climb": 2, "first_points": 3}
LINE_MAX = 400  # characters of one line before escaping
DISCORD_LIMITS = {"content": 2000, "embeds": 10, "title": 256, "description": 4096, "fields": 25, "field_name": 256,
                  "field_value": 1024, "footer": 2048, "author": 256, "total": 6000}
SLACK_LIMITS = {"blocks": 50, "section": 3000, "context_elements": 10, "text": 3000}
JSON_MAX_ANNOUNCEMENTS = 100
JSON_MAX_STRING = 1000
DISCORD_CLINCH, DISCORD_NEWS = 0xF1C40F, 0x3498DB  # embed colours


@dataclass(frozen=True)
class Digest:
    """What one `standings.changed` means, most important first (`items` is never empty)."""

    championship_id: str
    championship: str  # display name (cleaned)
    version: int
    event_id: str
    items: tuple[Announcement, ...]

    @property
    def headline(self) -> Announcement:
        return self.items[0]

    @property
    def kinds(self) -> str:
        return ",".join(dict.fromkeys(a.kind for a in self.items))


def digest(announcements: Sequence[Announcement], championship: str) -> Digest | None:
    """The digest of one change's announcements; None when there is nothing to say."""
    if not announcements:
        return None
    items = tuple(sorted(announcements, key=lambda a: PRIORITY.get(a.kind, len(PRIORITY))))
    first = items[0]
    return Digest(first.championship_id, clean(championship, 200) or first.championship_id, first.version,
                  first.event_id, items)


def render(d: Digest, fmt: str) -> dict:
    """The webhook's JSON body for `d` in format `fmt` (`discord`, `slack` or `json`)."""
    if fmt == "discord":
        return discord(d)
    if fmt == "slack":
        return slack(d)
    return generic(d)


def lines(summaries: Sequence[str], bullet: str, limit: int, escape: Callable[[str], str]) -> str:
    """Bulleted lines, escaped, as many as fit in `limit` characters; the last says how many did not."""
    out: list[str] = []
    used = 0  # len("\n".join(out))
    for index, summary in enumerate(summaries):
        line = bullet + fit(summary, LINE_MAX, escape)
        rest = len(summaries) - index - 1
        reserve = len(f"\n{bullet}… and {rest} more") if rest else 0  # room to say what is left out
        if used + (1 if out else 0) + len(line) + reserve > limit:
            out.append(f"{bullet}… and {len(summaries) - index} more")
            break
        used += (1 if out else 0) + len(line)
        out.append(line)
    return "\n".join(out)


def discord(d: Digest) -> dict:
    title = fit(d.championship, DISCORD_LIMITS["title"], escape_discord_char)
    footer = fit(d.event_id, 200)
    room = min(DISCORD_LIMITS["description"], DISCORD_LIMITS["total"] - len(title) - len(footer))
    embed = {
        "title": title,
        "description": lines([a.summary for a in d.items], "- ", room, escape_discord_char),
        "color": DISCORD_CLINCH if d.headline.kind == "clinched" else DISCORD_NEWS,
        "footer": {"text": footer},
    }
    return {"allowed_mentions": {"parse": []}, "embeds": [embed]}


def slack(d: Digest) -> dict:
    def mrkdwn(text: str) -> dict:
        return {"type": "mrkdwn", "text": text, "verbatim": True}

    name = fit(d.championship, 200, escape_slack_char)
    body = lines([a.summary for a in d.items], "• ", SLACK_LIMITS["section"], escape_slack_char)
    return {
        "text": fit(d.headline.text, SLACK_LIMITS["text"], escape_slack_char),
        "blocks": [
            {"type": "section", "text": mrkdwn(f"*{name}*")},
            {"type": "section", "text": mrkdwn(body)},
            {"type": "context", "elements": [mrkdwn(fit(d.event_id, 200, escape_slack_char))]},
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }


def _bounded(item: Announcement) -> dict:
    return {k: fit(v, JSON_MAX_STRING, plain) if isinstance(v, str) else v for k, v in item.to_dict().items()}


def generic(d: Digest) -> dict:
    shown = d.items[:JSON_MAX_ANNOUNCEMENTS]
    return {**_bounded(d.headline), "announcements": [_bounded(a) for a in shown], "more": len(d.items) - len(shown)}


def limit_problems(body: dict, fmt: str) -> list[str]:
    """What in `body` breaks a documented limit of `fmt` (empty: none). For tests and assertions."""
    problems: list[str] = []

    def over(what: str, text: str | None, limit: int) -> None:
        if text is not None and len(text) > limit:
            problems.append(f"{what}: {len(text)} > {limit}")

    if fmt == "discord":
        lim = DISCORD_LIMITS
        over("content", body.get("content"), lim["content"])
        embeds = body.get("embeds", [])
        if len(embeds) > lim["embeds"]:
            problems.append(f"embeds: {len(embeds)} > {lim['embeds']}")
        total = 0
        for e in embeds:
            fields = e.get("fields", [])
            if len(fields) > lim["fields"]:
                problems.append(f"fields: {len(fields)} > {lim['fields']}")
            texts = {"title": e.get("title"), "description": e.get("description"),
                     "footer": e.get("footer", {}).get("text"), "author": e.get("author", {}).get("name")}
            for what, text in texts.items():
                over(what, text, lim[what])
            for f in fields:
                over("field_name", f["name"], lim["field_name"])
                over("field_value", f["value"], lim["field_value"])
            total += sum(len(t or "") for t in texts.values()) + sum(len(f["name"]) + len(f["value"]) for f in fields)
        if total > lim["total"]:
            problems.append(f"total: {total} > {lim['total']}")
        if body.get("allowed_mentions") != {"parse": []}:
            problems.append("allowed_mentions is not {'parse': []}")
    elif fmt == "slack":
        lim = SLACK_LIMITS
        blocks = body.get("blocks", [])
        if len(blocks) > lim["blocks"]:
            problems.append(f"blocks: {len(blocks)} > {lim['blocks']}")
        over("text", body.get("text"), lim["text"])
        for b in blocks:
            if b["type"] == "section":
                over("section", b["text"]["text"], lim["section"])
            if b["type"] == "context" and len(b["elements"]) > lim["context_elements"]:
                problems.append(f"context elements: {len(b['elements'])} > {lim['context_elements']}")
    else:
        if len(body.get("announcements", [])) > JSON_MAX_ANNOUNCEMENTS:
            problems.append("announcements: too many")
        for item in [body, *body.get("announcements", [])]:
            for k, v in item.items():
                if isinstance(v, str) and len(v) > JSON_MAX_STRING:
                    problems.append(f"{k}: {len(v)} > {JSON_MAX_STRING}")
    return problems
