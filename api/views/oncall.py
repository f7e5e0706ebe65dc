"""The on-call API, under ``/api/v1/oncall/``: who is on call at an instant; acknowledge a page.

``GET /api/v1/oncall/now?at=ISO`` is a plain Django view (staff session, or a staff-wide API token
with the ``oncall:read`` scope, for integrations such as the phone switchboard). The
acknowledgement is a DRF view so that it gets DRF's CSRF rule for sessions and the API's bearer
tokens (a staff-wide ``api.auth.ApiTokenAuthentication`` token with ``oncall:write``, never a
client-scoped one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from oncall.models import AckVia, Page, PageLevel, PageState
from oncall.selectors import on_call_at
from oncall.services.paging import PageAckError, page_acknowledge
from oncall.triggers import oceanis_open
from staff.models import Technician, is_staff_member
from tickets.models import State

from ..auth import (
    ApiTokenAuthentication,
    InsufficientScope,
    TokenScopeRequired,
    scope_for,
)
from ..errors import error_body, error_response
from ..scopes import ScopeRule, TokenScope
from ..strict import StrictBodyMixin
from .schema import ErrorSerializer, errors

STAFF_ONLY = gettext_lazy("Réservé aux intervenants Oceanis.")


def _person(technician) -> dict | None:
    if technician is None:
        return None
    return {
        "id": technician.pk,
        "name": str(technician),
        "email": technician.user.email,
        "phone": technician.phone,
    }


def parse_instant(raw: str) -> datetime:
    """ISO 8601; naive means Paris time; a '+' decoded to a space in a query string is put
    back. Raises ValueError."""
    value = raw.strip()
    parsed = parse_datetime(value) or parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise ValueError(raw)
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        # Out-of-range instants (year 1 with a negative offset…) are bad input, not a 500.
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(raw) from exc


def _refusal(request) -> JsonResponse | None:
    """None when the caller is staff (session) or holds a staff-wide API token (e.g. the phone
    switchboard forwarding the on-call number); else the 401/403 JSON answer."""
    try:
        authenticated = ApiTokenAuthentication().authenticate(request)
    except AuthenticationFailed as exc:
        return JsonResponse(error_body("not_authenticated", str(exc.detail)), status=401)
    if authenticated is not None:
        _user, token = authenticated
        if token.client_id is not None:
            return JsonResponse(error_body("permission_denied", STAFF_ONLY), status=403)
        if not token.has_scope(TokenScope.ONCALL_READ):
            refused = InsufficientScope(TokenScope.ONCALL_READ)
            return JsonResponse(error_body(refused.default_code, str(refused.detail)), status=403)
        return None
    if not request.user.is_authenticated:
        return JsonResponse(
            error_body("not_authenticated", _("Authentification requise.")), status=401
        )
    if not is_staff_member(request.user):
        return JsonResponse(error_body("permission_denied", STAFF_ONLY), status=403)
    return None


@require_GET
def on_call_now(request):
    """Who is on call now, or at ``?at=`` (ISO 8601)."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    raw = request.GET.get("at")
    try:
        at = parse_instant(raw) if raw else timezone.now()
    except (ValueError, OverflowError):
        message = _("Paramètre « at » invalide : date et heure ISO 8601 attendues.")
        return JsonResponse(
            error_body("invalid", message, {"at": [f"{message} (2026-11-05T03:00:00+01:00)"]}),
            status=400,
        )
    current = on_call_at(at)
    body = {
        "at": timezone.localtime(at).isoformat(),
        "desk_open": oceanis_open(at),
        "rotation": None,
        "primary": None,
        "backup": None,
        "escalation_contact": None,
        "week": None,
        "overrides": [],
    }
    if current is not None:
        body.update(
            rotation={"id": current.rotation.pk, "name": current.rotation.name},
            primary=_person(current.primary),
            backup=_person(current.backup),
            escalation_contact=_person(current.escalation_contact),
            week={
                "index": current.week.index,
                "starts_at": current.week.starts_at.isoformat(),
                "ends_at": current.week.ends_at.isoformat(),
            },
            overrides=[
                {
                    "id": o.pk,
                    "role": o.role,
                    "technician": _person(o.technician),
                    "starts_at": timezone.localtime(o.starts_at).isoformat(),
                    "ends_at": timezone.localtime(o.ends_at).isoformat(),
                    "reason": o.reason,
                }
                for o in current.overrides
            ],
        )
    return JsonResponse(body)


class IsOceanisStaff(TokenScopeRequired):
    """A staff session, or a staff-wide API token (never a client-scoped one) holding the
    view's scope."""

    message = gettext_lazy("Action réservée aux intervenants Oceanis.")

    def has_permission(self, request, view):
        scope = scope_for(request)
        return bool(scope and scope.staff) and super().has_permission(request, view)


def _technician(value) -> Technician | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return Technician.objects.select_related("user").filter(pk=pk, user__is_active=True).first()


def page_json(page: Page) -> dict:
    return {
        "id": page.pk,
        "ticket": page.ticket.reference,
        "ticket_state": page.ticket.state,
        "state": page.state,
        "level": page.level,
        "raised_at": page.raised_at.isoformat(),
        "acknowledged_at": page.acknowledged_at.isoformat() if page.acknowledged_at else None,
        "acknowledged_by": page.acknowledged_by.get_username() if page.acknowledged_by else None,
        "ack_via": page.ack_via or None,
        "intervention_deadline": page.intervention_deadline.isoformat(),
        "intervention_met": page.intervention_met,
    }


class PageAckSerializer(StrictBodyMixin, serializers.Serializer):
    technician = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Technicien qui a répondu (une intégration agit pour lui) ; absent : l'appelant.",
    )


# What an acknowledgement answers: ``page_json`` and whether it was acknowledged before.
PAGE_ACKNOWLEDGED = inline_serializer(
    "PageAcknowledged",
    {
        "id": serializers.IntegerField(),
        "ticket": serializers.CharField(help_text="Référence de la demande."),
        "ticket_state": serializers.ChoiceField(choices=State.choices),
        "state": serializers.ChoiceField(choices=PageState.choices),
        "level": serializers.ChoiceField(choices=PageLevel.choices),
        "raised_at": serializers.DateTimeField(),
        "acknowledged_at": serializers.DateTimeField(allow_null=True),
        "acknowledged_by": serializers.CharField(allow_null=True, help_text="Identifiant."),
        "ack_via": serializers.ChoiceField(choices=AckVia.choices, allow_null=True),
        "intervention_deadline": serializers.DateTimeField(),
        "intervention_met": serializers.BooleanField(allow_null=True),
        "already_acknowledged": serializers.BooleanField(
            help_text="true : l'appel était déjà acquitté (rien n'a changé)."
        ),
    },
)


class PageAckView(APIView):
    """``POST /api/v1/oncall/pages/<id>/ack/``: acknowledge and take the ticket in charge.

    As the caller, or as ``{"technician": <id>}`` (an integration, e.g. the phone system, acting
    for the technician who answered). Idempotent (200 with ``already_acknowledged``); 409 when
    the page was cancelled, 404 when unknown, 400 for a bad technician.
    """

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsOceanisStaff]
    token_scopes = ScopeRule.only(TokenScope.ONCALL_WRITE)
    throttle_classes: list = []

    @extend_schema(
        summary="Acquitter un appel d'astreinte",
        tags=["oncall"],
        request=PageAckSerializer,
        responses={
            200: OpenApiResponse(
                PAGE_ACKNOWLEDGED,
                description="L'appel, acquitté (``already_acknowledged`` : déjà acquitté avant).",
            ),
            **errors(400, 401, 403, 404),
            409: OpenApiResponse(
                ErrorSerializer, description="page_cancelled : l'appel a été annulé."
            ),
        },
    )
    def post(self, request, pk: int):
        page = Page.objects.filter(pk=pk).first()
        if page is None:
            return error_response("not_found", _("Appel introuvable."), status.HTTP_404_NOT_FOUND)
        by = request.user
        body = PageAckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("technician") is not None:
            technician = _technician(body.validated_data["technician"])
            if technician is None:
                message = _("Technicien inconnu ou inactif.")
                return error_response(
                    "invalid", message, status.HTTP_400_BAD_REQUEST, {"technician": [message]}
                )
            by = technician.user
        try:
            result = page_acknowledge(page=page, by=by, via=AckVia.API)
        except PageAckError as exc:
            return error_response("page_cancelled", str(exc), status.HTTP_409_CONFLICT)
        page = Page.objects.select_related("ticket", "acknowledged_by").get(pk=pk)
        return Response({**page_json(page), "already_acknowledged": not result.acknowledged_now})
