"""``/api/v1/me/notifications/``: the caller's own notices, for a staff session or a token
acting as a staff user with the ``notifications:read`` scope. Client contacts, client tokens and
service accounts get 403."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import TokenScopeRequired, scope_for
from api.pagination import IdCursorPagination
from api.scopes import ScopeRule, TokenScope
from api.views.schema import errors

from . import selectors, services, wording
from .models import Notice, NoticeKind


class IsStaffUser(TokenScopeRequired):
    """A staff person acting as themselves (session, or a staff-wide token issued to them)."""

    message = _("Seuls les intervenants Oceanis ont des notifications.")

    def has_permission(self, request, view):
        scope = scope_for(request)
        user = request.user
        return bool(
            scope is not None and scope.staff and user and user.is_authenticated and user.is_staff
        ) and super().has_permission(request, view)


class NoticeSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    ticket = serializers.SerializerMethodField(help_text="Référence de la demande, ou null.")
    unread = serializers.BooleanField(read_only=True)
    title = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="Page du back-office (chemin absolu).")

    class Meta:
        model = Notice
        fields = ["id", "kind", "ticket", "title", "text", "url", "created_at", "read_at", "unread"]

    def get_ticket(self, notice) -> str | None:
        return notice.ticket.reference if notice.ticket_id else None

    def get_title(self, notice) -> str:
        return wording.title(notice)

    def get_text(self, notice) -> str:
        return wording.text(notice)

    def get_url(self, notice) -> str:
        return notice.url


# Marking one's own notices read is part of reading them.
NOTIFICATIONS = ScopeRule.only(TokenScope.NOTIFICATIONS_READ)


class NoticeCursorPagination(IdCursorPagination):
    ordering = ("-created_at", "-id")


UNREAD = OpenApiParameter("unread", bool, description="`true` : seulement les non lues")
# An APIView: drf-spectacular documents its pagination only when told (page and parameters).
NOTICE_PAGE = inline_serializer(
    "PaginatedNoticeList",
    {
        "next": serializers.URLField(allow_null=True, help_text="Page suivante, ou null."),
        "previous": serializers.URLField(allow_null=True, help_text="Page précédente, ou null."),
        "results": NoticeSerializer(many=True),
    },
)
PAGE_PARAMETERS = [
    OpenApiParameter(parameter["name"], parameter["schema"], description=parameter["description"])
    for parameter in NoticeCursorPagination().get_schema_operation_parameters(view=None)
]


class MyNotificationsView(APIView):
    permission_classes = [IsStaffUser]
    token_scopes = NOTIFICATIONS

    @extend_schema(
        summary="Mes notifications",
        tags=["notifications"],
        parameters=[UNREAD, *PAGE_PARAMETERS],
        responses={200: NOTICE_PAGE, **errors(400, 401, 403, 429)},
    )
    def get(self, request):
        unread = request.query_params.get("unread", "").lower()
        if unread not in ("", "true", "false", "1", "0"):
            raise serializers.ValidationError({"unread": [_("Valeur attendue : true ou false.")]})
        rows = selectors.notices_of(request.user, unread=unread in ("true", "1"))
        paginator = NoticeCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(NoticeSerializer(page, many=True).data)


class MyNotificationReadView(APIView):
    permission_classes = [IsStaffUser]
    token_scopes = NOTIFICATIONS

    @extend_schema(
        summary="Marquer une notification comme lue",
        tags=["notifications"],
        request=None,
        responses={200: NoticeSerializer, **errors(401, 403, 404, 429)},
    )
    def post(self, request, pk: int):
        notice = selectors.notice_of(request.user, pk)
        if notice is None:
            raise NotFound()
        services.notice_mark_read(notice=notice)
        return Response(NoticeSerializer(notice).data)


class MyNotificationsReadAllView(APIView):
    permission_classes = [IsStaffUser]
    token_scopes = NOTIFICATIONS

    @extend_schema(
        summary="Marquer toutes mes notifications comme lues",
        tags=["notifications"],
        request=None,
        responses={
            200: inline_serializer("NoticesReadAll", {"marked": serializers.IntegerField()}),
            **errors(401, 403, 429),
        },
    )
    def post(self, request):
        return Response({"marked": services.notices_mark_all_read(user=request.user)})
