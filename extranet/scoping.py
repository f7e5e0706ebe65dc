"""The one place that decides what a client contact may see. Every extranet view reads from here.

A contact sees their own client's data only; a contact whose visibility is "own site" (and who is
not a client admin) sees the requests of their site plus the ones they made themselves. Internal
notes and non-public attachments are never part of these querysets.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clients.models import Contact, Site
from tickets.models import Attachment, PlannedIntervention, Ticket, TicketEvent

from .models import ProjectDocument


def contact_for(user) -> Contact | None:
    """The active extranet contact behind a logged-in user, or None (staff, unknown, inactive)."""
    if not getattr(user, "is_authenticated", False) or user.is_staff or not user.is_active:
        return None
    contact = Contact.objects.select_related("client", "site").filter(user=user).first()
    if contact is None or not contact.is_active or not contact.client.is_active:
        return None
    return contact


def is_site_restricted(contact: Contact) -> bool:
    return contact.visibility == Contact.Visibility.OWN_SITE and not contact.is_client_admin


def visible_tickets(contact: Contact) -> QuerySet[Ticket]:
    """Tickets of the contact's client, narrowed to their site when restricted."""
    qs = Ticket.objects.filter(client_id=contact.client_id)
    if is_site_restricted(contact):
        own = Q(contact_id=contact.pk)
        qs = qs.filter(Q(site_id=contact.site_id) | own if contact.site_id else own)
    return qs


def visible_sites(contact: Contact) -> QuerySet[Site]:
    qs = Site.objects.filter(client_id=contact.client_id)
    if is_site_restricted(contact):
        qs = qs.filter(pk=contact.site_id)
    return qs


def public_events(contact: Contact) -> QuerySet[TicketEvent]:
    """Events of visible tickets that the client may read (never internal notes)."""
    return TicketEvent.objects.filter(public=True, ticket__in=visible_tickets(contact))


def visible_attachments(contact: Contact) -> QuerySet[Attachment]:
    """Public attachments of visible tickets, excluding any attached to an internal entry."""
    return (
        Attachment.objects.filter(public=True, ticket__in=visible_tickets(contact))
        .exclude(event__public=False)
        .select_related("ticket")
    )


def visible_interventions(contact: Contact) -> QuerySet[PlannedIntervention]:
    return PlannedIntervention.objects.filter(
        cancelled=False, ticket__in=visible_tickets(contact)
    ).select_related("ticket", "ticket__site", "technician__user")


def visible_documents(contact: Contact) -> QuerySet[ProjectDocument]:
    """The client's documents; one tied to a request follows that request's visibility."""
    return ProjectDocument.objects.filter(client_id=contact.client_id).filter(
        Q(ticket__isnull=True) | Q(ticket__in=visible_tickets(contact))
    )
