"""POST /api/v1/alerts/: monitoring alert intake (generic, Alertmanager, Zabbix/Centreon)."""

from __future__ import annotations

import logging

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.models import RejectedAlert
from alerts.parsing import AlertPayloadError, parse_each
from alerts.services import alerts_ingest

from ..auth import HasScope, scope_for
from ..errors import error_response
from ..models import ApiToken
from ..parsers import CONTROL_CHARACTERS, BodyError, loads
from ..scopes import ScopeRule, TokenScope
from .schema import errors

logger = logging.getLogger(__name__)

MAX_LOGGED_BODY = 1_000_000  # characters kept verbatim in the rejected-alerts log

IngestSerializer = inline_serializer(
    "AlertIngestResult",
    fields={
        "received": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "resolved": serializers.IntegerField(),
        "ignored": serializers.IntegerField(),
        "rejected": serializers.IntegerField(
            help_text="Alertes invalides, sans client connu ou impossibles à enregistrer : non "
            "enregistrées, conservées dans le journal des alertes rejetées (le reste du contenu "
            "est enregistré)."
        ),
        "tickets_opened": serializers.ListField(child=serializers.CharField()),
        "events": serializers.ListField(
            child=inline_serializer(
                "AlertIngestEvent",
                fields={
                    "id": serializers.IntegerField(allow_null=True),
                    "fingerprint": serializers.CharField(),
                    "outcome": serializers.ChoiceField(
                        choices=["created", "updated", "resolved", "ignored"]
                    ),
                },
            )
        ),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Motif par alerte rejetée (`alerts.<n>`, `alerts.<n>.client`).",
        ),
    },
)

GENERIC_EXAMPLE = {
    "source": "prtg",
    "host": "srv-fic01",
    "service": "disk C:",
    "severity": "critical",
    "status": "firing",
    "summary": "Disque C: plein à 98 %",
    "client": "acme",
}
ALERTMANAGER_EXAMPLE = {
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
            "annotations": {"summary": "srv-web01 ne répond plus"},
            "startsAt": "2026-03-02T02:14:00Z",
            "fingerprint": "7a2c1e0b9f3d4a51",
        }
    ],
}
ZABBIX_EXAMPLE = {
    "event_id": "184467",
    "host": "fw-siege",
    "trigger_name": "Lien WAN principal coupé",
    "event_severity": "Disaster",
    "event_status": "PROBLEM",
    "client": "acme",
}


class AlertIntakeView(APIView):
    """Ingest monitoring alerts; invalid payloads are answered 400 and kept in a log."""

    permission_classes = [HasScope]
    token_scopes = ScopeRule.only(TokenScope.ALERTS_WRITE)
    throttle_scope = "alerts"

    @extend_schema(
        summary="Recevoir des alertes de supervision",
        description=(
            'Accepte une alerte générique (objet, tableau ou `{"alerts": [...]}`), un webhook '
            "Prometheus Alertmanager ou un webhook de type Zabbix/Centreon ; le type est détecté "
            "ou imposé par `?type=`. Les alertes d'une même empreinte mettent à jour l'événement "
            "ouvert ; une sévérité majeure ou critique ouvre une demande (une seule fois). Un "
            "contenu invalide reçoit 400 et est conservé dans le journal des alertes rejetées. "
            "Une alerte invalide ou sans client connu est rejetée seule (`rejected`, `errors`, "
            "journal) : les autres alertes du même envoi sont enregistrées."
        ),
        parameters=[
            OpenApiParameter(
                "type", str, enum=["generic", "alertmanager", "zabbix"], required=False
            )
        ],
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={200: IngestSerializer, **errors(400, 401, 403, 429)},
        examples=[
            OpenApiExample("Générique", value=GENERIC_EXAMPLE, request_only=True),
            OpenApiExample("Alertmanager", value=ALERTMANAGER_EXAMPLE, request_only=True),
            OpenApiExample("Zabbix", value=ZABBIX_EXAMPLE, request_only=True),
        ],
    )
    def post(self, request):
        raw = request.body.decode("utf-8", errors="replace")  # for the rejected-alerts log
        try:
            # Monitoring's free text is cleaned (control characters removed, invalid UTF-8
            # replaced, numbers out of range kept as text) rather than refused: losing an alert
            # costs more than a NUL.
            payload = loads(request.body, strip=True)
            alerts, invalid = parse_each(payload, request.query_params.get("type") or None)
            scope = scope_for(request)
            result = alerts_ingest(
                alerts=alerts,
                invalid=invalid,
                by=request.user,
                scope_client_id=None if scope.staff else scope.client_id,
            )
        except BodyError as exc:
            return self._reject(request, raw, exc.message, exc.fields)
        except AlertPayloadError as exc:
            return self._reject(request, raw, exc.reason, exc.errors)
        if result.rejected:
            self._log(
                request,
                raw,
                f"{result.rejected} alerte(s) sur {result.received} rejetée(s) (client inconnu, "
                "alerte invalide ou impossible à enregistrer) ; les autres sont enregistrées.",
                result.errors,
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)

    def _reject(self, request, raw: str, reason: str, field_errors: dict):
        self._log(request, raw, reason, field_errors)
        return error_response("invalid_alert", reason, status.HTTP_400_BAD_REQUEST, field_errors)

    def _log(self, request, raw: str, reason: str, field_errors: dict) -> None:
        """Keep the payload verbatim in the rejected-alerts log, with the reason per alert.

        Verbatim but for what PostgreSQL cannot store (a raw NUL byte, in a body that was not
        JSON anyway): without this the log itself failed and nothing was kept.
        """
        credential = (
            request.auth.name if isinstance(request.auth, ApiToken) else request.user.get_username()
        )
        scope = scope_for(request)
        logger.warning("Alert(s) rejected from %s: %s %s", credential, reason, field_errors)
        RejectedAlert.objects.create(
            flavour=_storable((request.query_params.get("type") or "")[:16]),
            scope_client_id=None if scope is None or scope.staff else scope.client_id,
            credential=_storable(credential[:150]),
            remote_addr=(request.META.get("REMOTE_ADDR") or "")[:64],
            content_type=_storable((request.content_type or "")[:200]),
            body=raw[:MAX_LOGGED_BODY].replace("\x00", "\ufffd"),
            reason=_storable(reason),
            errors=_storable(field_errors),
        )


def _storable(value):
    """Text (or the strings of a JSON value) without the characters PostgreSQL refuses."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value
