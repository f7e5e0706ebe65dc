"""Ticket endpoints: thin adapters from HTTP to ``tickets.services`` and ``tickets.selectors``."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tickets import services
from tickets.models import Channel, Ticket, TicketEvent
from tickets.selectors import ticket_gti_status

from ..auth import HasScope, IsStaffScope, scope_for
from ..errors import StaleVersion
from ..filters import ListFilterBackend, TicketFilter
from ..pagination import TicketCursorPagination, TimelineCursorPagination
from ..scopes import ScopeRule, TokenScope
from ..serializers import (
    AssignSerializer,
    CloseSerializer,
    EscalateSerializer,
    GtiStatusSerializer,
    NoteSerializer,
    PendingSerializer,
    ReasonSerializer,
    ResolveSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    TimelineCreateSerializer,
    TimelineEntrySerializer,
)
from .schema import TICKET_EXAMPLE, errors

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        "ETag lu précédemment : refuse (409 stale_version) si la demande a changé."
    ),
)


def ticket_etag(ticket: Ticket) -> str:
    """Strong validator: changes whenever a service saves the ticket (updated_at is auto_now)."""
    digest = hashlib.sha256(f"{ticket.pk}:{ticket.updated_at.isoformat()}".encode()).hexdigest()
    return f'"{digest[:20]}"'


def _action_schema(request_serializer, summary: str, staff_only: bool = True):
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: TicketSerializer, **errors(400, 401, 403, 404, 409, 429)},
        parameters=[IF_MATCH],
        description=_("Réservé aux jetons Oceanis.") if staff_only else "",
    )


@extend_schema_view(
    list=extend_schema(
        summary="Lister les demandes",
        responses={200: TicketSerializer(many=True), **errors(400, 401, 403, 429)},
        examples=[TICKET_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="Lire une demande (en-tête ETag)",
        responses={200: TicketSerializer, **errors(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Créer une demande",
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, **errors(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Appel téléphonique",
                request_only=True,
                value={
                    "client": "acme",
                    "title": "Serveur de fichiers injoignable",
                    "urgency": "very_blocking",
                    "kind": "incident",
                    "channel": "phone",
                },
            ),
            TICKET_EXAMPLE,
        ],
    ),
    partial_update=extend_schema(
        summary="Requalifier une demande",
        request=TicketUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **errors(400, 401, 403, 404, 409, 429)},
        examples=[
            OpenApiExample(
                "Requalification",
                request_only=True,
                value={"urgency": "critical", "technical_domain": "network"},
            )
        ],
    ),
)
class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets visible to the caller: all for Oceanis, one client's for a client token."""

    serializer_class = TicketSerializer
    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z]+-\d{4}-\d+"
    pagination_class = TicketCursorPagination
    filter_backends = [ListFilterBackend]
    filterset_class = TicketFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    token_scopes = ScopeRule(
        read=TokenScope.TICKETS_READ,
        write=TokenScope.TICKETS_WRITE,  # create, requalify, timeline entries
        actions={
            TokenScope.TICKETS_WORKFLOW: "take assign pending resume resolve close reopen cancel "
            "escalate",
        },
    )
    staff_actions = {
        "partial_update",
        "take",
        "assign",
        "pending",
        "resume",
        "resolve",
        "close",
        "cancel",
        "escalate",
    }

    def get_permissions(self):
        if self.action in self.staff_actions:
            return [IsStaffScope()]
        return [HasScope()]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": scope_for(self.request)}

    def get_queryset(self):
        scope = scope_for(self.request)
        rows = Ticket.objects.select_related("client", "assignee__user")
        if scope is None:
            return rows.none()
        if not scope.staff:
            rows = rows.filter(client_id=scope.client_id)
            if scope.site_id is not None:
                rows = rows.filter(site_id=scope.site_id)
        return rows

    def _respond(self, ticket: Ticket, code=status.HTTP_200_OK, *, fresh=False) -> Response:
        if not fresh:  # services may have saved a locked copy: read back what was committed
            ticket = self.get_queryset().get(pk=ticket.pk)
        response = Response(TicketSerializer(ticket).data, status=code)
        response["ETag"] = ticket_etag(ticket)
        return response

    def _guarded(self, ticket: Ticket, change) -> Response:
        """Run ``change`` in one transaction, after checking If-Match under the row lock."""
        expected = self.request.headers.get("If-Match")
        with transaction.atomic():
            if expected:
                locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
                tags = {tag.strip() for tag in expected.split(",")}
                if "*" not in tags and ticket_etag(locked) not in tags:
                    raise StaleVersion()
            change()
        return self._respond(ticket)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), fresh=True)

    def create(self, request, *args, **kwargs):
        serializer = TicketCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_create(by=request.user, **serializer.validated_data)
        # Just inserted and committed; ticket_assign refreshes this instance after its commit.
        response = self._respond(ticket, status.HTTP_201_CREATED, fresh=True)
        response["Location"] = request.build_absolute_uri(f"{ticket.reference}/")
        return response

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        serializer = TicketUpdateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        note = values.pop("note", "")
        urgency = values.pop("urgency", None)

        def change():
            if urgency is not None:
                services.ticket_change_urgency(ticket=ticket, by=request.user, urgency=urgency)
            if values:
                services.ticket_requalify(ticket=ticket, by=request.user, values=values, note=note)

        return self._guarded(ticket, change)

    def update(self, request, *args, **kwargs):  # PUT is not offered: qualification is partial
        raise exceptions.MethodNotAllowed(request.method)

    # --- workflow actions ----------------------------------------------------------------------

    def _run(self, serializer_class, call):
        ticket = self.get_object()
        data = {}
        if serializer_class is not None:
            serializer = serializer_class(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        return self._guarded(ticket, lambda: call(ticket, self.request.user, data))

    @_action_schema(None, "Prendre en charge")
    @action(detail=True, methods=["post"])
    def take(self, request, reference=None):
        return self._run(None, lambda t, by, d: services.ticket_take_in_charge(ticket=t, by=by))

    @_action_schema(AssignSerializer, "Affecter à un technicien")
    @action(detail=True, methods=["post"])
    def assign(self, request, reference=None):
        return self._run(
            AssignSerializer,
            lambda t, by, d: services.ticket_assign(
                ticket=t, by=by, technician=d["technician"], note=d["note"]
            ),
        )

    @_action_schema(PendingSerializer, "Mettre en attente")
    @action(detail=True, methods=["post"])
    def pending(self, request, reference=None):
        return self._run(
            PendingSerializer,
            lambda t, by, d: services.ticket_set_pending(
                ticket=t, by=by, reason=d["reason"], on=d["on"]
            ),
        )

    @_action_schema(NoteSerializer, "Reprendre après une attente")
    @action(detail=True, methods=["post"])
    def resume(self, request, reference=None):
        return self._run(
            NoteSerializer,
            lambda t, by, d: services.ticket_resume(ticket=t, by=by, note=d["note"]),
        )

    @_action_schema(ResolveSerializer, "Résoudre")
    @action(detail=True, methods=["post"])
    def resolve(self, request, reference=None):
        return self._run(
            ResolveSerializer,
            lambda t, by, d: services.ticket_resolve(
                ticket=t, by=by, note=d["note"], minutes_spent=d["minutes_spent"]
            ),
        )

    @_action_schema(CloseSerializer, "Clôturer (commentaire de synthèse obligatoire)")
    @action(detail=True, methods=["post"])
    def close(self, request, reference=None):
        return self._run(
            CloseSerializer,
            lambda t, by, d: services.ticket_close(
                ticket=t, by=by, synthesis=d["synthesis"], qualification=d.get("qualification")
            ),
        )

    @_action_schema(ReasonSerializer, "Rouvrir une demande résolue", staff_only=False)
    @action(detail=True, methods=["post"])
    def reopen(self, request, reference=None):
        return self._run(
            ReasonSerializer,
            lambda t, by, d: services.ticket_reopen(ticket=t, by=by, reason=d["reason"]),
        )

    @_action_schema(ReasonSerializer, "Annuler (jamais prise en charge)")
    @action(detail=True, methods=["post"])
    def cancel(self, request, reference=None):
        return self._run(
            ReasonSerializer,
            lambda t, by, d: services.ticket_cancel(ticket=t, by=by, reason=d["reason"]),
        )

    @_action_schema(EscalateSerializer, "Escalader (N1 → N2 → N3)")
    @action(detail=True, methods=["post"])
    def escalate(self, request, reference=None):
        return self._run(
            EscalateSerializer,
            lambda t, by, d: services.ticket_escalate(
                ticket=t, by=by, reason=d["reason"], level=d["level"]
            ),
        )

    # --- timeline and SLA ------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="Historique (fil) de la demande",
        responses={200: TimelineEntrySerializer(many=True), **errors(400, 401, 403, 404, 429)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Ajouter un compte-rendu ou une note interne",
        description=(
            "Pour un client, c'est une réponse : elle relance une demande en attente du client, "
            "rouvre une demande résolue (dans le délai de réouverture) ; sur une demande "
            "clôturée, elle ouvre une nouvelle demande, suite de celle-ci, dont l'adresse est "
            "dans l'en-tête Location (l'entrée renvoyée est sa création)."
        ),
        request=TimelineCreateSerializer,
        responses={201: TimelineEntrySerializer, **errors(400, 401, 403, 404, 409, 429)},
        examples=[
            OpenApiExample(
                "Compte-rendu",
                request_only=True,
                value={"body": "Redémarrage du service effectué.", "public": True},
            )
        ],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=TimelineCursorPagination)
    def timeline(self, request, reference=None):
        ticket = self.get_object()
        scope = scope_for(request)
        context = self.get_serializer_context()
        if request.method == "POST":
            serializer = TimelineCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            if not data["public"] and not scope.sees_internal:
                raise exceptions.PermissionDenied(
                    _("Un client ne peut pas écrire de note interne.")
                )
            if scope.sees_internal:
                event = services.ticket_add_entry(ticket=ticket, by=request.user, **data)
                return Response(
                    TimelineEntrySerializer(event, context=context).data,
                    status=status.HTTP_201_CREATED,
                )
            # A client's entry is a client reply: it resumes, reopens or opens a follow-up,
            # whose address is given in Location (the entry returned is its creation).
            reply = services.ticket_client_reply(
                ticket=ticket,
                by=request.user,
                body=data["body"],
                via=Channel.API,
                contact=getattr(request.user, "contact", None),
            )
            headers = {}
            if reply.ticket.pk != ticket.pk:
                headers["Location"] = reverse(
                    "api:ticket-detail", kwargs={"reference": reply.ticket.reference}
                )
            return Response(
                TimelineEntrySerializer(reply.event, context=context).data,
                status=status.HTTP_201_CREATED,
                headers=headers,
            )
        events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
        if not scope.sees_internal:
            events = events.filter(public=True)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(
            TimelineEntrySerializer(page, many=True, context=context).data
        )

    @extend_schema(
        summary="Statut GTI en direct",
        responses={200: GtiStatusSerializer, **errors(401, 403, 404, 429)},
    )
    @action(detail=True, methods=["get"])
    def sla(self, request, reference=None):
        ticket = self.get_object()
        data = GtiStatusSerializer.from_status(ticket, ticket_gti_status(ticket))
        return Response(GtiStatusSerializer(data).data)
