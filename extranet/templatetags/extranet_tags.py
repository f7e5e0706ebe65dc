"""Display helpers for the extranet: who wrote an entry, what an event means for a client."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from tickets.models import EventKind, State

register = template.Library()


@register.filter
def actor_name(user) -> str:
    """Staff appear by first name only (privacy); client contacts by their full name."""
    if user is None:
        return _("Oceanis")
    if user.is_staff:
        return _("%(first)s (Oceanis)") % {"first": user.first_name or _("Technicien")}
    contact = getattr(user, "contact", None)  # the name the client knows, when it is a contact
    return str(contact) if contact else (user.get_full_name() or user.get_username())


@register.filter
def first_name(technician) -> str:
    if technician is None:
        return ""
    return technician.user.first_name or _("Technicien")


@register.filter
def event_label(event) -> str:
    if event.kind == EventKind.CREATED:
        return _("Demande créée")
    if event.kind == EventKind.TRANSITION:
        return _("État : %(state)s") % {"state": State(event.to_state).label}
    if event.kind == EventKind.REPORT:
        if event.actor is not None and not event.actor.is_staff:
            return _("Commentaire")
        return _("Compte-rendu")
    return EventKind(event.kind).label


@register.filter
def state_label(value: str) -> str:
    return State(value).label if value else ""


@register.filter
def kind_label(value: str) -> str:
    return EventKind(value).label if value else ""


@register.filter
def filesize(size: int) -> str:
    if size is None:
        return ""
    if size < 1024:
        return _("%(n)s o") % {"n": size}
    if size < 1024 * 1024:
        return _("%(n)s Ko") % {"n": round(size / 1024)}
    return _("%(n).1f Mo") % {"n": size / (1024 * 1024)}


@register.filter
def duration_hm(value) -> str:
    """A timedelta as "1 h 30" / "45 min"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(m)s min") % {"m": minutes}
    return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
