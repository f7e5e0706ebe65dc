"""``POST /api/v1/calls/``: the switchboard (CTI) reports a call, then its answer and its end.

A generic body any PBX can send (Wildix webhooks first, see the README's "Telephony"):
``call_id``, ``caller``, ``called``, ``started_at``, later ``answered_by`` (username or
extension) and ``ended_at``. Posting the same ``call_id`` again updates the call (200; 201 when
created). The answer names the caller as identified: contact, client code, open tickets. Staff
sessions and staff-wide tokens holding ``calls:write``; never a client token.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import ApiTokenAuthentication
from api.scopes import ScopeRule, TokenScope
from api.strict import StrictBodyMixin
from api.views.oncall import IsOceanisStaff
from api.views.schema import errors

from .models import Call
from .selectors import open_tickets
from .services import call_record

OPEN_TICKETS_ANSWERED = 20


class CallSerializer(StrictBodyMixin, serializers.Serializer):
    call_id = serializers.CharField(
        max_length=128, help_text="Identifiant de l'appel chez le PBX (stable de bout en bout)."
    )
    caller = serializers.CharField(
        max_length=64, help_text="Numéro appelant, tout format (0251102000, +33 2 51 10 20 00)."
    )
    called = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Numéro appelé."
    )
    started_at = serializers.DateTimeField(help_text="Début de l'appel (ISO 8601).")
    answered_by = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Qui a décroché : identifiant de l'intervenant ou numéro de poste.",
    )
    ended_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Fin de l'appel (ISO 8601)."
    )


CALL_ANSWER = inline_serializer(
    "CallRecorded",
    {
        "id": serializers.IntegerField(),
        "call_id": serializers.CharField(),
        "caller": serializers.CharField(help_text="Numéro normalisé E.164, sinon tel que reçu."),
        "contact": inline_serializer(
            "CallContact",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "email": serializers.CharField(),
            },
            allow_null=True,
        ),
        "client": serializers.CharField(allow_null=True, help_text="Code client."),
        "open_tickets": serializers.ListField(
            child=serializers.CharField(), help_text="Références des demandes ouvertes du client."
        ),
        "answered_by": serializers.CharField(
            allow_null=True, help_text="Identifiant de l'intervenant reconnu."
        ),
        "ticket": serializers.CharField(
            allow_null=True, help_text="Demande liée (ouverte par l'astreinte, par exemple)."
        ),
        "paged": serializers.BooleanField(help_text="true : l'astreinte a été appelée."),
    },
)


def call_json(call: Call) -> dict:
    contact = call.contact
    tickets = open_tickets(call.client_id, contact_id=call.contact_id)
    return {
        "id": call.pk,
        "call_id": call.call_id,
        "caller": call.caller_e164 or call.caller,
        "contact": (
            {"id": contact.pk, "name": str(contact), "email": contact.email} if contact else None
        ),
        "client": call.client.code if call.client else None,
        "open_tickets": list(tickets.values_list("reference", flat=True)[:OPEN_TICKETS_ANSWERED]),
        "answered_by": call.answered_by.get_username() if call.answered_by else None,
        "ticket": call.ticket.reference if call.ticket else None,
        "paged": call.paged,
    }


class CallIntakeView(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsOceanisStaff]
    token_scopes = ScopeRule.only(TokenScope.CALLS_WRITE)

    @extend_schema(
        summary="Signaler un appel (CTI)",
        description=str(
            _(
                "Le standard signale un appel à son début, puis le même `call_id` quand un "
                "intervenant décroche (`answered_by`) et à la fin (`ended_at`). 201 à la "
                "création, 200 à la mise à jour. L'appelant est reconnu par son numéro "
                "(contacts, sites, clients). Un appel au numéro d'astreinte hors des plages "
                "du contrat ouvre une demande critique et appelle l'astreinte."
            )
        ),
        tags=["calls"],
        request=CallSerializer,
        responses={
            201: OpenApiResponse(CALL_ANSWER, description="Appel enregistré."),
            200: OpenApiResponse(CALL_ANSWER, description="Appel mis à jour (même call_id)."),
            **errors(400, 401, 403),
        },
        examples=[
            OpenApiExample(
                "Début d'appel",
                request_only=True,
                value={
                    "call_id": "it_w000001_1721984075.0",
                    "caller": "02.51.10.20.00",
                    "called": "+33 2 51 00 00 00",
                    "started_at": "2026-12-03T08:54:36Z",
                },
            ),
            OpenApiExample(
                "Décroché",
                request_only=True,
                value={
                    "call_id": "it_w000001_1721984075.0",
                    "caller": "02.51.10.20.00",
                    "called": "+33 2 51 00 00 00",
                    "started_at": "2026-12-03T08:54:36Z",
                    "answered_by": "230",
                },
            ),
        ],
    )
    def post(self, request):
        body = CallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        call, created = call_record(
            call_id=data["call_id"],
            caller=data["caller"],
            called=data.get("called") or "",
            started_at=data["started_at"],
            answered_by=data.get("answered_by"),
            ended_at=data.get("ended_at"),
        )
        return Response(
            call_json(call), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
