"""The call log's filters: one client (by code), one ticket (by reference)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from clients.models import Client


class CallLogFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(
        label=_("Client"),
        queryset=Client.objects.only("pk", "name", "code"),
        to_field_name="code",
        empty_label=_("Tous"),
    )
    ticket = django_filters.CharFilter(
        label=_("Demande"), field_name="ticket__reference", lookup_expr="iexact"
    )
