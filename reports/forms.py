"""Filters and actions of the report pages; every bad value becomes a form error."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from tickets.models import Ticket

from .periods import Period

MAX_DAYS = 3 * 366
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_month(value: str) -> Period:
    match = MONTH_RE.match(value or "")
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise forms.ValidationError(_("Mois invalide : utilisez le format AAAA-MM."))
    return Period.month(int(match[1]), int(match[2]))


class PeriodForm(forms.Form):
    """A whole month (``month=YYYY-MM``) or any range (``start``/``end``); default: last month."""

    month = forms.CharField(
        label=_("Mois"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    start = forms.DateField(
        label=_("Du"), required=False, input_formats=DATE_FORMATS, widget=_date_widget()
    )
    end = forms.DateField(
        label=_("Au"), required=False, input_formats=DATE_FORMATS, widget=_date_widget()
    )

    def clean_month(self):
        value = self.cleaned_data.get("month", "").strip()
        return parse_month(value) if value else None

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Indiquez le début et la fin de la période."))
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La fin de la période précède son début."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Période limitée à trois ans."))
            data["period"] = Period(start, end)
        else:
            data["period"] = data.get("month") or Period.previous_month()
        return data

    def period(self) -> Period:
        return self.cleaned_data["period"]


class ReportFilterForm(PeriodForm):
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.order_by("name"),
        required=False,
        empty_label=_("Tout le centre"),
    )
    field_order = ["client", "month", "start", "end"]


class BillingFilterForm(PeriodForm):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.order_by("name"))
    field_order = ["client", "month", "start", "end"]


class BillingOverrideForm(forms.Form):
    BILLABLE_CHOICES = [("", _("Inchangé")), ("yes", _("Facturable")), ("no", _("Non facturable"))]

    # Rendered by the template as a list of the export's tickets (never all tickets).
    ticket = forms.ModelChoiceField(
        label=_("Demande"), queryset=Ticket.objects.all(), widget=forms.HiddenInput
    )
    billable = forms.ChoiceField(label=_("Facturable"), choices=BILLABLE_CHOICES, required=False)
    rate = forms.DecimalField(
        label=_("Taux horaire (€ HT)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
    )
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        data["billable"] = {"yes": True, "no": False}.get(data.get("billable") or "")
        if not self.errors and data["billable"] is None and data.get("rate") is None:
            raise forms.ValidationError(_("Indiquez le caractère facturable ou un taux horaire."))
        return data


class GenerateReportForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.filter(is_active=True).order_by("name")
    )
    month = forms.CharField(label=_("Mois"), widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> Period:
        return parse_month(self.cleaned_data["month"].strip())
