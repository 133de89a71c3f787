"""Untrusted text for chat messages: cleaned, escaped per format, cut to a length. Pure functions.

Names come from producers (timing files, rules): they may hold line breaks, bidi overrides,
markup, mention syntax or thousands of characters. These keep them text:

- `clean(text, limit)`: control characters and line/paragraph separators become spaces; bidi
  controls and invisible spaces are dropped; runs of spaces collapse; at most `limit` characters
  (an ellipsis marks a cut). Done once, when an announcement is made.
- `escape_discord(text)`: a backslash before every character Discord markdown or mention syntax
  gives a meaning (`\\ * _ ~ ` | < > [ ] @ : #`), so `@everyone` or `<@&123>` or `[a](b)` show
  as typed (Discord renders an escaped punctuation character as itself).
- `escape_slack(text)`: `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;` (Slack's rule for mrkdwn and
  `text`): `<!channel>` or `<@U123>` can then be neither a mention nor a link.
- `fit(text, limit, escape)`: escape `text` and cut the result to `limit` characters without
  splitting an escape (`\\` + char, `&amp;`), ending with "…" when cut.

Lengths are counted in code points (Python `len`), as Discord and Slack count characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"
# Invisible or direction-changing characters a name has no business holding.
_DROP = frozenset("\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\u061c\ufeff")
_SPACES = re.compile(r"\s+")
_DISCORD = frozenset("\\*_~`|<>[]@:#")
_SLACK = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def clean(text: object, limit: int) -> str:
    """`text` as one line of plain characters, at most `limit` long (see the module doc)."""
    out = []
    for ch in str(text):
        if ch in _DROP:
            continue
        category = unicodedata.category(ch)
        out.append(" " if category in ("Cc", "Zl", "Zp") or (category == "Cs") else ch)
    line = _SPACES.sub(" ", "".join(out)).strip()
    return line if len(line) <= limit else line[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def escape_discord_char(ch: str) -> str:
    return "\\" + ch if ch in _DISCORD else ch


def escape_slack_char(ch: str) -> str:
    return _SLACK.get(ch, ch)


def escape_discord(text: str) -> str:
    return "".join(escape_discord_char(ch) for ch in text)


def escape_slack(text: str) -> str:
    return "".join(escape_slack_char(ch) for ch in text)


def plain(ch: str) -> str:
    return ch


def fit(text: str, limit: int, escape: Callable[[str], str] = plain) -> str:
    """`text` escaped character by character, at most `limit` characters, "…" at the end when cut."""
    pieces = [escape(ch) for ch in text]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    out, used = [], len(ELLIPSIS)
    for piece in pieces:
        if used + len(piece) > limit:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + ELLIPSIS
