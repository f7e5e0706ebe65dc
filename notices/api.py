"""``/api/v1/me/notifications/``: the caller's own notices, for a staff session or a token
acting as a staff user with the ``notifications:read`` scope. Client contacts, client tokens and
service accounts get 403."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import TokenScopeRequired, scope_for
from api.pagination import IdCursorPagination
from api.scopes import ScopeRule, TokenScope
from api.views.schema import errors

from . import selectors, services, wording
from .filters import NoticeFilter
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


class MyNotificationsView(ListAPIView):
    permission_classes = [IsStaffUser]
    token_scopes = NOTIFICATIONS
    serializer_class = NoticeSerializer
    pagination_class = NoticeCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = NoticeFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is built without a caller
            return Notice.objects.none()
        return selectors.notices_of(self.request.user)

    @extend_schema(
        summary="Mes notifications",
        tags=["notifications"],
        responses={200: NoticeSerializer(many=True), **errors(400, 401, 403, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


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
