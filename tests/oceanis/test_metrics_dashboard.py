"""docs/grafana/oceanis.json and the README's list of metrics name only what /metrics exposes."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from api.services import token_create
from ops import broker
from tests.api.conftest import bearer
from tests.factories import ContractFactory
from tests.oceanis.metrics_support import samples, scrape

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
METRIC = re.compile(r"\boceanis_[a-z_]+[a-z]\b")


@pytest.fixture
def exposed(client) -> set[str]:
    """Every family and sample name of a scrape once each kind of figure has something to show."""
    ContractFactory(client__code="acme")
    _token, raw = token_create(name="Supervision", scopes=["alerts:write"])
    alerts = [
        {"host": "srv1", "service": "disk", "severity": "warning", "client": "acme"},
        {"host": "srv2", "service": "disk", "severity": "warning", "client": "nobody"},
    ]
    bearer(raw).post("/api/v1/alerts/", alerts, format="json")
    client.get("/healthz")
    broker.forget()
    # A broker configured (unreachable here): its gauge is only there outside the embedded mode.
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0"
    ):
        text = scrape(client)
    broker.forget()
    families = {family.name for family in text_string_to_metric_families(text)}
    return families | {name for name, _labels in samples(text)}


def _expressions(panels) -> list[str]:
    found = []
    for panel in panels:
        found += [target["expr"] for target in panel.get("targets", [])]
        found += _expressions(panel.get("panels", []))
    return found


def test_the_dashboard_is_valid_json_whose_queries_use_exposed_metrics_only(exposed):
    dashboard = json.loads((ROOT / "docs/grafana/oceanis.json").read_text())
    expressions = _expressions(dashboard["panels"])
    used = {name for expr in expressions for name in METRIC.findall(expr)}
    assert used, "the dashboard queries metrics"
    assert used <= exposed, used - exposed
    # Every exposed family has a panel (the dashboard is the operator's whole view).
    families = {re.sub(r"_(bucket|count|sum|total|created)$", "", name) for name in exposed}
    shown = {re.sub(r"_(bucket|count|sum|total|created)$", "", name) for name in used}
    assert families <= shown, families - shown


def test_the_readme_names_exposed_metrics_only(exposed):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Operator's view", 1)[1].split("\n## ", 1)[0]
    named = set(METRIC.findall(section))
    assert named, "the README lists the metrics"
    assert named <= exposed, named - exposed
