"""The pages list's GET filter (django-filter): ``outcome``, the 1-hour commitment met, missed
or still open. An invalid value is reported on the page and ignored."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Page

# outcome → the stored verdict (None: no verdict yet)
OUTCOMES = {"met": True, "missed": False, "pending": None}


class PageFilter(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(
        label=_("Engagement"),
        choices=[("met", _("Tenus")), ("missed", _("Manqués")), ("pending", _("En cours"))],
        method="filter_outcome",
    )

    class Meta:
        model = Page
        fields: list[str] = []

    def filter_outcome(self, queryset: QuerySet[Page], name: str, value: str):
        verdict = OUTCOMES[value]
        if verdict is None:
            return queryset.filter(intervention_met__isnull=True)
        return queryset.filter(intervention_met=verdict)
