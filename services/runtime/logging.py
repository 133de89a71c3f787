"""Structured logging for every service (structlog), one format for all loggers.

:func:`configure_logging` installs one stdlib root handler whose ``structlog.stdlib.ProcessorFormatter``
renders both structlog loggers and plain stdlib loggers (FastStream, uvicorn, redis-py), so every
line has the same shape: ISO-8601 UTC ``timestamp``, ``level``, ``logger`` and ``event`` (the message).

- JSON lines when ``log_format="json"``, or ``"auto"`` and the stream is not a TTY (containers, CI).
- Coloured console lines when ``log_format="console"``, or ``"auto"`` on a TTY.

Context about the event being handled: bind it once per message and every line logged meanwhile,
by any structlog logger, carries it::

    with structlog.contextvars.bound_contextvars(event_id=..., championship_id=...):
        ...

or keep a bound logger with :func:`event_logger`. Stdlib records logged inside that block get the
context too (the formatter merges the context variables of the logging thread).

Secrets never reach a line: the formatter's last step before rendering is
:func:`services.runtime.redaction.processor` (Redis passwords, webhook tokens, bearer tokens, the
configured secrets: see :mod:`services.runtime.redaction`), for structlog and stdlib records alike.
``configure_logging`` registers the secrets of its settings (the Redis password, the ingest tokens,
the webhook URLs' tokens) with it. httpx and httpcore log every request URL at INFO (a Discord
webhook's token is in its path): they are held at WARNING, and what they still log is redacted.

Third-party loggers that install their own handlers are re-routed when ``configure_logging`` runs:
FastStream's ``faststream`` logger (handler and ``propagate=False`` set at import) and uvicorn's.
Two that appear later must be avoided by the caller: give a broker ``logger=structlog.get_logger(
"faststream")`` (its default access logger is created per broker, with its own handler), and
run uvicorn with ``log_config=None``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import IO

import structlog

from services.runtime import redaction
from services.runtime.settings import Settings

_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]

_ADOPTED_PREFIXES = frozenset({"faststream", "uvicorn"})
QUIET_LOGGERS = ("httpx", "httpcore")  # request lines at INFO carry whole URLs: webhook tokens


def _renderer(settings: Settings, stream: IO[str]) -> structlog.typing.Processor:
    """The final renderer: JSON unless console is asked for or ``auto`` meets a TTY."""
    is_tty = getattr(stream, "isatty", lambda: False)()
    if settings.log_format == "console" or (settings.log_format == "auto" and is_tty):
        return structlog.dev.ConsoleRenderer(colors=is_tty)
    return structlog.processors.JSONRenderer()


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Route structlog and stdlib logging to ``stream`` (default stdout) at ``settings.log_level``.

    Idempotent: calling it again replaces the root handlers instead of adding more.
    """
    stream = stream or sys.stdout
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redaction.processor,
            _renderer(settings, stream),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    _adopt_third_party_loggers()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
    register_secrets(settings)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def register_secrets(settings: Settings) -> None:
    """Mask the secrets `settings` hold in every line from now on (:func:`redaction.register_secret`).

    The Redis password (from the URL, ``STANDINGS_REDIS_PASSWORD`` or its file), the producers'
    ingest tokens (setting and file), the tokens of the webhook URLs and the webhooks' signing secret
    (the notifier's settings, or ``STANDINGS_WEBHOOK_URLS`` / ``STANDINGS_WEBHOOK_SECRET`` when
    `settings` are the plain runtime ones).
    """
    from services.runtime.tokens import TokensError, parse_tokens

    values: list[str] = []
    if settings.redis_url:
        values.extend(redaction.secrets_of([settings.redis_url]))
    if settings.redis_password is not None:
        values.append(settings.redis_password.get_secret_value())
    texts = [settings.ingest_tokens.get_secret_value()]
    if settings.ingest_tokens_file is not None:
        try:
            texts.append(settings.ingest_tokens_file.read_text())
        except OSError:
            pass  # reported where the file is used
    for text in texts:
        try:
            values.extend(parse_tokens(text).values())
        except TokensError:
            values.extend(text.split())  # unparseable: mask every word of it
    webhooks = getattr(settings, "webhook_urls", None)
    if webhooks is None:
        webhooks = [u.strip() for u in os.environ.get("STANDINGS_WEBHOOK_URLS", "").split(",") if u.strip()]
    values.extend(redaction.secrets_of(webhooks))
    signing = getattr(settings, "webhook_secret", None)
    values.append(signing.get_secret_value() if signing is not None else os.environ.get("STANDINGS_WEBHOOK_SECRET", ""))
    redaction.register_secret(*values)


def _adopt_third_party_loggers() -> None:
    """Make existing FastStream/uvicorn loggers drop their handlers and propagate to the root."""
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in _ADOPTED_PREFIXES:
            adopted = logging.getLogger(name)
            adopted.handlers.clear()
            adopted.propagate = True


def event_logger(
    event_id: str, championship_id: str, name: str = "standings"
) -> structlog.stdlib.BoundLogger:
    """A logger whose every line carries ``event_id`` and ``championship_id``."""
    return structlog.get_logger(name).bind(event_id=event_id, championship_id=championship_id)
