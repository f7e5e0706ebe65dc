"""Query-string filters of the API's list endpoints (django-filter).

An invalid value answers 400 in the common error shape, naming the parameter; drf-spectacular
documents the parameters from these classes.
"""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import BooleanFilter, DjangoFilterBackend
from django_filters.widgets import BaseCSVWidget, BooleanWidget
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import extend_schema_field

from sla.policy import Urgency
from tickets.models import State, Ticket


class ListFilterBackend(DjangoFilterBackend):
    """Filters apply to the list action only: a detail or action URL ignores them, as before
    (``get_object`` goes through the filter backends too)."""

    def get_filterset_class(self, view, queryset=None):
        if getattr(view, "action", None) != "list":
            return None
        return super().get_filterset_class(view, queryset)


class ListFilterExtension(DjangoFilterExtension):
    """The parameters as the filters read them: an empty value (``?state=``) is no filter."""

    target_class = "api.filters.ListFilterBackend"
    priority = 1  # before drf-spectacular's own extension, which matches subclasses too

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        return [{**parameter, "allowEmptyValue": True} for parameter in parameters]


class CommaListWidget(BaseCSVWidget, forms.TextInput):
    """``a, b,,c`` reads as ``[a, b, c]``: spaces around items and empty items are dropped."""

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name)
        return None if values is None else [v.strip() for v in values if v.strip()]


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Comma-separated choices, any of which matches."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", CommaListWidget)
        super().__init__(*args, **kwargs)


LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}):60")


class AwareDateTimeField(forms.DateTimeField):
    """ISO 8601 with an offset, read in UTC: PostgreSQL refuses offsets beyond ±15:59 that
    ISO 8601 allows, and a naive time would be ambiguous for an integration."""

    default_error_messages = {"invalid": _("Date ISO 8601 avec fuseau attendue.")}

    def to_python(self, value):
        if isinstance(value, str):
            # RFC 3339 (the schema's date-time) also allows a lower-case t and z, and a leap
            # second, which Python cannot represent: read as the second before.
            value = LEAP_SECOND.sub(r"\1:59", value.strip().upper())
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(value)
            if parsed is not None and parsed.tzinfo is not None:
                return parsed.astimezone(datetime.UTC)
        except (ValueError, OverflowError):
            pass
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``, any case); anything else is an error, where Django's
    field would read it as "no value" and the caller would never hear of the mistake."""

    default_error_messages = {"invalid": _("Valeur attendue : true ou false.")}

    def to_python(self, value):
        if value in (True, False):
            return value
        if value in self.empty_values:
            return None
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class StrictBooleanWidget(BooleanWidget):
    """Hands an unknown value on to the field (django-filter's widget turns it into None)."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        return raw if value is None and raw not in (None, "") else value


class StrictBooleanFilter(BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", StrictBooleanWidget)
        super().__init__(*args, **kwargs)


class AwareDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareDateTimeField


class IdFilter(django_filters.NumberFilter):
    """A non-negative integer id (NumberFilter alone would take decimals)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, **kwargs)


class TicketFilter(django_filters.FilterSet):
    state = ChoiceInFilter(
        choices=State.choices, help_text=_("États séparés par des virgules (l'un d'eux)")
    )
    client = django_filters.CharFilter(field_name="client__code", help_text=_("Code client"))
    urgency = ChoiceInFilter(
        choices=Urgency.choices, help_text=_("Urgences séparées par des virgules (l'une d'elles)")
    )
    # A schema with its description: drf-spectacular takes no help_text beside an override.
    assignee = extend_schema_field(
        {"type": "integer", "minimum": 0, "description": _("Identifiant du technicien")}
    )(IdFilter(field_name="assignee_id"))
    updated_since = AwareDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Modifiées depuis cet instant (ISO 8601 avec fuseau)"),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []


class ClientCodeFilter(django_filters.FilterSet):
    """Reference data of one client, by its code (an unknown code lists nothing)."""

    client = django_filters.CharFilter(field_name="client__code", help_text=_("Code client"))
