"""The example Prometheus alert rules and Grafana dashboard in deploy/monitoring/, checked by
reading them: well-formed, and every metric they query is one the services export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.runtime.metrics import REGISTRY

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
NAME = re.compile(r"\b(standings_[a-z_]+)")


def exported() -> set[str]:
    """Every sample name the registry can expose (counters' _total, histograms' _bucket, ...)."""
    from prometheus_client import generate_latest

    from services.runtime import metrics

    for label in ("applied", "duplicate", "dead_lettered", "retrying"):
        metrics.EVENTS.labels(label)
    metrics.SSE_MESSAGES.labels("change")
    metrics.WEBHOOKS.labels("delivered")
    metrics.GC_PAUSE.labels("0")
    names = {s.name for f in text_string_to_metric_families(generate_latest(REGISTRY).decode()) for s in f.samples}
    return names | {"standings_consumer_lag", "standings_consumer_pending", "standings_dead_letters"}  # read from Redis


def test_alert_rules_are_well_formed_and_query_exported_metrics():
    rules = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    [group] = rules["groups"]
    known = exported()
    for rule in group["rules"]:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"} and rule["alert"].startswith("Standings")
        assert rule["labels"]["severity"] in {"page", "ticket"} and rule["annotations"]["summary"]
        assert set(NAME.findall(rule["expr"])) <= known, rule["alert"]


def test_dashboard_panels_query_exported_metrics():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    known = exported()
    assert dashboard["uid"] == "standings" and len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            assert set(NAME.findall(target["expr"])) <= known, panel["title"]
