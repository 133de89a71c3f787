"""Producer tokens of HTTP ingest: the two syntaxes, errors that never show a token, the file re-read."""

from __future__ import annotations

import os
import time

import pytest

from services.runtime.settings import Settings
from services.runtime.tokens import Tokens, TokensError, parse_tokens


def test_both_syntaxes_give_producer_to_token() -> None:
    assert parse_tokens("timing=abc, alkamel=d=e\n# a comment\n\nrc=xyz") == {"timing": "abc", "alkamel": "d=e", "rc": "xyz"}
    assert parse_tokens('{"timing": "a,b"}') == {"timing": "a,b"}
    assert parse_tokens("") == {} and parse_tokens(" \n# none yet\n") == {}


@pytest.mark.parametrize(("text", "message"), [
    ("s3cr3t-token-value", "entry 1 is not producer=token"),
    ("timing=abc,s3cr3t-token-value", "entry 2 is not producer=token"),
    ("bad name=s3cr3t-token-value", "entry 1: the producer name must be"),
    ("timing=s3cr3t token value", "producer 'timing': the token must be non-empty, without whitespace"),
    ("timing=", "producer 'timing': the token must be non-empty"),
    ("timing=s3cr3t-1,timing=s3cr3t-2", "producer 'timing' appears twice"),
    ('{"timing": "s3cr3t"', "not a JSON object"),
    ('{"timing": 5}', "every token must be a JSON string"),
])
def test_an_error_names_the_entry_never_the_token(text: str, message: str) -> None:
    with pytest.raises(TokensError, match=message) as caught:
        parse_tokens(text, "STANDINGS_INGEST_TOKENS")
    assert "s3cr3t" not in str(caught.value)


def test_the_producer_is_found_by_its_exact_token_only() -> None:
    tokens = Tokens({"timing": "tok-1", "alkamel": "tok-22"})
    assert tokens.enabled
    assert tokens.producer("tok-1") == "timing" and tokens.producer("tok-22") == "alkamel"
    assert tokens.producer("tok-2") is None and tokens.producer("tok-1 ") is None and tokens.producer("") is None
    assert tokens.producer("tök") is None  # any text, compared as UTF-8 bytes
    assert not Tokens({}).enabled


def test_settings_keep_the_tokens_secret() -> None:
    settings = Settings(ingest_tokens="timing=s3cr3t")
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in str(settings.model_dump())
    assert Tokens.from_settings(settings).producer("s3cr3t") == "timing"
    assert Settings(ingest_tokens_file="").ingest_tokens_file is None


def test_the_file_is_read_again_when_it_changes_and_a_bad_version_keeps_the_last_good(tmp_path) -> None:
    secret = tmp_path / "tokens"
    secret.write_text("timing=one\n")
    tokens = Tokens({"ops": "zero"}, secret)
    assert tokens.producer("one") == "timing" and tokens.producer("zero") == "ops"

    def rewrite(text: str, offset: float) -> None:
        secret.write_text(text)
        later = time.time() + offset
        os.utime(secret, (later, later))

    rewrite("timing=two\n", 5)
    assert tokens.producer("two") == "timing" and tokens.producer("one") is None
    rewrite("this is not a token file\n", 10)
    assert tokens.producer("two") == "timing"  # kept, with an error logged
    rewrite("ops=three\n", 15)
    assert tokens.producer("two") == "timing"  # 'ops' is also in the settings: refused, the last good kept
    secret.unlink()
    assert tokens.producer("two") == "timing"


def test_a_tokens_file_that_cannot_be_read_at_start_is_an_error(tmp_path) -> None:
    with pytest.raises(TokensError, match="cannot read"):
        Tokens({}, tmp_path / "missing")
    (tmp_path / "bad").write_text("s3cr3t\n")
    with pytest.raises(TokensError, match="entry 1 is not producer=token") as caught:
        Tokens({}, tmp_path / "bad")
    assert "s3cr3t" not in str(caught.value)
