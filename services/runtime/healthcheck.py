"""Container health probe: ``python -m services.runtime.healthcheck [--group NAME]``.

Exit status 0 when Redis (from the usual settings: ``REDIS_URL`` / ``STANDINGS_REDIS_URL``)
answers PING and, with ``--group``, when that consumer group exists on the events stream (the
projector creates it before consuming, so a missing group means it never got that far).
Exit status 1 otherwise, with the reason on stderr. Used by docker-compose.yml and deploy/k8s for
the services that serve no HTTP (projector, notifier); the gateway is probed on /healthz, /readyz.
"""

from __future__ import annotations

import argparse
import sys

import redis

from services.runtime.settings import Settings


def check(settings: Settings, group: str | None) -> str | None:
    """None when healthy, else the reason. Needs a configured ``redis_url``."""
    if not settings.redis_url:
        return "no REDIS_URL configured"
    try:
        with redis.Redis.from_url(settings.redis_url, socket_timeout=2) as client:
            client.ping()
            if group is None:
                return None
            groups = client.xinfo_groups(settings.events_stream)
    except redis.RedisError as exc:
        return f"redis: {exc}"
    if not any(info["name"].decode() == group for info in groups):
        return f"consumer group {group!r} missing on {settings.events_stream}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run :func:`check` and turn the result into an exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", help="consumer group that must exist on the events stream")
    problem = check(Settings(), parser.parse_args(argv).group)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
