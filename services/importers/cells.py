"""One cell of a timing file: positions, whole numbers, times, gaps, statuses, names and ids.

Each reader takes the cell's text and returns its value, or raises `CellError` with the reason;
the caller names the line and the column. Times are returned in milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from schemas.values import Status


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason."""


@dataclass(frozen=True)
class Gap:
    """A gap to the leader or to the car ahead: whole laps, or a time in milliseconds."""

    laps: int | None = None
    ms: int | None = None


STATUSES: dict[str, Status] = {
    "classified": "classified", "running": "classified", "finished": "classified",
    "not classified": "not_classified", "nc": "not_classified",
    "not started": "dns", "did not start": "dns", "dns": "dns", "withdrawn": "dns", "not qualified": "dns", "dnq": "dns",
    "retired": "dnf", "did not finish": "dnf", "dnf": "dnf", "ret": "dnf",
    "disqualified": "dsq", "dsq": "dsq", "dq": "dsq",
    "excluded": "excluded", "exc": "excluded", "ex": "excluded",
}
DASHES = ("-", "–", "—")
KNOWN_STATUSES = "Classified, Not classified, Not started, Retired, DNF, Disqualified, DSQ, Excluded"
_LAPS = re.compile(r"^\+?\s*(\d+)\s*laps?$", re.IGNORECASE)
_WHOLE = re.compile(r"^(\d+)(?:\.0+)?$")
_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D",
                       "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"})
MAX_ID, MAX_NAME = 64, 120


def status(text: str) -> Status:
    try:
        return STATUSES[" ".join(text.split()).casefold()]
    except KeyError:
        raise CellError(f"unknown status {text!r} (known: {KNOWN_STATUSES})") from None


def whole(text: str, what: str = "a whole number") -> int | None:
    """`26`, `26.0`; None when empty or `-`."""
    if not text or text in DASHES:
        return None
    match = _WHOLE.match(text)
    if not match:
        raise CellError(f"{text!r} is not {what}")
    return int(match.group(1))


def position(text: str) -> int | None:
    """`1`, `1.0` (1 or more); None when empty."""
    value = whole(text, "a position")
    if value == 0:
        raise CellError(f"{text!r} is not a position")
    return value


def time_ms(text: str) -> int | None:
    """`51.631`, `1'51.631`, `1:51.631`, `46:41.553`, `4:00'29.711`, `2:02:06.175` (a leading `+` is allowed);
    None when empty, `-`, or a status word (`DNF`) in place of a time."""
    if not text or text in DASHES or key(text) in STATUSES:
        return None
    parts = text.removeprefix("+").strip().replace("'", ":").replace("’", ":").replace(",", ".").split(":")
    whole_parts, seconds = parts[:-1], parts[-1]
    ok = len(parts) <= 3 and _SECONDS.match(seconds) and all(p.isdigit() for p in whole_parts)
    if ok and whole_parts:
        ok = Decimal(seconds) < 60 and (len(whole_parts) == 1 or int(whole_parts[1]) < 60)
    if not ok:
        raise CellError(f"{text!r} is not a time (ss.fff, m'ss.fff, m:ss.fff or h:mm:ss.fff)")
    total = Decimal(seconds)
    for scale, part in zip((60, 3600), reversed(whole_parts), strict=False):
        total += scale * int(part)
    return int((total * 1000).to_integral_value())


def gap(text: str) -> Gap | None:
    """`3.828`, `+0.170`, `+1'48.578`, `1 Lap`, `6 Laps`; None for the leader (empty or `-`) or a status word."""
    if not text or text in DASHES or key(text) in STATUSES:
        return None
    if match := _LAPS.match(text):
        return Gap(laps=int(match.group(1)))
    try:
        return Gap(ms=time_ms(text))
    except CellError:
        raise CellError(f"{text!r} is not a gap (a time, 'N Laps' or '-')") from None


def decimal(text: str) -> float | None:
    """`190.0` (a speed); None when empty or `-`."""
    if not text or text in DASHES:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise CellError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise CellError(f"{text!r} is not a number")
    return float(value)


def name(text: str) -> str:
    """Whitespace collapsed, bounded to the contracts' 120 characters."""
    return " ".join(text.split())[:MAX_NAME].strip()


def slug(text: str) -> str:
    """An id from a name: ASCII-folded, lower case, `-` separated, at most 64 characters ('' if none is left)."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:MAX_ID].rstrip("-")


def key(text: str) -> str:
    """How names in a mapping are compared with the file's: case and spacing ignored."""
    return " ".join(text.split()).casefold()
