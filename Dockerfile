# One image for every service; the command picks it: `standings projector|gateway|notifier`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STANDINGS_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY rules ./rules
RUN pip install . \
    && useradd --uid 10001 --no-create-home standings

USER 10001
EXPOSE 8000
CMD ["standings", "--help"]
