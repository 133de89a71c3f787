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

Third-party loggers that install their own handlers are re-routed when ``configure_logging`` runs:
FastStream's ``faststream`` logger (handler and ``propagate=False`` set at import) and uvicorn's.
Two that appear later must be avoided by the caller: give a broker ``logger=structlog.get_logger(
"faststream")`` (its default access logger is created per broker, with its own handler), and
run uvicorn with ``log_config=None``.
"""

from __future__ import annotations

import logging
import sys
from typing import IO

import structlog

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
            _renderer(settings, stream),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    _adopt_third_party_loggers()
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
