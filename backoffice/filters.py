"""The queues' GET filters (django-filter): an invalid value is reported on the form and ignored,
the valid ones still apply."""

from __future__ import annotations

from functools import cache

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from tickets.models import CLOCK_STOPPED, DEADLINE_ORDER, URGENCY_ORDER, State
from tickets.selectors import ACTIVE_STATES, at_risk_q, awaiting_answer_q, breached_q

from .forms import URGENCY_CHOICES

# The sort keys are defined with the ticket model, whose queue indexes are built on them (the
# database reads a page in order from the index, issue 23). Tickets whose GTI clock still runs
# come first (CLOCK_STOPPED): for the others the deadline is history. The deadline key is
# DEADLINE_ORDER, never NULL, so tickets without GTI (last) are reached by the page links too.
SORTS = {
    "deadline": ("clock_stopped", "deadline_order", "created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "urgency": ("-urgency_order", "deadline_order", "pk"),
}
SORT_CHOICES = [
    ("deadline", _("Échéance GTI")),
    ("-created", _("Plus récentes")),
    ("created", _("Plus anciennes")),
    ("urgency", _("Urgence")),
]


class CheckboxFilter(django_filters.Filter):
    """Checked (``on``) or absent."""

    field_class = forms.BooleanField


class QueueFilter(django_filters.FilterSet):
    """``assignee`` is "me", "none" or a technician id; without a state, the queue's ``states``;
    without a sort, the GTI deadline."""

    state = django_filters.ChoiceFilter(
        label=_("État"), choices=State.choices, empty_label=_("En cours")
    )
    client = django_filters.ModelChoiceFilter(
        label=_("Client"), queryset=Client.objects.only("pk", "name"), empty_label=_("Tous")
    )
    urgency = django_filters.ChoiceFilter(
        label=_("Urgence"), choices=URGENCY_CHOICES, empty_label=_("Toutes")
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Technicien"), choices=(), empty_label=_("Tous"), method="filter_assignee"
    )
    sla = django_filters.ChoiceFilter(
        label=_("GTI"),
        choices=[("at_risk", _("À risque")), ("breached", _("Dépassées"))],
        empty_label=_("Toutes"),
        method="filter_sla",
    )
    # The client spoke after our last public answer (tickets.selectors.awaiting_answer_q).
    awaiting = CheckboxFilter(label=_("En attente de notre réponse"), method="filter_awaiting")
    sort = django_filters.ChoiceFilter(
        label=_("Tri"), choices=SORT_CHOICES, empty_label=None, method="sorted_last"
    )

    def __init__(self, data, queryset, *, technicians, me, now, states=ACTIVE_STATES):
        super().__init__(data, queryset)
        self.me, self.now, self.states = me, now, states
        self.form.fields["assignee"].choices = [
            ("me", _("Moi")),
            ("none", _("Non affectées")),
        ] + [(str(t.pk), str(t)) for t in technicians]
        # The client select from bare (id, name) pairs: a model instance per client costs more
        # than the queue's rows (issue 23). A callable, read only if the form is shown (a live
        # refresh shows only the rows); a chosen client is still validated by the queryset.
        # Django's own setter: django-filter's would wrap the pairs in its model iterator.
        client = self.form.fields["client"]
        empty = [("", client.empty_label or "")]
        choices = cache(lambda: [*empty, *Client.objects.values_list("pk", "name")])
        forms.ChoiceField.choices.__set__(client, choices)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.me) if self.me else queryset.none()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)

    def filter_sla(self, queryset, name, value):
        return queryset.filter(at_risk_q(self.now) if value == "at_risk" else breached_q(self.now))

    def filter_awaiting(self, queryset, name, value):
        return queryset.filter(awaiting_answer_q()) if value else queryset

    def sorted_last(self, queryset, name, value):
        return queryset  # ordering comes last, with its default: see filter_queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        if not data.get("state"):
            queryset = queryset.filter(state__in=self.states)
        queryset = super().filter_queryset(queryset)
        sort = data.get("sort") or "deadline"
        if sort == "urgency":
            queryset = queryset.annotate(urgency_order=URGENCY_ORDER, deadline_order=DEADLINE_ORDER)
        elif sort == "deadline":
            queryset = queryset.annotate(clock_stopped=CLOCK_STOPPED, deadline_order=DEADLINE_ORDER)
        return queryset.order_by(*SORTS[sort])
