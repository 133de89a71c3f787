"""The small runtime every service shares.

- :mod:`.settings`: configuration from the environment (``STANDINGS_*``, plus plain ``REDIS_URL``).
- :mod:`.logging`: structlog set-up, JSON lines off a TTY, one formatter for stdlib loggers too.
- :mod:`.keys`: the Redis key names, cluster-ready (the championship id is a hash tag).
- :mod:`.redis`: the asyncio client factory and consumer-group helper.
- :mod:`.server`: a real ``redis-server``/``valkey-server`` child process (tests and embedded mode).
- :mod:`.embedded`: the embedded, persistent server used when no ``REDIS_URL`` is configured.
- :mod:`.healthcheck`: the container probe (`python -m services.runtime.healthcheck`).
"""
