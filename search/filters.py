"""The search page's filters (django-filter): type, client, state, nature, creation dates. An
invalid value is reported on the form and ignored, the valid ones still apply."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from tickets.models import Kind, State

from .models import DocType, SearchDocument


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DocumentFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(
        field_name="doc_type", label=_("Type"), choices=DocType.choices, empty_label=_("Tous")
    )
    client = django_filters.ModelChoiceFilter(
        label=_("Client"), queryset=Client.objects.only("pk", "name"), empty_label=_("Tous")
    )
    state = django_filters.ChoiceFilter(
        label=_("État (demandes)"), choices=State.choices, empty_label=_("Tous")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Nature"), choices=Kind.choices, empty_label=_("Toutes")
    )
    since = django_filters.DateFilter(
        label=_("Créé depuis le"),
        method="filter_since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("Créé jusqu'au"),
        method="filter_until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = SearchDocument
        fields: list[str] = []

    def filter_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(created_at__lt=_local_midnight(value + dt.timedelta(days=1)))


def filtered(params, queryset=None) -> tuple[DocumentFilter, object]:
    """The filter form and the narrowed documents (invalid fields dropped, others applied)."""
    documents = SearchDocument.objects.all() if queryset is None else queryset
    filterset = DocumentFilter(params, queryset=documents)
    if not filterset.is_bound or filterset.form.is_valid():
        return filterset, filterset.qs
    valid = params.copy()
    for name in filterset.form.errors:
        valid.pop(name, None)
    return filterset, DocumentFilter(valid, queryset=documents).qs
