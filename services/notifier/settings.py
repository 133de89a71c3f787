"""The notifier's configuration: the runtime settings plus the webhooks, read from the environment.

Every field reads ``STANDINGS_<FIELD>`` like :class:`services.runtime.settings.Settings`, e.g.

- ``STANDINGS_WEBHOOK_URLS``: comma-separated ``http(s)://`` URLs; every announcement is POSTed to
  each. Empty: log-only mode (announcements are logged and acknowledged, nothing is sent).
- ``STANDINGS_WEBHOOK_FORMAT``: ``json`` (default), ``discord`` or ``slack``.
- ``STANDINGS_WEBHOOK_MAX_ATTEMPTS`` / ``..._BACKOFF_S`` / ``..._BACKOFF_MAX_S`` / ``..._TIMEOUT_S``.

Guarantee: a ``NotifierSettings`` only exists with URLs that start with ``http://`` or ``https://``;
anything else raises ``pydantic.ValidationError`` naming ``webhook_urls``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from services.runtime.settings import Settings

WebhookFormat = Literal["json", "discord", "slack"]


class NotifierSettings(Settings):
    """Runtime settings plus the notifier's own; keyword arguments override the environment."""

    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_format: WebhookFormat = "json"
    webhook_timeout_s: float = Field(10.0, gt=0, description="Per POST.")
    webhook_max_attempts: int = Field(5, gt=0, description="POSTs per announcement before dead-lettering.")
    webhook_backoff_s: float = Field(0.5, ge=0, description="Wait after the first failure; doubles each time.")
    webhook_backoff_max_s: float = Field(30.0, ge=0, description="Longest wait between attempts.")
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
                raise ValueError(f"webhook URL must start with http:// or https:// (got {url!r})")
        return urls

    @field_validator("webhook_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value
