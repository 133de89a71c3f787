"""Optional OpenTelemetry tracing (STANDINGS_TRACING): each batch the projector consumes is a span."""

from __future__ import annotations

import pytest
from projector_events import publish, registration, wait_drained

from services.projector import projector_running
from services.runtime.settings import Settings

sdk = pytest.importorskip("opentelemetry.sdk.trace", reason="the 'tracing' extra is not installed")


async def test_a_consumed_batch_is_a_span(redis_url, redis_client):
    from opentelemetry import trace
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    spans = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)  # the global provider the middleware uses (once per process)

    s = Settings(redis_url=redis_url, consumer_name="traced", tracing=True)
    await publish(redis_client, s, [registration("cup")])
    async with projector_running(redis_url, s):
        await wait_drained(redis_client, s)
    names = [span.name for span in spans.get_finished_spans()]
    assert any(s.events_stream in name for name in names), names


def test_tracing_is_off_by_default():
    assert Settings().tracing is False
