"""Reading a user's notices: always scoped to the recipient."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notice


def notices_of(user, *, unread: bool = False) -> QuerySet[Notice]:
    rows = Notice.objects.filter(recipient=user).select_related("ticket")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def unread_count(user) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_of(user, pk) -> Notice | None:
    """The user's notice, or None (another user's id is "not found", never "forbidden")."""
    return Notice.objects.filter(recipient=user, pk=pk).first()
