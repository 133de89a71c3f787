# One image for every service; the command picks it: `standings projector|gateway|notifier`.
# It runs as an unprivileged user (10001:10001) and writes nothing outside /tmp (Kubernetes mounts
# the root filesystem read-only, with an emptyDir on /tmp); its health checks are the
# orchestrator's (docker-compose.yml, deploy/k8s), per service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STANDINGS_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY rules ./rules
RUN pip install . \
    && groupadd --gid 10001 standings \
    && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin standings

USER 10001:10001
EXPOSE 8000
HEALTHCHECK NONE
CMD ["standings", "--help"]
