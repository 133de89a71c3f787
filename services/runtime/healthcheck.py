"""Container health probe: ``python -m services.runtime.healthcheck [--group NAME] [--max-stale S]``.

Exit status 0 when Redis (from the usual settings: ``REDIS_URL`` / ``STANDINGS_REDIS_URL``)
answers PING and, with ``--group``, when that consumer group exists on the events stream (the
projector creates it before consuming, so a missing group means it never got that far) and,
with ``--max-stale``, when the oldest entry the group has not finished (pending, or not yet
delivered) was published at most S seconds ago: a readiness that fails when the projector falls
behind, whatever the cause. Exit status 1 otherwise, with the reason on stderr. Used by docker-compose.yml and deploy/k8s for
the services that serve no HTTP (projector, notifier); the gateway is probed on /healthz, /readyz.
"""

from __future__ import annotations

import argparse
import sys
import time

import redis

from services.runtime.settings import Settings


def check(settings: Settings, group: str | None, max_stale: float | None = None) -> str | None:
    """None when healthy, else the reason. Needs a configured ``redis_url``."""
    if not settings.redis_url:
        return "no REDIS_URL configured"
    try:
        with redis.Redis.from_url(settings.redis_url, socket_timeout=2) as client:
            client.ping()
            if group is None:
                return None
            found = [g for g in client.xinfo_groups(settings.events_stream) if g["name"].decode() == group]
            if not found:
                return f"consumer group {group!r} missing on {settings.events_stream}"
            age = oldest_unfinished_age(client, settings.events_stream, found[0])
    except redis.RedisError as exc:
        return f"redis: {exc}"
    if max_stale is not None and age > max_stale:
        return f"group {group!r} is behind: its oldest unfinished entry was published {age:.0f} s ago (max {max_stale:g})"
    return None


def oldest_unfinished_age(client: redis.Redis, stream: str, group: dict) -> float:
    """Seconds since the oldest entry `group` has not finished was published (0: none)."""
    oldest = None
    if group["pending"]:
        oldest = client.xpending(stream, group["name"])["min"]
    else:
        after = client.xrange(stream, min=f"({group['last-delivered-id'].decode()}", count=1)
        oldest = after[0][0] if after else None
    if oldest is None:
        return 0.0
    published_ms = int(oldest.decode().partition("-")[0])
    return max(0.0, time.time() - published_ms / 1000)


def main(argv: list[str] | None = None) -> int:
    """Run :func:`check` and turn the result into an exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", help="consumer group that must exist on the events stream")
    parser.add_argument("--max-stale", type=float, metavar="SECONDS",
                        help="with --group: fail when its oldest unfinished entry is older than this")
    args = parser.parse_args(argv)
    problem = check(Settings(), args.group, args.max_stale)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
