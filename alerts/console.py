"""The event console's writes: acknowledge, silence, open a ticket, link a ticket.

Each locks the event row and is idempotent: a second click (or two technicians at once) finds
the work done and returns it instead of doing it twice. Grouping under a major incident is
``incidents.services.incident_link_event`` (incidents are built on this app, not the reverse).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis.messages import Message
from sla.policy import Urgency
from tickets import services as tickets
from tickets.models import Ticket

from . import silences
from .models import Event, Severity, Silence
from .services import SEVERITY_URGENCY, _open_ticket


def _lock(event: Event) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("client", "site", "ticket")
        .get(pk=event.pk)
    )


def _stamp_ack(event: Event, by, now: datetime) -> list[str]:
    if event.acknowledged_at is not None:
        return []
    event.acknowledged_at, event.acknowledged_by = now, by
    return ["acknowledged_at", "acknowledged_by"]


def event_acknowledge(*, event: Event, by, now: datetime | None = None) -> Event:
    """Someone has seen it; the first acknowledgement stays (who, when)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(event)
        fields = _stamp_ack(locked, by, now)
        if fields:
            locked.save(update_fields=fields)
    return locked


def default_urgency(event: Event) -> str:
    """What a ticket opened from the console starts at: the intake's rule for major and
    critical events, "slightly blocking" below (a person decided it deserves a ticket)."""
    return SEVERITY_URGENCY.get(Severity(event.severity), Urgency.SLIGHTLY_BLOCKING)


def event_open_ticket(
    *, event: Event, by, urgency: str | None = None, now: datetime | None = None
) -> tuple[Ticket, bool]:
    """Open the event's ticket (channel monitoring) and acknowledge the event. Returns
    (ticket, created): an event that already has an open ticket keeps it."""
    now = now or timezone.now()
    if urgency is not None and urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Urgence inconnue.")})
    with transaction.atomic():
        locked = _lock(event)
        if locked.ticket is not None and locked.ticket.is_open:
            fields = _stamp_ack(locked, by, now)
            if fields:
                locked.save(update_fields=fields)
            return locked.ticket, False
        locked.ticket = _open_ticket(locked, urgency or default_urgency(locked), by=by, now=now)
        # The ticket reflects this severity: a later alert of the same rank raises nothing.
        locked.ticket_severity_rank = locked.severity_rank
        fields = ["ticket", "ticket_severity_rank", *_stamp_ack(locked, by, now)]
        locked.save(update_fields=fields)
    return locked.ticket, True


def event_link_ticket(*, event: Event, ticket: Ticket, by, now: datetime | None = None) -> Event:
    """Attach the event to an existing ticket of the same client (an internal entry says so on
    the ticket); linking it again to the same ticket changes nothing."""
    now = now or timezone.now()
    if ticket.client_id != event.client_id:
        raise ValidationError({"reference": _("Cette demande est celle d'un autre client.")})
    if not ticket.is_open:
        raise ValidationError({"reference": _("Cette demande est terminée.")})
    with transaction.atomic():
        locked = _lock(event)
        if locked.ticket_id == ticket.pk:
            return locked
        locked.ticket = ticket
        locked.ticket_severity_rank = locked.severity_rank
        fields = ["ticket", "ticket_severity_rank", *_stamp_ack(locked, by, now)]
        locked.save(update_fields=fields)
        tickets.ticket_add_entry(
            ticket=ticket,
            by=by,
            body=Message(
                "alert.event_linked",
                host=locked.host or "-",
                summary=locked.summary,
                count=locked.count,
            ),
            public=False,
            at=now,
            payload={"monitoring_event": locked.pk, "status": "linked"},
        )
    return locked


def event_silence(
    *, event: Event, by, minutes: int, reason: str = "", now: datetime | None = None
) -> Silence:
    """Silence this event (its fingerprint on its host) for a period from now; acknowledges it."""
    now = now or timezone.now()
    span = timedelta(minutes=minutes)
    if minutes <= 0 or span > silences.MAX_SILENCE:
        raise ValidationError({"minutes": _("Durée hors limites.")})
    with transaction.atomic():
        locked = _lock(event)
        if locked.resolved_at is not None:
            raise ValidationError(_("Cet événement est déjà rétabli."))
        fields = _stamp_ack(locked, by, now)
        if fields:
            locked.save(update_fields=fields)
        # A double click finds the silence it just recorded (same event, at least as long).
        running = Silence.objects.filter(
            client_id=locked.client_id,
            host=locked.host.strip().lower(),
            fingerprint=locked.fingerprint,
            change__isnull=True,
            starts_at__lte=now,
            ends_at__gte=now + span - timedelta(minutes=1),
            ended_at__isnull=True,
        ).first()
        if running is not None:
            return running
        return silences.silence_create(
            client=locked.client,
            host=locked.host,
            fingerprint=locked.fingerprint,
            starts_at=now,
            ends_at=now + span,
            reason=reason or _("Mise en sourdine depuis la console"),
            by=by,
            now=now,
        )
