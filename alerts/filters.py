"""The event console's GET filters (django-filter): an invalid value is reported and ignored."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import Client

from .models import Severity
from .selectors import ConsoleState, state_q

STATE_CHOICES = [
    (ConsoleState.FIRING, _("Actifs, non pris en compte")),
    (ConsoleState.ACKNOWLEDGED, _("Pris en compte")),
    (ConsoleState.SILENCED, _("En sourdine")),
    (ConsoleState.RESOLVED, _("Rétablis")),
]


class EventFilter(django_filters.FilterSet):
    """Without a state, the open events (firing, acknowledged and silenced)."""

    state = django_filters.ChoiceFilter(
        label=_("État"), choices=STATE_CHOICES, empty_label=_("Ouverts"), method="filter_state"
    )
    client = django_filters.ModelChoiceFilter(
        label=_("Client"), queryset=Client.objects.only("pk", "name"), empty_label=_("Tous")
    )
    severity = django_filters.ChoiceFilter(
        label=_("Sévérité"), choices=Severity.choices, empty_label=_("Toutes")
    )
    host = django_filters.CharFilter(label=_("Hôte"), lookup_expr="icontains")
    q = django_filters.CharFilter(label=_("Texte"), method="filter_text")

    def __init__(self, data, queryset, *, now):
        super().__init__(data, queryset)
        self.now = now

    def filter_state(self, queryset, name, value):
        return queryset.filter(state_q(value, self.now))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(summary__icontains=value)
            | Q(service__icontains=value)
            | Q(host__icontains=value)
            | Q(fingerprint__icontains=value)
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(resolved_at__isnull=True)
        return super().filter_queryset(queryset)
