"""What a communication says and who receives it.

Message templates are French text templates under ``templates/incidents/messages/``; staff load
one into the publish form, edit it, then publish. Recipients are the active contacts (with an
address) of every affected client plus the addresses the client declared for information mails —
never anybody from a client that is not affected.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Contact, split_emails

from .models import MajorIncident, MessageKind

SUBJECT_PREFIX = "[Oceanis]"


def default_subject(incident: MajorIncident, kind: str) -> str:
    """The suggested subject line of a communication of this kind."""
    label = {
        MessageKind.INITIAL: _("Incident en cours"),
        MessageKind.UPDATE: _("Point de situation"),
        MessageKind.RESOLUTION: _("Incident résolu"),
    }[MessageKind(kind)]
    return f"{SUBJECT_PREFIX} {label} : {incident.title}"


def render_template_body(incident: MajorIncident, kind: str, *, next_update_at=None) -> str:
    """The French template of a communication, filled with the incident's facts."""
    kind = MessageKind(kind)
    return render_to_string(
        f"incidents/messages/{kind.value}.txt",
        {
            "incident": incident,
            "services": incident.service_list(),
            "started_at": timezone.localtime(incident.started_at),
            "next_update_at": timezone.localtime(next_update_at) if next_update_at else None,
            "now": timezone.localtime(),
        },
    ).strip()


@dataclass(frozen=True)
class Recipient:
    email: str  # lower-case
    client_id: int
    contact_id: int | None


def message_recipients(clients: list[Client]) -> list[Recipient]:
    """Every address to inform for these clients, each once (two queries at most).

    Active contacts with an email come first, then the client's declared information addresses.
    Inactive clients receive nothing.
    """
    active = [c for c in clients if c.is_active]
    seen: dict[str, Recipient] = {}
    contacts = (
        Contact.objects.filter(client__in=active, is_active=True)
        .exclude(email="")
        .order_by("client_id", "pk")
        .values_list("pk", "client_id", "email")
    )
    for contact_id, client_id, email in contacts:
        address = email.strip().lower()
        seen.setdefault(address, Recipient(address, client_id, contact_id))
    for client in active:
        for address in split_emails(client.notification_recipients or ""):
            address = address.lower()
            if "@" in address:
                seen.setdefault(address, Recipient(address, client.pk, None))
    return list(seen.values())
