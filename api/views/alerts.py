"""POST /api/v1/alerts/: monitoring alert intake (generic, Alertmanager, Zabbix/Centreon)."""

from __future__ import annotations

import json

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
from alerts.parsing import AlertPayloadError, parse
from alerts.services import alerts_ingest

from ..auth import HasScope, scope_for
from ..errors import error_response
from ..models import ApiToken
from ..scopes import ScopeRule, TokenScope
from .schema import errors

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
            help_text="Alertes sans client connu : non enregistrées, conservées dans le journal "
            "des alertes rejetées (le reste du contenu est enregistré)."
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
            help_text="Motif par alerte rejetée (`alerts.<n>.client`).",
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
            "Une alerte sans client connu est rejetée seule (`rejected`, `errors`, journal) : "
            "les autres alertes du même envoi sont enregistrées."
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
        raw = request.body.decode("utf-8", errors="replace")
        try:
            payload = json.loads(raw)
            flavour = request.query_params.get("type") or None
            alerts = parse(payload, flavour)
            scope = scope_for(request)
            result = alerts_ingest(
                alerts=alerts,
                by=request.user,
                scope_client_id=None if scope.staff else scope.client_id,
            )
        except json.JSONDecodeError as exc:
            return self._reject(request, raw, f"JSON invalide : {exc}", {})
        except AlertPayloadError as exc:
            return self._reject(request, raw, exc.reason, exc.errors)
        if result.rejected:
            self._log(
                request,
                raw,
                f"{result.rejected} alerte(s) sur {result.received} sans client connu : "
                "rejetées ; les autres sont enregistrées.",
                result.errors,
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)

    def _reject(self, request, raw: str, reason: str, field_errors: dict):
        self._log(request, raw, reason, field_errors)
        return error_response("invalid_alert", reason, status.HTTP_400_BAD_REQUEST, field_errors)

    def _log(self, request, raw: str, reason: str, field_errors: dict) -> None:
        """Keep the payload verbatim in the rejected-alerts log, with the reason per alert."""
        credential = (
            request.auth.name if isinstance(request.auth, ApiToken) else request.user.get_username()
        )
        scope = scope_for(request)
        RejectedAlert.objects.create(
            flavour=(request.query_params.get("type") or "")[:16],
            scope_client_id=None if scope is None or scope.staff else scope.client_id,
            credential=credential[:150],
            remote_addr=(request.META.get("REMOTE_ADDR") or "")[:64],
            content_type=(request.content_type or "")[:200],
            body=raw[:MAX_LOGGED_BODY],
            reason=reason,
            errors=field_errors,
        )
