"""The deployment files, checked by reading them (no Docker or cluster needed).

docker-compose.yml is validated against the Compose Specification schema (vendored by the
``check-jsonschema`` package), the Kubernetes manifests against the Kubernetes OpenAPI-derived
schemas in strict mode (``kubernetes-validate``). On top, the checks that schemas cannot express:
services run ``standings <service>``, have health checks, wait for a healthy Redis, Redis keeps an
AOF on a volume, the projector runs replicas in one consumer group, the gateway is probed on
/healthz and /readyz, references between manifests resolve.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
K8S_VERSION = "1.30.0"  # oldest Kubernetes the manifests must apply to
SERVICES = {"projector", "gateway", "notifier"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def k8s() -> dict[tuple[str, str], dict]:
    """Every object listed by the base kustomization, by (kind, name)."""
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    objects = {}
    for resource in kustomization["resources"]:
        for doc in yaml.safe_load_all((BASE / resource).read_text()):
            objects[(doc["kind"], doc["metadata"]["name"])] = doc
    return objects


def _container(obj: dict) -> dict:
    [container] = obj["spec"]["template"]["spec"]["containers"]
    return container


def test_compose_file_matches_the_compose_specification(compose: dict) -> None:
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text())
    jsonschema.validate(compose, schema)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject mistakes
        jsonschema.validate({"services": {"x": {"comand": ["typo"]}}}, schema)


def test_compose_services_run_the_cli_with_health_checks_after_redis(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == SERVICES | {"redis"}
    for name in SERVICES:
        service = services[name]
        assert service["command"] == ["standings", name]
        assert service["healthcheck"]["test"][0] == "CMD"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert "/readyz" in " ".join(services["gateway"]["healthcheck"]["test"])
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert redis["volumes"] == ["redis-data:/data"] and "healthcheck" in redis


def test_dockerfile_installs_the_package_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN pip install ." in dockerfile and "USER 10001" in dockerfile


MANIFESTS = sorted(p for p in BASE.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_k8s_manifests_match_the_kubernetes_schemas(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_k8s_schema_check_rejects_a_misspelt_field() -> None:
    typo = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "dta": {}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest(k8s: dict) -> None:
    listed = set(yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in MANIFESTS}


def test_k8s_redis_keeps_an_aof_on_a_persistent_volume(k8s: dict) -> None:
    redis = k8s[("StatefulSet", "redis")]
    container = _container(redis)
    assert container["args"][:3] == ["redis-server", "--appendonly", "yes"]
    [claim] = redis["spec"]["volumeClaimTemplates"]
    assert container["volumeMounts"] == [{"name": claim["metadata"]["name"], "mountPath": "/data"}]


def test_k8s_services_share_the_config_and_run_the_cli(k8s: dict) -> None:
    config = k8s[("ConfigMap", "standings-env")]["data"]
    assert config["REDIS_URL"] == "redis://redis:6379/0" and ("Service", "redis") in k8s
    for name in SERVICES:
        container = _container(k8s[("Deployment", name)])
        assert container["command"] == ["standings", name]
        assert container["envFrom"] == [{"configMapRef": {"name": "standings-env"}}]
        assert "livenessProbe" in container


def test_k8s_projectors_are_three_consumers_of_one_group(k8s: dict) -> None:
    projector = k8s[("Deployment", "projector")]
    assert projector["spec"]["replicas"] == 3
    container = _container(projector)
    [consumer] = [e for e in container["env"] if e["name"] == "STANDINGS_CONSUMER_NAME"]
    assert consumer["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"  # one per pod
    assert "STANDINGS_PROJECTOR_GROUP" in k8s[("ConfigMap", "standings-env")]["data"]


def test_k8s_gateway_is_probed_and_exposed(k8s: dict) -> None:
    gateway = k8s[("Deployment", "gateway")]
    container = _container(gateway)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    service = k8s[("Service", "gateway")]
    pod_labels = gateway["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]
