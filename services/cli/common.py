"""What every command shares: settings, logging, one-line errors, the Redis URL to talk to.

Errors a user can fix end the command with one line on stderr and a non-zero exit status
(:func:`fail`); no traceback. Where no Redis URL is configured, a command uses the embedded server
that `standings up` advertises in ``<data_dir>/embedded.url`` or `standings demo` in
``<data_dir>/demo/embedded.url`` while it runs (the one that has the championship named, if both
run), else it starts the embedded server itself for the command's duration.
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
from typer.core import TyperOption

from schemas.loading import describe
from services.runtime import keys
from services.runtime.embedded import redis_url_for
from services.runtime.logging import configure_logging
from services.runtime.redaction import redact
from services.runtime.settings import Settings

console = Console()
errors = Console(stderr=True)

RedisUrl = Annotated[str | None, typer.Option("--redis-url", help="redis:// or rediss:// URL; overrides REDIS_URL.",
                                              show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
_option_type = TyperOption.display_type_rich


def _flag_type(self: TyperOption, ctx: Any) -> str | None:
    """`--help` shows a flag as a flag (`--json`), not as an option taking a value (`--json <bool>`)."""
    return None if self.is_flag and self.metavar is None else _option_type(self, ctx)


TyperOption.display_type_rich = _flag_type  # Typer 0.29 gives every option its type, flags included


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
        fail("settings: " + "; ".join(_described(exc, "redis_url" in overrides)), 2)
    configure_logging(settings, sys.stderr)
    logging.getLogger("faststream").setLevel(settings.log_level)  # FastStream sets INFO on its own
    return settings


def _described(exc: ValidationError, from_option: bool) -> list[str]:
    """The problems, a Redis URL's named as the user gave it: --redis-url, STANDINGS_REDIS_URL or REDIS_URL."""
    source = ("--redis-url" if from_option else
              "STANDINGS_REDIS_URL" if os.environ.get("STANDINGS_REDIS_URL") is not None else "REDIS_URL")
    lines = []
    for error, line in zip(exc.errors(include_url=False), describe(exc), strict=True):
        if error["loc"] and error["loc"][0] in ("redis_url", "STANDINGS_REDIS_URL", "REDIS_URL"):
            line = source + " " + error["msg"].removeprefix("Value error, ").removeprefix("redis_url ")
        lines.append(line)
    return lines


def url_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "embedded.url"


DEMO_FOLDER = "demo"  # `standings demo` keeps its own embedded server in <data_dir>/demo


def _advertised(settings: Settings, championship: str | None = None) -> str | None:
    """The URL of a running `standings up` or `standings demo` for this data folder, if its server answers.

    Both running: the one that has `championship`, else `up`'s.
    """
    answering = []
    for path in (url_file(settings), Path(settings.data_dir) / DEMO_FOLDER / "embedded.url"):
        try:
            url = path.read_text().strip()
            with redis.Redis.from_url(url, socket_timeout=1) as client:
                if championship is None or client.sismember(keys.CHAMPIONSHIPS_KEY, championship):
                    return url
            answering.append(url)
        except (OSError, redis.RedisError, ValueError):
            continue
    return answering[0] if answering else None


def reachable(url: str) -> None:
    """Fail with one line (exit 1) unless the Redis at `url` answers a PING."""
    try:
        with redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3) as client:
            client.ping()
    except redis.AuthenticationError as exc:
        fail(f"Redis at {redact(url)} refused the credentials: {exc}")
    except (redis.RedisError, OSError) as exc:
        fail(f"cannot reach Redis at {redact(url)}: {exc}")


@contextmanager
def redis_url(settings: Settings, championship: str | None = None) -> Iterator[str]:
    """The URL to use: configured, advertised by a running `up` or `demo`, or an embedded server for the block."""
    if settings.redis_url:
        yield settings.redis_url
        return
    advertised = _advertised(settings, championship)
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
