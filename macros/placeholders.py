"""The placeholders of a macro's text, filled from the ticket and the writer.

A plain ``{name}`` substitution over a closed list (never ``str.format``: a macro's text is
typed by users, and format fields reach attributes). Unknown names are refused when the macro
is saved, so an inserted text never shows a raw placeholder."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATTERN = re.compile(r"\{([a-z_]+)\}")

PLACEHOLDERS = {
    "prenom_contact": _("prénom du contact de la demande"),
    "contact": _("nom complet du contact"),
    "reference": _("référence de la demande (OC-…)"),
    "titre": _("objet de la demande"),
    "client": _("nom du client"),
    "technicien": _("votre nom (qui écrit)"),
    "technicien_affecte": _("technicien affecté à la demande"),
    "echeance_gti": _("échéance GTI, heure de Paris"),
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PATTERN.findall(text or "") if name not in PLACEHOLDERS})


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def values_for(ticket, writer) -> dict[str, str]:
    contact = ticket.contact
    deadline = ""
    if ticket.gti_deadline:
        deadline = timezone.localtime(ticket.gti_deadline).strftime("%d/%m/%Y %H:%M")
    assignee = ticket.assignee
    return {
        "prenom_contact": contact.first_name if contact else "",
        "contact": str(contact) if contact else "",
        "reference": ticket.reference,
        "titre": ticket.title,
        "client": ticket.client.name,
        "technicien": _name(writer),
        "technicien_affecte": _name(assignee.user) if assignee else "",
        "echeance_gti": deadline,
    }


def fill(text: str, values: dict[str, str]) -> str:
    return PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")
