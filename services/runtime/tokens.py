"""The producers' bearer tokens for HTTP ingest: parsed from the settings and from a secrets file.

Syntax (the environment variable and the file alike): ``producer=token`` entries separated by
commas or newlines (blank lines and lines starting with ``#`` are ignored), or a JSON object
``{"producer": "token", ...}``. A producer name is 1-64 characters of letters, digits, ``.``,
``_`` and ``-`` (it goes into the logs); a token is at least one character without whitespace.

Guarantees:

- no error message ever contains a token: a bad entry is named by its number and, where it has
  one, its producer;
- :meth:`Tokens.producer` compares the token presented with every configured token in constant
  time (``hmac.compare_digest``), without stopping at a match, so the answer's timing says nothing
  about which token or how much of it matched;
- the file (Kubernetes or Compose secret) is re-read when its modification time or size changes,
  so a rotated secret takes effect without a restart; a re-read that fails keeps the tokens last
  read and logs the error (a file that cannot be read at start is an error at start).
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

import structlog

from services.runtime.settings import Settings

log = structlog.get_logger("standings.ingest")

PRODUCER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class TokensError(ValueError):
    """Tokens that cannot be read; the message names the entry, never the token."""


def parse_tokens(text: str, source: str = "tokens") -> dict[str, str]:
    """Producer -> token from ``text`` (see the module docstring); ``TokensError`` names what is wrong."""
    if text.strip().startswith("{"):
        try:
            mapping = json.loads(text)
        except ValueError as exc:
            raise TokensError(f"{source}: not a JSON object (line {getattr(exc, 'lineno', '?')})") from None
        if not all(isinstance(v, str) for v in mapping.values()):
            raise TokensError(f"{source}: every token must be a JSON string")
        entries = list(mapping.items())
    else:
        entries = []
        pieces = [p.strip() for line in text.splitlines() if not line.lstrip().startswith("#") for p in line.split(",")]
        for number, piece in enumerate((p for p in pieces if p), start=1):
            producer, equals, token = piece.partition("=")
            if not equals:
                raise TokensError(f"{source}: entry {number} is not producer=token")
            entries.append((producer.strip(), token.strip()))
    tokens: dict[str, str] = {}
    for number, (producer, token) in enumerate(entries, start=1):
        if not PRODUCER.match(producer):
            raise TokensError(f"{source}: entry {number}: the producer name must be 1-64 letters, digits, '.', '_' or '-'")
        if not token or any(c.isspace() for c in token):
            raise TokensError(f"{source}: producer {producer!r}: the token must be non-empty, without whitespace")
        if producer in tokens:
            raise TokensError(f"{source}: producer {producer!r} appears twice")
        tokens[producer] = token
    return tokens


class Tokens:
    """The tokens of the settings plus those of ``file`` (if any), which is re-read when it changes."""

    def __init__(self, configured: Mapping[str, str], file: Path | None = None) -> None:
        self._configured = {p: t.encode() for p, t in configured.items()}
        self._file = file
        self._seen: tuple[int, int] | None = None
        self._tokens = dict(self._configured)
        if file is not None:
            self._tokens = self._read(file)  # at start, an unreadable file is an error

    @classmethod
    def from_settings(cls, settings: Settings) -> Tokens:
        """``STANDINGS_INGEST_TOKENS`` plus ``STANDINGS_INGEST_TOKENS_FILE``; ``TokensError`` if unreadable."""
        return cls(parse_tokens(settings.ingest_tokens.get_secret_value(), "STANDINGS_INGEST_TOKENS"),
                   settings.ingest_tokens_file)

    @property
    def enabled(self) -> bool:
        """Whether any producer token is configured (ingest is disabled otherwise)."""
        return bool(self._current())

    def producer(self, presented: str) -> str | None:
        """The producer whose token is `presented`, or None; compared with every token in constant time."""
        given = presented.encode("utf-8", "surrogatepass")
        found = None
        for producer, token in self._current().items():
            if hmac.compare_digest(given, token):
                found = producer
        return found

    def _current(self) -> dict[str, bytes]:
        if self._file is not None:
            try:
                if self._stat(self._file) != self._seen:
                    self._tokens = self._read(self._file)
                    log.info("producer tokens re-read", file=str(self._file), producers=sorted(self._tokens))
            except (OSError, TokensError) as exc:  # OSError: the stat
                log.error("producer tokens file cannot be read; keeping the tokens read before", error=str(exc))
        return self._tokens

    @staticmethod
    def _stat(file: Path) -> tuple[int, int]:
        status = os.stat(file)
        return status.st_mtime_ns, status.st_size

    def _read(self, file: Path) -> dict[str, bytes]:
        try:
            seen = self._stat(file)
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TokensError(f"{file}: cannot read: {exc.strerror if isinstance(exc, OSError) else 'not UTF-8'}") from None
        from_file = parse_tokens(text, str(file))
        both = sorted(set(from_file) & set(self._configured))
        if both:
            raise TokensError(f"{file}: producer(s) {', '.join(both)} also in STANDINGS_INGEST_TOKENS")
        self._seen = seen
        return {**self._configured, **{p: t.encode() for p, t in from_file.items()}}
