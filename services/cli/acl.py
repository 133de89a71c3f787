"""`standings acl`: write the Redis ACL file of the services' users (services/runtime/acl.py).

Each user's password comes from, in order: ``STANDINGS_ACL_<USER>_PASSWORD_FILE`` (a file),
``STANDINGS_ACL_<USER>_PASSWORD``, the file ``<secrets-dir>/redis-<user>``; with ``--generate``, a
user with none of them gets a fresh random password written to ``<secrets-dir>/redis-<user>``.
The service then reads the same file as ``STANDINGS_REDIS_PASSWORD_FILE`` (Compose and
Kubernetes mount it as a secret). ``--generate`` also creates, empty when missing, the other
secret files the deployments mount (:data:`DEPLOY_FILES`: HTTP ingest off, webhooks off,
unsigned), so that ``docker compose up`` and ``kubectl apply -k`` work at once. The ACL file
holds SHA-256 hashes (``#<hex>``), not the passwords, unless ``--plain``. Nothing secret is
printed: stderr names each user, what it may do and where its password came from.
"""

from __future__ import annotations

import os
import secrets
import sys
from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from services.cli.common import errors, fail, invalid, load_settings
from services.runtime import acl as acls
from services.runtime.redaction import register_secret

SERVER_VERSION = "7.2"
DEPLOY_FILES = ("ingest-tokens", "webhook-urls", "webhook-signing-secret")


def _private(folder: Path) -> None:
    """Make `folder` (0700) and keep git out of it (a `.gitignore` of `*`, unless one is there)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# secrets made by `standings acl`: never committed\n*\n")


def _password(user: str, secrets_dir: Path | None, generate: bool) -> tuple[str | None, str]:
    """(password, where it came from) for `user`; (None, where it was looked for) when there is none."""
    env = f"STANDINGS_ACL_{user.upper()}_PASSWORD"
    if path := os.environ.get(f"{env}_FILE"):
        try:
            return Path(path).read_text().rstrip("\r\n"), f"${env}_FILE"
        except OSError as exc:
            fail(f"{user}: cannot read {env}_FILE ({path}): {exc.strerror}")
    if value := os.environ.get(env):
        return value, f"${env}"
    if secrets_dir is None:
        return None, f"${env}, ${env}_FILE or --secrets-dir"
    file = secrets_dir / f"redis-{user}"
    if file.exists():
        return file.read_text().rstrip("\r\n"), str(file)
    if not generate:
        return None, f"${env}, ${env}_FILE or {file} (--generate creates it)"
    _private(secrets_dir)
    value = secrets.token_urlsafe(32)
    # 0644 inside a 0700 folder: private on this machine, yet readable by the container user
    # once Compose bind-mounts the file alone (Kubernetes secrets have their own modes).
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value, f"{file} (generated)"


def acl(
    output: Annotated[str | None, typer.Option("--output", "-o", show_default=False,
                                               help="Where to write the ACL file; '-' for stdout. Default: "
                                                    "<secrets-dir>/users.acl, or stdout without --secrets-dir.")] = None,
    secrets_dir: Annotated[Path | None, typer.Option("--secrets-dir", show_default=False,
                                                     help="Folder of the password files redis-<user>.")] = None,
    generate: Annotated[bool, typer.Option("--generate", help="Create a random password file for a user that has none.")] = False,
    user: Annotated[list[str] | None, typer.Option(
        "--user", "-u", show_default=False, help=f"Only these users (repeat); default all: {', '.join(acls.USERS)}.")] = None,
    plain: Annotated[bool, typer.Option("--plain", help="Write '>password' instead of its SHA-256 hash.")] = False,
    server_version: Annotated[str, typer.Option("--server-version",
                                                help="Oldest Redis/Valkey that will load the file (7.0 and 7.1 "
                                                     "lack CLIENT SETINFO).")] = SERVER_VERSION,
) -> None:
    """Write the Redis ACL file: one least-privilege user per service, plus producer and operator.

    projector: consumes the event stream in its group and writes the projection, the changes and
    dead-letter streams. gateway: reads standings:*, XADD to the event stream (HTTP ingest).
    notifier: reads standings:*, its group on the changes streams, its own keys and dead letters.
    producer: XADD to the event stream only. operator: all but dangerous commands on standings:*
    (rebuild, dead-letters). default: PING only (health probes). Load it with
    `redis-server --aclfile FILE`; each service connects with STANDINGS_REDIS_USERNAME and
    STANDINGS_REDIS_PASSWORD_FILE (docs/operations.md).
    """
    settings = load_settings()
    names = list(dict.fromkeys(user or acls.USERS))
    if unknown := [n for n in names if n not in acls.USERS]:
        fail(f"unknown user(s) {', '.join(unknown)} (known: {', '.join(acls.USERS)})", 2)
    passwords, sources, missing = {}, {}, []
    for name in names:
        value, source = _password(name, secrets_dir, generate)
        if not value:
            missing.append(f"{name}: no password: set {source}")
            continue
        register_secret(value)
        passwords[name], sources[name] = value, source
    if missing:
        invalid(missing)
    if generate and secrets_dir is not None:
        _private(secrets_dir)
        for name in DEPLOY_FILES:
            with suppress(FileExistsError):
                os.close(os.open(secrets_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    dead_letters = os.environ.get("STANDINGS_NOTIFIER_DEAD_LETTER_STREAM") or acls.DEFAULT_NOTIFIER_DEAD_LETTERS
    try:
        text = acls.acl_file(settings, passwords, plain=plain, notifier_dead_letters=dead_letters,
                             server_version=server_version)
    except ValueError as exc:
        fail(str(exc), 2)
    target = output or (str(secrets_dir / "users.acl") if secrets_dir else "-")
    if target == "-":
        sys.stdout.write(text)
    else:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "w") as out:
            out.write(text)
    described = dict(zip(acls.USERS, acls.describe(settings), strict=True))
    for name in names:
        errors.print(f"{escape(described[name])}  [dim](password: {escape(sources[name])})[/]", highlight=False, soft_wrap=True)
    if target != "-":
        errors.print(f"wrote {target}: load it with redis-server --aclfile {target}", markup=False, highlight=False,
                     soft_wrap=True)
