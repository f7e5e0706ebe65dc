"""The project list's GET filters (django-filter): an invalid value is reported on the page and
ignored, the valid ones still apply."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import ACTIVE_STATES, Kind, Project, State

OPEN = "open"
ALL = "all"
# What "En cours" lists: everything not closed nor cancelled (a project in production included).
OPEN_STATES = [*ACTIVE_STATES, State.ON_HOLD, State.IN_PRODUCTION]


class CheckboxFilter(django_filters.Filter):
    """Checked (any value, the form sends ``1``) or absent."""

    field_class = forms.BooleanField


class ProjectFilter(django_filters.FilterSet):
    """Without a state, the projects in progress; ``mine`` needs the request (its user)."""

    state = django_filters.ChoiceFilter(
        label=_("État"),
        choices=[
            (OPEN, _("En cours (hors clôturés et annulés)")),
            (ALL, _("Tous")),
            *State.choices,
        ],
        method="filter_state",
    )
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=Kind.choices)
    mine = CheckboxFilter(label=_("Mes projets"), method="filter_mine")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_state(self, queryset: QuerySet[Project], name: str, value: str):
        return queryset  # applied in filter_queryset, with its default

    def filter_mine(self, queryset: QuerySet[Project], name: str, value: bool):
        return queryset.filter(project_manager=self.request.user) if value else queryset

    def filter_queryset(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        state = self.form.cleaned_data.get("state") or OPEN
        if state == OPEN:
            queryset = queryset.filter(state__in=OPEN_STATES)
        elif state != ALL:
            queryset = queryset.filter(state=state)
        return super().filter_queryset(queryset)
