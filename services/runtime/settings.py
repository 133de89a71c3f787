"""Service configuration, read from the environment.

Every field reads ``STANDINGS_<FIELD>`` (case-insensitive), e.g. ``STANDINGS_BATCH_SIZE=500``.
The Redis URL is also read from the conventional plain ``REDIS_URL``; when both are set,
``STANDINGS_REDIS_URL`` wins. An unset or empty URL means "start the embedded server"
(see :mod:`services.runtime.embedded`).

Guarantee: a ``Settings`` instance only exists with a ``redis_url`` that is ``None`` or starts
with ``redis://`` / ``rediss://``; anything else raises ``pydantic.ValidationError`` whose
message names the field ``redis_url`` (and shows the value redacted: no password).

Credentials (an ACL user per service, see ``docs/operations.md``): the URL may carry them
(``redis://projector:<password>@redis:6379/0``), or they come apart from it so that the URL holds
no secret: ``STANDINGS_REDIS_USERNAME``, and ``STANDINGS_REDIS_PASSWORD`` or, better,
``STANDINGS_REDIS_PASSWORD_FILE`` (a mounted Kubernetes or Compose secret; trailing whitespace
is dropped). When given, they replace the URL's own, and ``redis_url`` is the URL with them
(percent-encoded), so every client, broker and probe made from it authenticates. TLS:
``rediss://host:6380/0?ssl_ca_certs=/path/ca.crt`` (``ssl_certfile``/``ssl_keyfile`` for client
certificates, ``ssl_cert_reqs=none`` to skip verification: for tests only).

Secrets as files: every setting may also come from a file named after its variable
(``STANDINGS_WEBHOOK_URLS``, ``STANDINGS_INGEST_TOKENS``, ...) in the folder that
``STANDINGS_SECRETS_DIR`` names (a mounted Kubernetes or Compose secret; surrounding whitespace
dropped). The folder is read when the settings are made; a variable set in the environment wins
over its file. ``STANDINGS_SECRETS_DIR`` itself is read once, when this module is imported.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.redaction import redact, register_secret

REDIS_SCHEMES = ("redis://", "rediss://")
SECRETS_DIR = os.environ.get("STANDINGS_SECRETS_DIR", "").strip() or None
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _default_consumer_name() -> str:
    """``<hostname>-<pid>``: unique per process, stable for the process's life."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    """All runtime settings; construct with keyword arguments to override the environment."""

    model_config = SettingsConfigDict(
        env_prefix="STANDINGS_", extra="ignore", populate_by_name=True,
        hide_input_in_errors=True,  # a rejected value may be a URL with a password in it
        secrets_dir=SECRETS_DIR,
    )

    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STANDINGS_REDIS_URL", "REDIS_URL"),
        description="redis:// or rediss:// URL; None starts the embedded server.",
    )
    redis_username: str | None = Field(
        None, description="ACL user name for redis_url (replaces the URL's); the services' users: `standings acl --help`.")
    redis_password: SecretStr | None = Field(
        None, description="Password for redis_url (replaces the URL's); prefer redis_password_file.")
    redis_password_file: Path | None = Field(
        None, description="File holding the Redis password (a mounted secret); wins over redis_password.")
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
    metrics_host: str = Field("127.0.0.1", description="Where a projector or notifier process serves /metrics.")
    metrics_port: int = Field(
        9464, ge=0, lt=65536, description="Port of a projector's or notifier's /metrics (0: none); the gateway serves "
        "/metrics on its own port, and `standings up` there for every service of the process.")
    tracing: bool = Field(False, description="OpenTelemetry spans for every batch the projector and notifier consume "
                          "(FastStream's middleware; needs the 'tracing' extra and a tracer provider).")
    frame_ancestors: str = Field(
        "'self'", pattern=r"^[^;,\r\n]+$", description="Who may frame the gateway's pages (CSP frame-ancestors): "
        "'self', 'none', '*' or origins such as https://graphics.example.com (services/gateway/headers.py).")
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
            shown = repr(redact(value)) if isinstance(value, str) else type(value).__name__
            raise ValueError(
                f"redis_url must start with redis:// or rediss:// (got {shown}); "
                "leave REDIS_URL unset to use the embedded server"
            )
        return value

    @field_validator("redis_username", "redis_password_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty value (``STANDINGS_REDIS_USERNAME=``) means none."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _credentials(self) -> Settings:
        """Put the configured user name and password into ``redis_url``; mask the password in every output."""
        password = self.redis_password.get_secret_value() if self.redis_password is not None else None
        if self.redis_password_file is not None:
            try:
                password = self.redis_password_file.read_text().rstrip("\r\n")
            except OSError as exc:
                raise ValueError(f"redis_password_file: cannot read {self.redis_password_file}: {exc.strerror}") from None
        if password:
            register_secret(password)
        if self.redis_url and (password is not None or self.redis_username):
            self.redis_url = with_credentials(self.redis_url, self.redis_username, password)
        return self

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


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    """``url`` with the user part ``username:password`` (each percent-encoded); None keeps the URL's own."""
    parts = urlsplit(url)
    user = username if username is not None else (parts.username or "")
    if password is None:
        password = parts.password
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "")
    netloc = f"{userinfo}@{host}" if userinfo else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once; ``get_settings.cache_clear()`` re-reads them."""
    return Settings()
