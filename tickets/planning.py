"""Planned interventions: staff plan on-site or remote work on a ticket; clients see it planned."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from oceanis.messages import Message, label, moment
from oceanis.transitions import lock_for_update
from staff.models import Technician

from .models import EventKind, PlannedIntervention, Ticket
from .services.base import TicketTransitionError, record_event


def intervention_plan(
    *,
    ticket: Ticket,
    technician: Technician,
    starts_at: datetime,
    duration: timedelta,
    by,
    mode: str = PlannedIntervention.Mode.REMOTE,
    travel_minutes: int = 0,
    notes: str = "",
) -> PlannedIntervention:
    """Plan an intervention on an open ticket and log it publicly on the timeline."""
    if duration <= timedelta(0):
        raise ValidationError({"duration": _("La durée doit être positive.")})
    with transaction.atomic():
        locked = lock_for_update(ticket)
        if not locked.is_open:
            raise TicketTransitionError(locked, "plan_intervention")
        intervention = PlannedIntervention(
            ticket=locked,
            technician=technician,
            starts_at=starts_at,
            duration=duration,
            mode=mode,
            travel_minutes=travel_minutes,
            notes=notes,
            created_by=by,
        )
        intervention.full_clean()
        intervention.save()
        record_event(
            locked,
            EventKind.REPORT,
            by=by,
            public=True,
            # Clients read Paris wall-clock time, and only first names of technicians.
            body=Message(
                "ticket.intervention_planned",
                when=moment(starts_at),
                mode=label(intervention.get_mode_display()),
                tech=technician.user.first_name or str(technician),
            ),
            payload={"intervention": intervention.pk},
        )
    return intervention
