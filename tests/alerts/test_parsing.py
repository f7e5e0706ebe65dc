import pytest

from alerts.models import Severity
from alerts.parsing import AlertPayloadError, detect, parse_each


def parse(payload, flavour=None):
    """The alerts of a payload every alert of which is valid."""
    alerts, errors = parse_each(payload, flavour)
    assert errors == {}
    return alerts


def test_a_generic_alert_is_normalised_with_a_stable_default_fingerprint():
    payload = {"host": "srv1", "service": "disk", "severity": "CRIT", "summary": "Disque plein"}
    [alert] = parse(payload)
    assert (alert.source, alert.status, alert.severity) == ("generic", "firing", Severity.CRITICAL)
    assert alert.summary == "Disque plein"
    assert parse(dict(payload, summary="autre texte"))[0].fingerprint == alert.fingerprint
    assert parse(dict(payload, service="cpu"))[0].fingerprint != alert.fingerprint


def test_a_generic_list_is_accepted_in_both_forms():
    rows = [{"host": "a", "severity": "warning"}, {"host": "b", "severity": "info"}]
    assert len(parse(rows)) == 2
    assert len(parse({"alerts": rows})) == 2


def test_every_invalid_generic_alert_is_reported_by_index():
    rows = [
        {"host": "a", "severity": "warning"},
        {"host": "b", "severity": "apocalyptic"},
        {"severity": "critical"},
        {"host": "c", "severity": "info", "status": "maybe"},
        "not an object",
    ]
    alerts, errors = parse_each(rows)
    assert set(errors) == {"alerts.1", "alerts.2", "alerts.3", "alerts.4"}
    assert "apocalyptic" in errors["alerts.1"][0]
    assert alerts[0].host == "a" and alerts[1:] == [None] * 4  # the valid one goes on alone


def test_a_payload_without_one_valid_alert_is_refused_whole():
    with pytest.raises(AlertPayloadError) as caught:
        parse_each([{"host": "a", "severity": "apocalyptic"}, "not an object"])
    assert set(caught.value.errors) == {"alerts.0", "alerts.1"}


def test_an_alertmanager_webhook_maps_labels_and_annotations():
    payload = {
        "version": "4",
        "receiver": "oceanis",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "InstanceDown",
                    "instance": "srv-web01:9100",
                    "job": "node",
                    "severity": "critical",
                    "oceanis_client": "acme",
                },
                "annotations": {"summary": "srv-web01 ne répond plus", "description": "ping"},
                "fingerprint": "7a2c1e0b9f3d4a51",
            },
            {"status": "resolved", "labels": {"alertname": "HighLoad", "instance": "db:9100"}},
        ],
    }
    assert detect(payload) == "alertmanager"
    first, second = parse(payload)
    assert (first.host, first.service, first.client_code) == ("srv-web01", "node", "acme")
    assert first.fingerprint == "7a2c1e0b9f3d4a51"
    assert first.summary == "srv-web01 ne répond plus" and first.description == "ping"
    assert (second.status, second.severity, second.summary) == ("resolved", "warning", "HighLoad")
    assert second.fingerprint  # hashed from the labels when Alertmanager sends none


def test_a_zabbix_webhook_maps_severity_status_and_event_id():
    payload = {
        "event_id": "184467",
        "host": "fw-siege",
        "trigger_name": "Lien WAN coupé",
        "event_severity": "Disaster",
        "event_status": "PROBLEM",
        "tags": [{"tag": "client", "value": "acme"}],
    }
    assert detect(payload) == "zabbix"
    [alert] = parse(payload)
    assert (alert.severity, alert.status, alert.client_code) == ("critical", "firing", "acme")
    assert alert.fingerprint == "zabbix:184467"
    [recovery] = parse(dict(payload, event_status="RESOLVED", event_severity="Disaster"))
    assert recovery.status == "resolved" and recovery.fingerprint == alert.fingerprint
    assert parse(dict(payload, event_severity="High"))[0].severity == "major"
    assert parse(dict(payload, event_severity="Average"))[0].severity == "minor"


def test_a_centreon_state_carries_severity_and_status():
    base = {"host": "srv2", "service": "HTTP", "state": "CRITICAL", "output": "timeout"}
    assert detect(base) == "zabbix"
    [alert] = parse(base)
    assert (alert.source, alert.severity, alert.status) == ("centreon", "critical", "firing")
    assert parse(dict(base, state="WARNING"))[0].severity == "warning"
    assert parse(dict(base, state="OK"))[0].status == "resolved"
    assert parse(dict(base, state="OK"))[0].fingerprint == alert.fingerprint


def test_an_explicit_type_overrides_detection():
    with pytest.raises(AlertPayloadError):
        parse({"host": "a", "severity": "info"}, "alertmanager")
    with pytest.raises(AlertPayloadError, match="inconnu"):
        parse({"host": "a", "severity": "info"}, "nagios")


def test_an_empty_payload_is_refused():
    with pytest.raises(AlertPayloadError, match="Aucune alerte"):
        parse([])
