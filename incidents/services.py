"""The only write path for major incidents, their communications and post-incident reports.

Tickets are never written here directly: linking requalifies the ticket through
``tickets.services`` so the change is logged on the ticket's own timeline.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Event
from clients.models import Client
from oceanis.messages import Message
from oceanis.transitions import lock_for_update
from tickets.models import Kind, State, Ticket
from tickets.services import TicketTransitionError, ticket_add_entry, ticket_requalify

from .communication import message_recipients
from .models import (
    IncidentEvent,
    IncidentMessage,
    IncidentMessageDelivery,
    IncidentTicket,
    MajorIncident,
    MessageKind,
    PostIncidentReport,
)
from .tasks import deliver_incident_message

# The update template asks staff to describe progress; publishing it unedited is refused.
TEMPLATE_PROMPT = "[Décrivez ici"


def incident_create(
    *,
    title: str,
    by,
    description: str = "",
    services: str = "",
    started_at: datetime | None = None,
    next_update_at: datetime | None = None,
    clients: list[Client] | tuple = (),
    tickets: list[Ticket] | tuple = (),
    events: list[Event] | tuple = (),
) -> MajorIncident:
    """Open a major incident, optionally with its first affected clients, child tickets and
    monitoring events."""
    incident = MajorIncident(
        title=(title or "").strip(),
        description=description.strip(),
        services=services.strip(),
        started_at=started_at or timezone.now(),
        next_update_at=next_update_at,
        created_by=by,
    )
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        if clients:
            incident.affected_clients.add(*clients)
        for ticket in tickets:
            incident_link_ticket(incident=incident, ticket=ticket, by=by)
        for event in events:
            incident_link_event(incident=incident, event=event, by=by)
    return incident


def incident_edit(
    *,
    incident: MajorIncident,
    by,
    title: str,
    description: str = "",
    services: str = "",
    started_at: datetime | None = None,
) -> MajorIncident:
    """Change the descriptive fields (title, internal description, services, start)."""
    with transaction.atomic():
        locked = lock_for_update(incident)
        locked.title = (title or "").strip()
        locked.description = description.strip()
        locked.services = services.strip()
        if started_at is not None:
            locked.started_at = started_at
        locked.full_clean()
        locked.save()
    incident.refresh_from_db()
    return incident


def incident_add_client(*, incident: MajorIncident, client: Client, by) -> None:
    """List a client as affected: it will receive every communication from now on."""
    incident.affected_clients.add(client)


def incident_remove_client(*, incident: MajorIncident, client: Client, by) -> None:
    """Stop listing a client as affected; refused while one of its tickets is linked."""
    if incident.ticket_links.filter(ticket__client=client).exists():
        raise ValidationError(
            _("Des demandes de ce client sont rattachées à l'incident : détachez-les d'abord.")
        )
    incident.affected_clients.remove(client)


def incident_link_ticket(*, incident: MajorIncident, ticket: Ticket, by) -> IncidentTicket:
    """Group a ticket under the incident; it is qualified as an incident and its client affected.

    The qualification (or, for a ticket already qualified, an internal note) is logged on the
    ticket so that its own timeline says which major incident it belongs to.
    """
    with transaction.atomic():
        locked = lock_for_update(incident)
        existing = (
            IncidentTicket.objects.select_related("incident").filter(ticket_id=ticket.pk).first()
        )
        if existing is not None:
            raise ValidationError(
                _("La demande %(ref)s est déjà rattachée à %(incident)s.")
                % {"ref": ticket.reference, "incident": existing.incident.reference}
            )
        if ticket.state == State.CANCELLED:
            raise ValidationError(_("Une demande annulée ne peut pas être rattachée."))
        note = Message("incident.ticket_linked", ref=locked.reference, title=locked.title)
        try:
            if ticket.kind != Kind.INCIDENT:
                ticket_requalify(ticket=ticket, by=by, values={"kind": Kind.INCIDENT}, note=note)
            else:
                ticket_add_entry(ticket=ticket, by=by, body=note, public=False)
        except TicketTransitionError as exc:
            raise ValidationError(
                _("La demande %(ref)s est clôturée : elle ne peut plus être qualifiée en incident.")
                % {"ref": ticket.reference}
            ) from exc
        link = IncidentTicket.objects.create(incident=locked, ticket=ticket, linked_by=by)
        locked.affected_clients.add(ticket.client_id)
    return link


def incident_unlink_ticket(*, incident: MajorIncident, ticket: Ticket, by) -> None:
    """Detach a ticket grouped by mistake (it stays qualified as an incident); logged on it."""
    with transaction.atomic():
        locked = lock_for_update(incident)
        deleted, _rows = IncidentTicket.objects.filter(incident=locked, ticket=ticket).delete()
        if not deleted:
            raise ValidationError(_("Cette demande n'est pas rattachée à l'incident."))
        if ticket.state != State.CANCELLED:
            ticket_add_entry(
                ticket=ticket,
                by=by,
                body=Message("incident.ticket_unlinked", ref=locked.reference),
                public=False,
            )


def incident_link_event(*, incident: MajorIncident, event: Event, by) -> IncidentEvent:
    """Group a monitoring event under the incident; its client becomes affected and the ticket
    it opened (if any, and not cancelled) is linked too."""
    with transaction.atomic():
        locked = lock_for_update(incident)
        existing = IncidentEvent.objects.select_related("incident").filter(event=event).first()
        if existing is not None:
            raise ValidationError(
                _("L'événement de supervision n°%(id)s est déjà rattaché à %(incident)s.")
                % {"id": event.pk, "incident": existing.incident.reference}
            )
        link = IncidentEvent.objects.create(incident=locked, event=event, linked_by=by)
        locked.affected_clients.add(event.client_id)
        ticket = event.ticket
        if (
            ticket is not None
            and ticket.state != State.CANCELLED
            and not IncidentTicket.objects.filter(ticket=ticket).exists()
        ):
            incident_link_ticket(incident=locked, ticket=ticket, by=by)
    return link


def incident_unlink_event(*, incident: MajorIncident, event: Event, by) -> None:
    """Detach a monitoring event (its ticket, if linked, stays: detach it separately)."""
    deleted, _rows = IncidentEvent.objects.filter(incident=incident, event=event).delete()
    if not deleted:
        raise ValidationError(_("Cet événement n'est pas rattaché à l'incident."))


def _check_next_update(value: datetime | None, now: datetime) -> None:
    if value is None:
        raise ValidationError(
            {"next_update_at": _("Indiquez l'heure de la prochaine communication.")}
        )
    if value <= now:
        raise ValidationError(
            {"next_update_at": _("La prochaine communication doit être dans le futur.")}
        )


def incident_set_next_update(
    *, incident: MajorIncident, by, at: datetime | None, now: datetime | None = None
) -> MajorIncident:
    """Promise the next communication by a time; missing it turns the incident red."""
    now = now or timezone.now()
    _check_next_update(at, now)
    with transaction.atomic():
        locked = lock_for_update(incident)
        if not locked.is_open:
            raise ValidationError(_("L'incident est résolu."))
        locked.next_update_at = at
        locked.save(update_fields=["next_update_at", "updated_at"])
    incident.refresh_from_db()
    return incident


def incident_publish_message(
    *,
    incident: MajorIncident,
    kind: str,
    subject: str,
    body: str,
    by,
    next_update_at: datetime | None = None,
    at: datetime | None = None,
) -> IncidentMessage:
    """Publish a communication to every affected client: banner at once, emails after commit.

    Order is enforced: one initial notification first, then updates, then one resolution which
    resolves the incident. Initial notifications and updates promise the next one's time.
    """
    kind = MessageKind(kind)
    at = at or timezone.now()
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("L'objet est obligatoire.")
    if not body:
        errors["body"] = _("Le message est obligatoire.")
    elif TEMPLATE_PROMPT in body:
        errors["body"] = _("Complétez le modèle (texte entre crochets) avant de publier.")
    with transaction.atomic():
        locked = lock_for_update(incident)
        if not locked.is_open:
            raise ValidationError(_("L'incident est résolu : plus aucune communication."))
        published = set(locked.messages.values_list("kind", flat=True))
        if kind == MessageKind.INITIAL and published:
            raise ValidationError(_("La notification initiale a déjà été publiée."))
        if kind != MessageKind.INITIAL and MessageKind.INITIAL not in published:
            raise ValidationError(_("Publiez d'abord la notification initiale."))
        if errors:
            raise ValidationError(errors)
        if kind != MessageKind.RESOLUTION:
            _check_next_update(next_update_at, at)
        clients = list(locked.affected_clients.all())
        if not clients:
            raise ValidationError(
                _("Aucun client impacté : rattachez des demandes ou des clients.")
            )
        message = IncidentMessage.objects.create(
            incident=locked,
            kind=kind,
            subject=subject,
            body=body,
            next_update_at=None if kind == MessageKind.RESOLUTION else next_update_at,
            published_by=by,
            published_at=at,
        )
        if kind == MessageKind.RESOLUTION:
            locked.status = MajorIncident.Status.RESOLVED
            locked.resolved_at = at
            locked.next_update_at = None
        else:
            locked.next_update_at = next_update_at
        locked.save()
        IncidentMessageDelivery.objects.bulk_create(
            [
                IncidentMessageDelivery(
                    message=message,
                    client_id=r.client_id,
                    contact_id=r.contact_id,
                    recipient=r.email,
                    next_attempt_at=at,
                )
                for r in message_recipients(clients)
            ],
            ignore_conflicts=True,
        )
        transaction.on_commit(lambda: deliver_incident_message.delay(message.pk))
    incident.refresh_from_db()
    return message


def pir_save(
    *,
    incident: MajorIncident,
    by,
    summary: str = "",
    impact: str = "",
    root_cause: str = "",
    actions: str = "",
) -> PostIncidentReport:
    """Create or update the post-incident report's written parts."""
    pir, _created = PostIncidentReport.objects.get_or_create(incident=incident)
    pir.summary, pir.impact = summary.strip(), impact.strip()
    pir.root_cause, pir.actions = root_cause.strip(), actions.strip()
    pir.updated_by = by
    pir.save()
    return pir


def pir_publish(*, incident: MajorIncident, by, at: datetime | None = None) -> PostIncidentReport:
    """Show the report on the affected clients' extranet; only once resolved and written."""
    pir = PostIncidentReport.objects.filter(incident=incident).first()
    if incident.is_open:
        raise ValidationError(_("Le rapport se publie une fois l'incident résolu."))
    if pir is None or not (pir.impact and pir.root_cause):
        raise ValidationError(
            _("Renseignez au moins l'impact et la cause racine avant publication.")
        )
    pir.published = True
    pir.published_at = at or timezone.now()
    pir.published_by = by
    pir.save()
    return pir


def pir_unpublish(*, incident: MajorIncident, by) -> None:
    """Withdraw the report from the extranet (e.g. to correct it)."""
    PostIncidentReport.objects.filter(incident=incident).update(published=False)
