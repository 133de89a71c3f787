"""What every command shares: settings, logging, one-line errors, the Redis URL to talk to.

Errors a user can fix end the command with one line on stderr and a non-zero exit status
(:func:`fail`); no traceback. Where no Redis URL is configured, a command uses the embedded server
that `standings up` advertises in ``<data_dir>/embedded.url`` while it runs, else it starts the
embedded server itself for the command's duration.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import redis
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from schemas.loading import describe
from services.runtime.embedded import redis_url_for
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings

console = Console()
errors = Console(stderr=True)

RedisUrl = Annotated[str | None, typer.Option("--redis-url", help="redis:// or rediss:// URL; overrides REDIS_URL.",
                                              show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code` (the message is text: `[...]` in it is kept)."""
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def invalid(problems: list[str]) -> NoReturn:
    """Invalid input: one line per problem on stderr, exit status 2."""
    for problem in problems:
        errors.print(f"[bold red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def load_settings(redis_url: str | None = None, *, quiet: bool = True, **overrides: Any) -> Settings:
    """Settings from the environment (and `--redis-url`); logging configured to stderr.

    `quiet`: one-shot commands log warnings only, unless STANDINGS_LOG_LEVEL says otherwise.
    """
    if redis_url is not None:
        overrides["redis_url"] = redis_url
    if quiet and "STANDINGS_LOG_LEVEL" not in os.environ:
        overrides.setdefault("log_level", "WARNING")
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        fail("settings: " + "; ".join(describe(exc)), 2)
    configure_logging(settings, sys.stderr)
    logging.getLogger("faststream").setLevel(settings.log_level)  # FastStream sets INFO on its own
    return settings


def url_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "embedded.url"


def _advertised(settings: Settings) -> str | None:
    """The URL `standings up` advertises for this data folder, if its server answers."""
    try:
        url = url_file(settings).read_text().strip()
        with redis.Redis.from_url(url, socket_timeout=1) as client:
            client.ping()
    except (OSError, redis.RedisError, ValueError):
        return None
    return url


@contextmanager
def redis_url(settings: Settings) -> Iterator[str]:
    """The URL to use: configured, advertised by a running `up`, or an embedded server for the block."""
    if settings.redis_url:
        yield settings.redis_url
        return
    advertised = _advertised(settings)
    if advertised:
        yield advertised
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(redis_url_for(settings))
        except RuntimeError as exc:  # only the server's start: typer.Exit from the block is one too
            fail(f"embedded server: {exc}")
        yield url


@contextmanager
def advertise(settings: Settings, url: str) -> Iterator[None]:
    """Write ``<data_dir>/embedded.url`` for the block (only for an embedded server)."""
    if settings.redis_url:
        yield
        return
    path = url_file(settings)
    path.write_text(url + "\n")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run `coro`; a Redis that cannot be reached is a one-line error, not a traceback."""
    try:
        return asyncio.run(coro)
    except redis.AuthenticationError as exc:
        fail(f"Redis refused the credentials: {exc}")
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        fail(f"cannot reach Redis: {exc}")
