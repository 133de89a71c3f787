"""Prometheus /metrics against a real Redis: parsed with the Prometheus client's own parser, the
counters and the streams' gauges move as events flow."""

from __future__ import annotations

import urllib.request

import httpx
from projector_events import publish, race, registration, wait_drained
from prometheus_client.parser import text_string_to_metric_families

from services.gateway import create_app
from services.notifier import notifier_running
from services.projector import projector_running
from services.runtime import keys
from services.runtime.metrics import serve_metrics
from services.runtime.redis import ensure_group
from services.runtime.server import free_port
from services.runtime.settings import Settings
from tests.integration import notifier_support

receiver = notifier_support.receiver  # the fixture


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value, from the exposition text."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(redis_url: str) -> dict[tuple[str, tuple], float]:
    app = create_app(redis_url, Settings(redis_url=redis_url))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def counted(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_move_as_events_flow(redis_url, redis_client):
    s = Settings(redis_url=redis_url, consumer_name="metrics", claim_idle_ms=100, max_deliveries=1)
    group = {"stream": s.events_stream, "group": s.projector_group}
    await ensure_group(redis_client, s.events_stream, s.projector_group)
    before = await scrape(redis_url)
    await publish(redis_client, s, [registration("cup"), race("cup", 1, 1), "{not json"])

    waiting = await scrape(redis_url)
    assert counted(waiting, "standings_consumer_lag", **group) == 3
    assert counted(waiting, "standings_dead_letters", stream=s.dead_letter_stream) == 0

    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)
    after = await scrape(redis_url)

    def moved(name: str, **labels: str) -> float:
        return counted(after, name, **labels) - counted(before, name, **labels)

    assert moved("standings_events_total", outcome="applied") == 2
    assert moved("standings_events_total", outcome="dead_lettered") == 1
    version = int(await redis_client.get(keys.version_key("cup")))
    assert version >= 1 and moved("standings_change_records_total") == version  # one record per version
    assert moved("standings_commit_seconds_count") >= version
    assert counted(after, "standings_consumer_lag", **group) == 0
    assert counted(after, "standings_consumer_pending", **group) == 0
    assert counted(after, "standings_dead_letters", stream=s.dead_letter_stream) == 1


def test_a_projector_or_notifier_process_serves_its_own_metrics():
    port = free_port()
    serve_metrics(Settings(metrics_port=port))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        names = {family.name for family in text_string_to_metric_families(response.read().decode())}
    assert {"standings_events", "standings_gc_pause_seconds", "standings_sse_clients"} <= names


async def test_webhook_deliveries_are_counted(redis_url, redis_client, receiver):
    before = await scrape(redis_url)
    s = notifier_support.notifier_settings(redis_url, [receiver.url("/ok")])
    await notifier_support.project(redis_client, redis_url, [notifier_support.registration(), notifier_support.race(1)])
    async with notifier_running(redis_url, s):
        await notifier_support.wait_for(lambda: notifier_support.notified(redis_client, s))
    after = await scrape(redis_url)

    def moved(name: str, **labels: str) -> float:
        return counted(after, name, **labels) - counted(before, name, **labels)

    assert moved("standings_webhook_deliveries_total", result="delivered") == len(receiver.posts()) > 0
    assert moved("standings_webhook_seconds_count") == len(receiver.posts())
