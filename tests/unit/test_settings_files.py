"""Settings from files: a Redis password file, and any setting from a secrets folder (STANDINGS_SECRETS_DIR)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_in_a_process(env: dict[str, str]) -> dict:
    """The notifier's settings made in a fresh interpreter (STANDINGS_SECRETS_DIR is read at import)."""
    code = ("import json; from services.notifier.settings import NotifierSettings as S; s = S(); "
            "print(json.dumps({'urls': s.webhook_urls, 'secret': s.webhook_secret.get_secret_value(), "
            "'tokens': s.ingest_tokens.get_secret_value(), 'url': s.redis_url}))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STANDINGS_", "REDIS_"))}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_any_setting_comes_from_a_file_of_the_secrets_folder_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "STANDINGS_WEBHOOK_URLS").write_text("https://discord.com/api/webhooks/1/tok,https://example.com/h\n")
    (tmp_path / "STANDINGS_WEBHOOK_SECRET").write_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
    (tmp_path / "STANDINGS_INGEST_TOKENS").write_text("timing=from-the-file\n")
    (tmp_path / "password").write_text("p@ss w0rd\n")
    got = settings_in_a_process({"STANDINGS_SECRETS_DIR": str(tmp_path), "STANDINGS_INGEST_TOKENS": "timing=from-env",
                                 "REDIS_URL": "redis://notifier@redis:6379/0",
                                 "STANDINGS_REDIS_PASSWORD_FILE": str(tmp_path / "password")})
    assert got["urls"] == ["https://discord.com/api/webhooks/1/tok", "https://example.com/h"]
    assert got["secret"] == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert got["tokens"] == "timing=from-env"
    assert got["url"] == "redis://notifier:p%40ss%20w0rd@redis:6379/0"


def test_without_a_secrets_folder_nothing_is_read_from_files(tmp_path: Path) -> None:
    (tmp_path / "STANDINGS_WEBHOOK_URLS").write_text("https://example.com/h\n")
    got = settings_in_a_process({"STANDINGS_DATA_DIR": str(tmp_path)})
    assert got["urls"] == [] and got["url"] is None
