"""Service configuration, read from the environment.

Every field reads ``STANDINGS_<FIELD>`` (case-insensitive), e.g. ``STANDINGS_BATCH_SIZE=500``.
The Redis URL is also read from the conventional plain ``REDIS_URL``; when both are set,
``STANDINGS_REDIS_URL`` wins. An unset or empty URL means "start the embedded server"
(see :mod:`services.runtime.embedded`).

Guarantee: a ``Settings`` instance only exists with a ``redis_url`` that is ``None`` or starts
with ``redis://`` / ``rediss://``; anything else raises ``pydantic.ValidationError`` whose
message names the field ``redis_url``.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REDIS_SCHEMES = ("redis://", "rediss://")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _default_consumer_name() -> str:
    """``<hostname>-<pid>``: unique per process, stable for the process's life."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    """All runtime settings; construct with keyword arguments to override the environment."""

    model_config = SettingsConfigDict(
        env_prefix="STANDINGS_", extra="ignore", populate_by_name=True
    )

    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STANDINGS_REDIS_URL", "REDIS_URL"),
        description="redis:// or rediss:// URL; None starts the embedded server.",
    )
    data_dir: Path = Field(Path(".data"), description="Embedded server's data folder.")
    events_stream: str = "standings:events"
    dead_letter_stream: str = "standings:dead-letters"
    projector_group: str = "projector"
    notifier_group: str = "notifier"
    consumer_name: str = Field(default_factory=_default_consumer_name)
    batch_size: int = Field(100, gt=0, description="Max entries per XREADGROUP.")
    claim_idle_ms: int = Field(30_000, gt=0, description="XAUTOCLAIM min idle time.")
    max_deliveries: int = Field(5, gt=0, description="Deliveries before dead-lettering.")
    held_championships: int = Field(
        1_000, gt=0, description="Championship states a projector keeps in memory (LRU, ~1 MB each: docs/benchmarks.md).")
    gc_sweep_seconds: float = Field(
        600, gt=0, description="Seconds between the projector's full garbage collections (services/projector/garbage.py).")
    changes_retention: int = Field(
        1_000, gt=0, description="standings.changed records kept per championship (approximate MAXLEN); older ones are trimmed.")
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: LogLevel = "INFO"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(8000, gt=0, lt=65536)
    ingest_tokens: SecretStr = Field(
        SecretStr(""), description="HTTP ingest: one bearer token per producer, 'producer=token,...' or a JSON object, "
        "parsed by services/runtime/tokens.py (kept secret: never in a repr or an error); none, and no "
        "ingest_tokens_file, disables ingest.")
    ingest_tokens_file: Path | None = Field(
        None, description="HTTP ingest: a file of 'producer=token' lines (a mounted secret), re-read when it changes.")
    ingest_max_body_bytes: int = Field(
        4 * 1024 * 1024, gt=0, description="HTTP ingest: largest request body (413 beyond), checked before parsing.")
    admission_wait_seconds: float = Field(
        5.0, ge=0, description="Admission: how long events that break the stored rules wait for the projector to apply "
        "what is already on the event stream (a registration published just before) before they are refused.")

    @field_validator("redis_url", mode="before")
    @classmethod
    def _check_redis_url(cls, value: object) -> object:
        """Empty means embedded; otherwise require a redis:// or rediss:// scheme."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not value.startswith(REDIS_SCHEMES):
            raise ValueError(
                f"redis_url must start with redis:// or rediss:// (got {value!r}); "
                "leave REDIS_URL unset to use the embedded server"
            )
        return value

    @field_validator("ingest_tokens_file", mode="before")
    @classmethod
    def _no_tokens_file(cls, value: object) -> object:
        """An empty value (``STANDINGS_INGEST_TOKENS_FILE=``) means no file."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        """Accept ``info`` as well as ``INFO``."""
        return value.upper() if isinstance(value, str) else value


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once; ``get_settings.cache_clear()`` re-reads them."""
    return Settings()
