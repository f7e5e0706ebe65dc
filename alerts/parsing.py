"""Normalise monitoring payloads (generic, Prometheus Alertmanager, Zabbix/Centreon) to alerts.

Pure functions over decoded JSON; no database. Field mapping, first present key wins:

* host — generic ``host``; Alertmanager ``labels.host|hostname|instance`` (port stripped);
  Zabbix/Centreon ``host|host_name|hostname``.
* service — generic ``service``; Alertmanager ``labels.service|job``;
  Zabbix/Centreon ``service|service_description|trigger_name|item_name``.
* summary — generic ``summary|title``; Alertmanager ``annotations.summary``, else
  ``labels.alertname``; Zabbix/Centreon ``subject|trigger_name|event_name|name|output``.
* description — generic ``description``; Alertmanager ``annotations.description``;
  Zabbix/Centreon ``message|output|trigger_description``.
* severity — generic ``severity`` (required); Alertmanager ``labels.severity`` (default
  warning); Zabbix ``severity|event_severity|trigger_severity``; Centreon ``state``.
* status — generic ``status`` (default firing); Alertmanager the alert's ``status``; Zabbix
  ``status|event_status|event_value`` (PROBLEM/1 firing, RESOLVED/OK/0 resolved); Centreon
  ``state`` (OK/UP resolved, anything else firing).
* fingerprint — generic ``fingerprint``, else a hash of source/host/service; Alertmanager
  ``fingerprint``, else a hash of the labels; Zabbix ``event_id|problem_id|trigger_id``
  (prefixed with the source), else a hash of host/service.
* client (code) — generic ``client``; Alertmanager ``labels.oceanis_client|client``;
  Zabbix/Centreon ``client|client_code`` or the ``client`` tag. Without it the host mapping
  (``MonitoredHost``) or the client of a client-scoped token decides.

Severities become critical / major / minor / warning / info (Zabbix Disaster → critical,
High → major, Average → minor, Warning → warning, Information/Not classified → info;
Centreon CRITICAL/DOWN/UNREACHABLE → critical, WARNING → warning, UNKNOWN → minor).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .models import Severity

MAX_ALERTS_PER_PAYLOAD = 1000

SEVERITY_ALIASES = {
    **dict.fromkeys(("critical", "crit", "disaster", "fatal", "emergency"), Severity.CRITICAL),
    **dict.fromkeys(("page", "p1", "down", "unreachable", "alert"), Severity.CRITICAL),
    **dict.fromkeys(("major", "high", "error", "err", "p2", "severe"), Severity.MAJOR),
    **dict.fromkeys(("minor", "average", "medium", "unknown", "p3"), Severity.MINOR),
    **dict.fromkeys(("warning", "warn", "low", "p4"), Severity.WARNING),
    **dict.fromkeys(("info", "information", "informational", "not classified"), Severity.INFO),
    **dict.fromkeys(("none", "notice", "debug", "p5", "ok", "up"), Severity.INFO),
}
FIRING = {"firing", "problem", "1", "alert", "active", "critical", "warning", "unknown", "down"}
RESOLVED = {"resolved", "ok", "recovery", "0", "up", "resolve", "cleared", "inactive"}
CENTREON_RESOLVED_STATES = {"ok", "up"}


class AlertPayloadError(Exception):
    """The payload cannot be ingested; ``errors`` maps fields (``alerts.3.severity``) to reasons."""

    def __init__(self, reason: str, errors: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or {}


@dataclass(frozen=True)
class Alert:
    source: str
    fingerprint: str
    status: str  # "firing" or "resolved"
    severity: str
    host: str
    service: str
    summary: str
    description: str
    client_code: str
    labels: dict = field(default_factory=dict, hash=False, compare=False)


def _text(value, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValueError("texte attendu")
    return str(value).strip()[:limit]


def _first(data: dict, *keys: str, limit: int = 255) -> str:
    for key in keys:
        value = _text(data.get(key), limit)
        if value:
            return value
    return ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _fingerprint(value: str, *fallback: str) -> str:
    if value:
        return value if len(value) <= 255 else _digest(value)
    return _digest(*fallback)


def _severity(raw: str) -> str:
    try:
        return SEVERITY_ALIASES[raw.strip().lower()]
    except KeyError:
        raise ValueError(f"sévérité inconnue « {raw} »") from None


def _status(raw: str) -> str:
    value = raw.strip().lower()
    if value in FIRING:
        return "firing"
    if value in RESOLVED:
        return "resolved"
    raise ValueError(f"statut inconnu « {raw} » (firing ou resolved)")


def detect(payload) -> str:
    """Which payload flavour: ``alertmanager``, ``zabbix`` or ``generic``."""
    if isinstance(payload, dict):
        if isinstance(payload.get("alerts"), list) and (
            "receiver" in payload or "version" in payload
        ):
            return "alertmanager"
        zabbix_keys = {"event_id", "trigger_id", "event_severity", "event_value", "event_status"}
        if zabbix_keys & payload.keys() or ("state" in payload and "host" in payload):
            return "zabbix"
    return "generic"


def parse_each(payload, flavour: str | None = None) -> tuple[list[Alert | None], dict]:
    """Every alert of a payload by position (None where invalid) and the reason per invalid one.

    An invalid alert is refused on its own (``alerts.<n>`` or, for a single alert, ``alert``),
    as an alert without a client is: the others go on. Raises ``AlertPayloadError`` when the
    payload itself is unusable (unknown type, no alerts, too many, not the announced shape) or
    when no alert in it is valid.
    """
    flavour = flavour or detect(payload)
    parser = {"alertmanager": _alertmanager, "zabbix": _zabbix, "generic": _generic}.get(flavour)
    if parser is None:
        raise AlertPayloadError(f"Type de contenu inconnu « {flavour} ».", {"type": [flavour]})
    items = parser(payload)
    if not items:
        raise AlertPayloadError("Aucune alerte dans le contenu reçu.")
    if len(items) > MAX_ALERTS_PER_PAYLOAD:
        raise AlertPayloadError(f"Plus de {MAX_ALERTS_PER_PAYLOAD} alertes dans un seul envoi.")
    alerts: list[Alert | None] = []
    errors: dict[str, list[str]] = {}
    for index, build in enumerate(items):
        try:
            alerts.append(build())
        except ValueError as exc:
            alerts.append(None)
            errors[alert_key(index, len(items))] = [str(exc)]
    if errors and len(errors) == len(alerts):
        raise AlertPayloadError("Alerte(s) invalide(s) : rien n'a été enregistré.", errors)
    return alerts, errors


def alert_key(index: int, count: int) -> str:
    """Where the reason an alert was refused goes: ``alerts.<n>``, or ``alert`` when alone."""
    return "alert" if count == 1 else f"alerts.{index}"


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what} : objet JSON attendu")
    return value


def _generic(payload) -> list:
    """One alert object, a JSON array of them, or ``{"alerts": [...]}``."""
    if isinstance(payload, dict) and isinstance(payload.get("alerts"), list):
        payload = payload["alerts"]
    if isinstance(payload, list):
        return [lambda row=row: _generic_one(row) for row in payload]
    return [lambda: _generic_one(payload)]


def _generic_one(row) -> Alert:
    row = _object(row, "alerte")
    source = _first(row, "source", limit=32) or "generic"
    host = _first(row, "host")
    service = _first(row, "service")
    raw_severity = _first(row, "severity")
    if not raw_severity:
        raise ValueError("severity obligatoire")
    if not host and not _first(row, "fingerprint"):
        raise ValueError("host ou fingerprint obligatoire")
    labels = row.get("labels") or {}
    summary = _first(row, "summary", "title", limit=500) or service or host
    return Alert(
        source=source,
        fingerprint=_fingerprint(_first(row, "fingerprint", limit=2000), source, host, service),
        status=_status(_first(row, "status") or "firing"),
        severity=_severity(raw_severity),
        host=host,
        service=service,
        summary=summary,
        description=_first(row, "description", limit=10000),
        client_code=_first(row, "client", limit=32),
        labels=_object(labels, "labels"),
    )


def _alertmanager(payload) -> list:
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise AlertPayloadError("Webhook Alertmanager sans liste « alerts ».", {"alerts": ["?"]})
    return [lambda row=row: _alertmanager_one(row) for row in payload["alerts"]]


def _alertmanager_one(row) -> Alert:
    row = _object(row, "alerte")
    labels = _object(row.get("labels") or {}, "labels")
    annotations = _object(row.get("annotations") or {}, "annotations")
    host = _first(labels, "host", "hostname", "instance")
    if host.count(":") == 1:  # instance is host:port
        host = host.split(":", 1)[0]
    service = _first(labels, "service", "job")
    name = _first(labels, "alertname")
    if not (host or name):
        raise ValueError("labels.instance (ou host) ou labels.alertname obligatoire")
    stable = json.dumps(labels, sort_keys=True, default=str)
    return Alert(
        source="alertmanager",
        fingerprint=_fingerprint(_first(row, "fingerprint", limit=2000), "alertmanager", stable),
        status=_status(_first(row, "status") or "firing"),
        severity=_severity(_first(labels, "severity") or "warning"),
        host=host,
        service=service,
        summary=_first(annotations, "summary", limit=500) or name or host,
        description=_first(annotations, "description", limit=10000),
        client_code=_first(labels, "oceanis_client", "client", limit=32),
        labels=labels,
    )


def _zabbix(payload) -> list:
    return [lambda: _zabbix_one(payload)]


def _tags(row) -> dict:
    tags = row.get("tags") or {}
    if isinstance(tags, list):  # Zabbix {EVENT.TAGSJSON}: [{"tag": …, "value": …}]
        return {str(t.get("tag")): t.get("value") for t in tags if isinstance(t, dict)}
    return _object(tags, "tags")


def _zabbix_one(row) -> Alert:
    row = _object(row, "alerte")
    tags = _tags(row)
    host = _first(row, "host", "host_name", "hostname")
    service = _first(row, "service", "service_description", "trigger_name", "item_name")
    if not host:
        raise ValueError("host obligatoire")
    state = _first(row, "state").lower()
    if state:  # Centreon-style: one state carries both severity and status
        status = "resolved" if state in CENTREON_RESOLVED_STATES else "firing"
        severity = _severity(state)
    else:
        raw = _first(row, "status", "event_status", "event_value")
        status = _status(raw or "firing")
        raw_severity = _first(row, "severity", "event_severity", "trigger_severity")
        if not raw_severity and status == "firing":
            raise ValueError("severity obligatoire")
        severity = _severity(raw_severity or "info")
    source = _first(row, "source", limit=32) or ("centreon" if state else "zabbix")
    event_key = _first(row, "event_id", "problem_id", "trigger_id")
    return Alert(
        source=source,
        fingerprint=_fingerprint(event_key and f"{source}:{event_key}", source, host, service),
        status=status,
        severity=severity,
        host=host,
        service=service,
        summary=_first(row, "subject", "trigger_name", "event_name", "name", "output", limit=500)
        or service
        or host,
        description=_first(row, "message", "output", "trigger_description", limit=10000),
        client_code=_first(row, "client", "client_code", limit=32) or _text(tags.get("client"), 32),
        labels=tags,
    )
