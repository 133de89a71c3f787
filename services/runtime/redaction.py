"""One redaction for everything the services print: log lines (every logger), banners, error lines.

:func:`redact` hides, in any text:

- the password of a URL (``redis://projector:S3cret@redis:6379/0`` -> ``redis://projector:***@redis:6379/0``;
  the user name stays, it says which ACL user connects); for other schemes a user part without a
  password is hidden too (``https://ghp_token@host`` -> ``https://***@host``);
- webhook tokens in URLs: Discord's ``/api/webhooks/<id>/<token>`` (any host, ``/api/v10/...``
  too) keeps the id, Slack's ``hooks.slack.com/services/...`` (and ``/workflows/``,
  ``/triggers/``) keeps only the host, the path ``/services/T.../B.../<secret>`` on any host keeps
  its ids;
- secret query parameters (``?token=``, ``access_token``, ``api_key``, ``key``, ``secret``,
  ``password``, ``sig``, ``signature``, ...);
- ``Bearer <token>`` and ``Authorization: <scheme> <credentials>``;
- ``password=...`` / ``requirepass ...`` pairs, and webhook signing secrets (``whsec_...``);
- every secret the process was configured with, wherever it appears verbatim
  (:func:`register_secret`: the Redis password, the ingest tokens, passwords read from files). This
  catches what no pattern can: a password inside an unparseable URL, a token echoed by a library.

:func:`processor` is the structlog processor that applies it to every value of every log line
(nested lists and dicts, the formatted exception included); :mod:`services.runtime.logging` puts it
in the one formatter that renders structlog and stdlib records alike, so httpx, uvicorn, FastStream
and redis-py lines pass through it too.

Guarantee: ``redact`` is idempotent, never raises, and leaves text without secrets unchanged.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote

MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter literal secrets would mask ordinary words; patterns still cover them in URLs

_SECRET_PARAMS = ("token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "api-key", "key",
                  "secret", "client_secret", "password", "passwd", "pass", "pwd", "sig", "signature", "auth",
                  "code", "x-amz-signature", "x-goog-signature")

# scheme://authority: the authority ends at the first / ? # or whitespace/quote; its user part at its last @.
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<authority>[^\s/?#\"'<>`]*)")
_DISCORD = re.compile(r"(?P<keep>/api(?:/v\d+)?/webhooks/\d+/)(?P<token>[A-Za-z0-9_\-.]+)")
_SLACK_HOST = re.compile(r"(?P<keep>hooks\.slack\.com/(?:services|workflows|triggers)/)(?P<token>[^\s\"'<>`]+)")
_SLACK_PATH = re.compile(r"(?P<keep>/services/T[A-Z0-9]+/B[A-Z0-9]+/)(?P<token>[A-Za-z0-9]+)")
_PARAMS = "|".join(map(re.escape, _SECRET_PARAMS))
_QUERY = re.compile(rf"(?P<keep>[?&;](?:{_PARAMS})=)(?P<token>[^&;#\s\"'<>`]+)", re.IGNORECASE)
_AUTHORIZATION = re.compile(r"(?P<keep>\bauthorization[\"']?\s*[:=]\s*[\"']?(?:[A-Za-z][\w\-]*\s+)?)(?P<token>[^\s\"',;}]+)",
                            re.IGNORECASE)
_BEARER = re.compile(r"(?P<keep>\bbearer\s+)(?P<token>[A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)
_PASSWORD_PAIR = re.compile(r"(?P<keep>\b(?:password|passwd|pwd|requirepass|masterauth)[\"']?(?:\s*[:=]\s*|\s+)[\"']?)"
                            r"(?P<token>[^\s\"',;}&]+)", re.IGNORECASE)
_SIGNING_SECRET = re.compile(r"(?P<keep>\bwhsec_)(?P<token>[A-Za-z0-9+/=]+)")  # Standard Webhooks
_KEEP_USER_SCHEMES = ("redis", "rediss", "valkey", "valkeys", "unix")

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()


def register_secret(*values: str | bytes | None) -> None:
    """Mask these values wherever they appear from now on (their URL-quoted forms too).

    Empty values and values shorter than :data:`MIN_SECRET_LENGTH` are ignored: masking a
    four-letter word everywhere would garble the logs, and patterns cover short URL passwords.
    """
    global _secrets
    found = set()
    for value in values:
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        if not text or len(text.strip()) < MIN_SECRET_LENGTH:
            continue
        text = text.strip()
        found.update({text, quote(text, safe=""), quote(text)})
    if found:
        with _lock:
            _secrets = _secrets | found


def registered() -> frozenset[str]:
    """The literal secrets masked now (for tests)."""
    return _secrets


def forget_secrets() -> None:
    """Forget every registered secret (tests)."""
    global _secrets
    with _lock:
        _secrets = frozenset()


def url_password(url: str) -> str | None:
    """The (unquoted) password of ``url``'s user part, if it has one."""
    match = _URL.match(url.strip())
    if not match or "@" not in match["authority"]:
        return None
    userinfo = match["authority"].rpartition("@")[0]
    _user, colon, password = userinfo.partition(":")
    return unquote(password) if colon and password else None


def _authority(match: re.Match[str]) -> str:
    scheme, authority = match["scheme"], match["authority"]
    if "@" not in authority:
        return match[0]
    userinfo, _, host = authority.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    if colon:
        return f"{scheme}{user}:{MASK}@{host}"
    if scheme[:-3].lower() in _KEEP_USER_SCHEMES:
        return match[0]  # a user name alone: no secret
    return f"{scheme}{MASK}@{host}"


def _mask(match: re.Match[str]) -> str:
    return match["keep"] + MASK


def redact(text: str) -> str:
    """``text`` with every secret it holds masked (see the module docstring)."""
    if not text:
        return text
    try:
        for secret in sorted(_secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        if "://" in text:
            text = _URL.sub(_authority, text)
        if "/webhooks/" in text:
            text = _DISCORD.sub(_mask, text)
        if "/services/" in text or "/workflows/" in text or "/triggers/" in text:
            text = _SLACK_HOST.sub(_mask, text)
            text = _SLACK_PATH.sub(_mask, text)
        if "=" in text:
            text = _QUERY.sub(_mask, text)
        lowered = text.lower()
        if "authorization" in lowered:
            text = _AUTHORIZATION.sub(_mask, text)
        if "bearer" in lowered:
            text = _BEARER.sub(_mask, text)
        if "whsec_" in text:
            text = _SIGNING_SECRET.sub(_mask, text)
        if "pass" in lowered or "pwd" in lowered or "masterauth" in lowered:
            text = _PASSWORD_PAIR.sub(_mask, text)
    except Exception:  # noqa: BLE001 - redaction must never break a log line; say so instead
        return "<unprintable: redaction failed>"
    return text


def redact_value(value: Any, _depth: int = 0) -> Any:
    """``value`` with every string inside it redacted (lists, tuples, sets, dicts; bytes as text)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
        cleaned = redact(text)
        return value if cleaned == text else cleaned
    if _depth > 20:
        return value
    if isinstance(value, Mapping):
        return {redact_value(k, _depth + 1): redact_value(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(redact_value(v, _depth + 1) for v in value))
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(redact_value(v, _depth + 1) for v in value)
    if isinstance(value, BaseException):
        return redact(f"{type(value).__name__}: {value}")
    return value


def processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: every value of the event dict redacted (place it after ``format_exc_info``)."""
    return {key: redact_value(value) for key, value in event_dict.items()}


def secrets_of(values: Iterable[str]) -> list[str]:
    """The secret parts of URLs (their passwords and secret query values), for :func:`register_secret`."""
    found = []
    for url in values:
        if password := url_password(url):
            found.append(password)
        found.extend(m["token"] for m in _QUERY.finditer(url))
        found.extend(m["token"] for m in _DISCORD.finditer(url))
        found.extend(m["token"] for m in _SLACK_PATH.finditer(url))
        found.extend(m["token"].rstrip("/").rsplit("/", 1)[-1] for m in _SLACK_HOST.finditer(url))
    return found
