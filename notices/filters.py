"""The notices list's filter (the page and ``GET /api/v1/me/notifications/``): ``unread``."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from api.filters import StrictBooleanFilter

from .models import Notice


class NoticeFilter(django_filters.FilterSet):
    # ``false`` lists everything, as no filter does: there is no "read only" list.
    unread = StrictBooleanFilter(
        label=_("Non lues"),
        method="filter_unread",
        help_text=_("`true` : seulement les non lues"),
    )

    class Meta:
        model = Notice
        fields: list[str] = []

    def filter_unread(self, queryset: QuerySet[Notice], name: str, value: bool):
        return queryset.filter(read_at__isnull=True) if value else queryset
