"""OpenAPI helpers shared by the endpoints: the error shape and reusable examples."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    "Error",
    fields={
        "error": serializers.CharField(help_text="Code stable (snake_case anglais)."),
        "detail": serializers.CharField(help_text="Message lisible (français)."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Erreurs par champ (vide sauf 400).",
        ),
    },
)

# Per status: the error codes it carries, each with an example (detail, fields).
_DESCRIPTIONS = {
    400: [
        ("invalid", "Données invalides.", {"urgency": ["« urgent » n'est pas un choix valide."]}),
        ("malformed_request", "JSON invalide : Expecting value (ligne 1, colonne 1).", {}),
    ],
    401: [("not_authenticated", "Jeton invalide ou révoqué.", {})],
    403: [
        ("permission_denied", "Action réservée aux intervenants Oceanis.", {}),
        # The token lacks the scope the operation asks for (stated in its description).
        (
            "insufficient_scope",
            "Ce jeton n'a pas la portée « tickets:write » que demande cette route.",
            {},
        ),
    ],
    404: [("not_found", "Pas trouvé.", {})],
    409: [
        (
            "transition_not_allowed",
            "Action « resolve » impossible : la demande OC-2026-000042 est « Nouvelle ».",
            {},
        ),
        (
            "stale_version",
            "La demande a été modifiée entre-temps : relisez-la puis recommencez.",
            {},
        ),
    ],
    413: [("payload_too_large", "Corps de requête trop volumineux : au plus 2621440 octets.", {})],
    429: [("rate_limited", "Requête ralentie (throttled).", {})],
}


def errors(*codes: int) -> dict:
    """``responses`` entries for the given HTTP error codes, each with an example body."""
    out = {}
    for code in codes:
        described = _DESCRIPTIONS[code]
        out[code] = OpenApiResponse(
            ErrorSerializer,
            description=" | ".join(error for error, _detail, _fields in described),
            examples=[
                OpenApiExample(
                    error,
                    value={"error": error, "detail": detail, "fields": fields},
                    response_only=True,
                    status_codes=[str(code)],
                )
                for error, detail, fields in described
            ],
        )
    return out


TICKET_EXAMPLE = OpenApiExample(
    "Demande",
    response_only=True,
    value={
        "reference": "OC-2026-000042",
        "kind": "incident",
        "title": "Serveur de fichiers injoignable",
        "description": "",
        "channel": "phone",
        "client": "acme",
        "contact": 12,
        "site": None,
        "contract": 3,
        "urgency": "very_blocking",
        "complexity": "standard",
        "technical_domain": "systems",
        "service_type": "",
        "equipment": "",
        "billable": False,
        "assignee": None,
        "assignee_name": "",
        "escalation_level": 1,
        "state": "new",
        "pending_on": "",
        "pending_reason": "",
        "created_at": "2026-03-02T09:15:00+01:00",
        "updated_at": "2026-03-02T09:15:00+01:00",
        "taken_in_charge_at": None,
        "resolved_at": None,
        "closed_at": None,
        "closure_synthesis": "",
        "gti_deadline": "2026-03-02T13:15:00+01:00",
        "gti_met": None,
    },
)
