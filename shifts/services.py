"""Write path for shift rotas and handovers.

A handover is all-or-nothing: every ticket is re-checked under its row lock (still open, still
owned by the outgoing agent) and reassigned through ``tickets.services.ticket_assign`` with the
handover note, so the handover shows on each ticket's timeline; any failure rolls back the lot.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis.messages import Message
from staff.models import Technician
from tickets.models import Ticket
from tickets.services import TicketTransitionError, ticket_assign

from .models import Handover, HandoverItem, Shift, ShiftAssignment

MAX_RANGE_DAYS = 92


def shift_assign(
    *,
    shift: Shift,
    technician: Technician,
    first_day: date,
    last_day: date,
    by,
    weekdays: set[int] | None = None,
) -> int:
    """Put an agent on a shift for every day of a range (optionally some weekdays only,
    0 = Monday). Days already assigned are kept. Returns how many assignments were created."""
    if last_day < first_day:
        raise ValidationError({"last_day": _("La fin doit suivre le début.")})
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise ValidationError({"last_day": _("Au plus %d jours à la fois.") % MAX_RANGE_DAYS})
    days = [
        first_day + timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if weekdays is None or (first_day + timedelta(days=n)).weekday() in weekdays
    ]
    if not days:
        raise ValidationError(_("Aucun jour ne correspond à la sélection."))
    existing = set(
        ShiftAssignment.objects.filter(
            shift=shift, technician=technician, day__in=days
        ).values_list("day", flat=True)
    )
    rows = [ShiftAssignment(shift=shift, technician=technician, day=d) for d in days]
    ShiftAssignment.objects.bulk_create(
        [r for r in rows if r.day not in existing], ignore_conflicts=True
    )
    return len(days) - len(existing)


def shift_unassign(*, assignment: ShiftAssignment, by) -> None:
    assignment.delete()


def handover_perform(
    *,
    from_technician: Technician,
    to_technician: Technician,
    items: list[tuple[Ticket, str]],
    by,
    note: str = "",
    at: datetime | None = None,
) -> Handover:
    """Pass the outgoing agent's tickets to the incoming agent, one note per ticket."""
    at = at or timezone.now()
    if from_technician.pk == to_technician.pk:
        raise ValidationError({"to_technician": _("L'agent entrant doit être un autre agent.")})
    if not to_technician.user.is_active:
        raise ValidationError({"to_technician": _("Ce compte est désactivé.")})
    if not items:
        raise ValidationError(_("Aucune demande à transmettre."))
    missing = [t.reference for t, text in items if not (text or "").strip()]
    if missing:
        raise ValidationError(
            _("Une note de relève est obligatoire pour : %(refs)s") % {"refs": ", ".join(missing)}
        )
    with transaction.atomic():
        handover = Handover.objects.create(
            from_technician=from_technician,
            to_technician=to_technician,
            note=note.strip(),
            by=by,
            at=at,
        )
        for ticket, text in items:
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if locked.assignee_id != from_technician.pk:
                raise ValidationError(
                    _("%(ref)s n'est plus attribuée à %(agent)s : relève annulée.")
                    % {"ref": locked.reference, "agent": from_technician}
                )
            body = Message(
                "shift.handover",
                **{"from": str(from_technician), "to": str(to_technician), "note": text.strip()},
            )
            try:
                ticket_assign(
                    ticket=locked,
                    technician=to_technician,
                    by=by,
                    at=at,
                    note=body,
                    handover=True,
                )
            except TicketTransitionError as exc:
                raise ValidationError(
                    _("%(ref)s ne peut plus être transmise (%(state)s) : relève annulée.")
                    % {"ref": locked.reference, "state": locked.get_state_display()}
                ) from exc
            HandoverItem.objects.create(handover=handover, ticket=locked, note=text.strip())
    return handover
