"""Form input that names tickets by reference, for every screen that links tickets to a record."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Ticket


def tickets_from_references(raw: str) -> list[Ticket]:
    """Tickets named by their references (separated by spaces, commas or new lines)."""
    references = [r.upper() for r in re.split(r"[\s,;]+", raw or "") if r]
    if not references:
        return []
    found = {t.reference: t for t in Ticket.objects.filter(reference__in=references)}
    missing = [r for r in references if r not in found]
    if missing:
        raise forms.ValidationError(
            _("Demande introuvable : %(refs)s") % {"refs": ", ".join(missing)}
        )
    return [found[r] for r in dict.fromkeys(references)]


class TicketReferencesField(forms.CharField):
    """Ticket references separated by spaces or commas, cleaned into Ticket objects."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Demandes liées (références)"))
        kwargs.setdefault("help_text", _("Ex. : OC-2026-000123 OC-2026-000124"))
        super().__init__(**kwargs)

    def clean(self, value):
        return tickets_from_references(super().clean(value))

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return " ".join(getattr(t, "reference", str(t)) for t in value)
        return value
