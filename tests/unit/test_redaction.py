"""The one redaction (services/runtime/redaction.py): every kind of secret masked, the rest left alone,
and every log line of every logger (structlog, stdlib, httpx, uvicorn) passed through it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from services.runtime import redaction
from services.runtime.logging import configure_logging
from services.runtime.redaction import redact
from services.runtime.settings import Settings

DISCORD = "https://discord.com/api/webhooks/123456789012345678/AbC-dEf_GhI.jKlMnOpQrStUvWxYz0123456789"
SLACK = "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/aBcDeFgHiJkLmNoPqRsTuVwX"


@pytest.fixture(autouse=True)
def no_registered_secrets() -> Iterator[None]:
    redaction.forget_secrets()
    yield
    redaction.forget_secrets()


@pytest.mark.parametrize(("text", "expected"), [
    ("Redis redis://:S3cretPw-4711@127.0.0.1:6379/0", "Redis redis://:***@127.0.0.1:6379/0"),
    ("redis://projector:pa%40ss@redis:6379/0", "redis://projector:***@redis:6379/0"),
    ("rediss://gateway:x@host:6380/0?ssl_ca_certs=/ca.pem", "rediss://gateway:***@host:6380/0?ssl_ca_certs=/ca.pem"),
    ("redis://projector@redis:6379/0", "redis://projector@redis:6379/0"),  # a user name alone is no secret
    ("https://ghp_abcdef123456@github.com/x", "https://***@github.com/x"),
    ("pass p@ss@word: redis://u:p@ss@word@h/0", "pass p@ss@word: redis://u:***@h/0"),
    (f"HTTP Request: POST {DISCORD} \"HTTP/1.1 204\"", "HTTP Request: POST https://discord.com/api/webhooks/"
     "123456789012345678/*** \"HTTP/1.1 204\""),
    ("http://127.0.0.1:4000/api/webhooks/123/TOKEN-xyz", "http://127.0.0.1:4000/api/webhooks/123/***"),
    ("https://discord.com/api/v10/webhooks/1/tok?wait=true", "https://discord.com/api/v10/webhooks/1/***?wait=true"),
    (SLACK, "https://hooks.slack.com/services/***"),
    ("http://localhost/services/T0AAA/B0BBB/secretPart1", "http://localhost/services/T0AAA/B0BBB/***"),
    ("https://example.com/hook?token=abc123&x=1", "https://example.com/hook?token=***&x=1"),
    ("GET /x?api_key=k3y;sig=s1g", "GET /x?api_key=***;sig=***"),
    ("Authorization: Bearer eyJhbGciOi.payload.sig", "Authorization: Bearer ***"),
    ("{'authorization': 'Basic dXNlcjpwYXNz'}", "{'authorization': 'Basic ***'}"),
    ("sent bearer tok_live_123 to it", "sent bearer *** to it"),
    ("password=hunter22 user=x", "password=*** user=x"),
    ("requirepass S3cret", "requirepass ***"),
    ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "secret whsec_***"),
    ("projector applied 3 events in 12 ms (stream standings:events)", "projector applied 3 events in 12 ms (stream "
     "standings:events)"),
])
def test_every_kind_of_secret_is_masked_and_the_rest_left_alone(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent


def test_registered_secrets_are_masked_wherever_they_appear_even_quoted() -> None:
    redaction.register_secret("S3cret/Pw-4711", "short", None, "")
    assert redact("auth failed for S3cret/Pw-4711 (S3cret%2FPw-4711)") == "auth failed for *** (***)"
    assert "short" not in redaction.registered()  # too short to mask everywhere
    assert redact("a short line") == "a short line"


def test_values_are_redacted_inside_structures() -> None:
    event = {"event": "connect", "url": "redis://:pw123456@h/0", "urls": [DISCORD], "pair": ("x", "Bearer abc"),
             "nested": {"k": {"token_url": "https://e.com/?token=zz"}}, "count": 3, "raw": b"redis://:pw123456@h"}
    out = redaction.processor(None, "info", event)
    assert out["url"] == "redis://:***@h/0" and out["urls"] == ["https://discord.com/api/webhooks/123456789012345678/***"]
    assert out["pair"] == ("x", "Bearer ***") and out["nested"]["k"]["token_url"] == "https://e.com/?token=***"
    assert out["count"] == 3 and out["raw"] == "redis://:***@h"


def test_url_secrets_are_found_for_registration() -> None:
    assert set(redaction.secrets_of(["redis://u:pw%21x@h/0", DISCORD, SLACK, "https://e.com/h?token=t0k3n"])) == {
        "pw!x", "AbC-dEf_GhI.jKlMnOpQrStUvWxYz0123456789", "aBcDeFgHiJkLmNoPqRsTuVwX", "t0k3n"}


def test_settings_put_the_password_file_into_the_url_and_mask_it(tmp_path) -> None:
    secret = tmp_path / "password"
    secret.write_text("p@ss/w:rd-4711\n")
    settings = Settings(redis_url="redis://redis:6379/0", redis_username="projector", redis_password_file=secret)
    assert settings.redis_url == "redis://projector:p%40ss%2Fw%3Ard-4711@redis:6379/0"
    assert redact(f"raw p@ss/w:rd-4711 in {settings.redis_url}") == "raw *** in redis://projector:***@redis:6379/0"
    assert Settings(**settings.model_dump()).redis_url == settings.redis_url  # idempotent (the notifier's copy)
    with pytest.raises(ValueError, match="redis_password_file"):
        Settings(redis_url="redis://h/0", redis_password_file=tmp_path / "missing")


def test_a_rejected_url_is_shown_without_its_password() -> None:
    with pytest.raises(ValueError) as error:
        Settings(redis_url="http://u:S3cretPw-4711@h/0")
    assert "S3cretPw-4711" not in str(error.value) and "http://u:***@h/0" in str(error.value)


def test_every_logger_writes_through_the_redaction(monkeypatch) -> None:
    monkeypatch.setenv("STANDINGS_WEBHOOK_URLS", "https://example.com/hooks/generic?token=g3nericT0ken")
    stream = io.StringIO()
    configure_logging(Settings(redis_url="redis://:S3cretPw-4711@h/0", log_format="json",
                               ingest_tokens="timing=ingest-T0ken-1,other=ingest-T0ken-2"), stream)
    structlog.get_logger("standings.test").info("connected", url="redis://:S3cretPw-4711@h/0", echoed="ingest-T0ken-2")
    logging.getLogger("uvicorn.error").warning("client sent Authorization: Bearer ingest-T0ken-1")
    logging.getLogger("faststream").error("failed on redis://:S3cretPw-4711@h/0 with g3nericT0ken")
    logging.getLogger("httpx").info("HTTP Request: POST %s", DISCORD)  # held at WARNING: not written
    logging.getLogger("httpx").warning("HTTP Request: POST %s failed", DISCORD)
    try:
        raise RuntimeError("cannot connect to redis://:S3cretPw-4711@h/0")
    except RuntimeError:
        structlog.get_logger("standings.test").exception("boom")
    output = stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    assert len(lines) == 5, output
    for secret in ("S3cretPw-4711", "ingest-T0ken-1", "ingest-T0ken-2", "g3nericT0ken", "AbC-dEf_GhI"):
        assert secret not in output
    assert lines[0]["url"] == "redis://:***@h/0" and "Traceback" in lines[-1]["exception"]
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
