"""The notifier's configuration: the runtime settings plus the webhooks, read from the environment.

Every field reads ``STANDINGS_<FIELD>`` like :class:`services.runtime.settings.Settings`, e.g.

- ``STANDINGS_WEBHOOK_URLS``: comma-separated ``http(s)://`` URLs; every announcement is POSTed to
  each. Empty: log-only mode (announcements are logged and acknowledged, nothing is sent).
- ``STANDINGS_WEBHOOK_FORMAT``: ``json`` (default), ``discord`` or ``slack``.
- ``STANDINGS_WEBHOOK_MAX_ATTEMPTS`` / ``..._BACKOFF_S`` / ``..._BACKOFF_MAX_S`` / ``..._TIMEOUT_S``.
- ``STANDINGS_WEBHOOK_SECRET``: ``whsec_<base64>``; when set, every POST is signed (Standard Webhooks).
- ``STANDINGS_WEBHOOK_INTERVAL_S``: least seconds between two messages to one webhook (default by
  format: ``FORMAT_INTERVALS``); ``STANDINGS_WEBHOOK_RETRY_AFTER_MAX_S``: longest pause a 429 gets.
- ``STANDINGS_NOTIFIER_START``: ``now`` (default) or ``beginning``: where a first deploy starts.

Guarantee: a ``NotifierSettings`` only exists with URLs that start with ``http://`` or ``https://``
(else ``pydantic.ValidationError`` naming ``webhook_urls``) and with an empty or well-formed
secret (else one naming ``webhook_secret``, without the secret).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from services.runtime.settings import Settings

WebhookFormat = Literal["json", "discord", "slack"]
StartPosition = Literal["now", "beginning"]

# Default spacing between two messages to one webhook, per format. Slack allows about one message
# a second per incoming webhook; Discord says what it allows in its X-RateLimit-* headers.
FORMAT_INTERVALS: dict[str, float] = {"json": 0.0, "discord": 0.0, "slack": 1.0}


class NotifierSettings(Settings):
    """Runtime settings plus the notifier's own; keyword arguments override the environment."""

    # Webhook URLs carry tokens and the secret is one: a validation error never echoes an input.
    model_config = SettingsConfigDict(**{**Settings.model_config, "hide_input_in_errors": True})

    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list, repr=False)  # tokens in the paths
    webhook_format: WebhookFormat = "json"
    webhook_timeout_s: float = Field(10.0, gt=0, description="Per POST.")
    webhook_max_attempts: int = Field(5, gt=0, description="POSTs per announcement before dead-lettering.")
    webhook_backoff_s: float = Field(0.5, ge=0, description="Wait after the first failure; doubles each time.")
    webhook_backoff_max_s: float = Field(30.0, ge=0, description="Longest wait between attempts.")
    webhook_secret: SecretStr = Field(
        SecretStr(""), description="whsec_<base64>: signs every POST (Standard Webhooks headers); empty: unsigned.")
    webhook_interval_s: float | None = Field(
        None, ge=0, description="Least seconds between two messages to one webhook; None: FORMAT_INTERVALS[format].")
    webhook_retry_after_max_s: float = Field(
        300.0, gt=0, description="Longest pause a 429's retry_after / Retry-After / X-RateLimit-Reset-After gets.")
    notifier_start: StartPosition = Field(
        "now", description="First deploy only: 'now' announces only changes published after it, 'beginning' all of them.")
    notifier_dead_letter_stream: str = "standings:notifier:dead-letters"
    notifier_batch_size: int = Field(10, gt=0, description="Max changes per XREADGROUP.")
    discovery_interval_s: float = Field(5.0, gt=0, description="How often the championships set is re-read.")

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        """Accept ``"a,b"`` (the environment) as well as a list; blanks are dropped."""
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return items
        urls = [str(u).strip() for u in items if str(u).strip()]
        for url in urls:
            if not url.startswith(("http://", "https://")):
                scheme = url.split("://", 1)[0] if "://" in url else url[:8]
                raise ValueError(f"webhook URL must start with http:// or https:// (got one starting {scheme!r}; URL not shown)")
        return urls

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr) -> SecretStr:
        """Empty, or ``whsec_`` and base64 of at least 16 bytes (the message never shows the secret)."""
        secret = value.get_secret_value().strip()
        if not secret:
            return SecretStr("")
        try:
            key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if not secret.startswith("whsec_") or len(key) < 16:
            raise ValueError("webhook secret must be 'whsec_' followed by base64 of 16 bytes or more (value not shown)")
        return SecretStr(secret)

    @property
    def interval_s(self) -> float:
        """Least seconds between two messages to one webhook, for the configured format."""
        return FORMAT_INTERVALS[self.webhook_format] if self.webhook_interval_s is None else self.webhook_interval_s

    @field_validator("notifier_start", mode="before")
    @classmethod
    def _lower_start(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("webhook_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value
