"""GTI threshold warnings: one ``sla_warning`` event per ticket and threshold (75 %, 100 %).

Thresholds are stored instants (``gti_risk_at``, ``gti_deadline``), so finding due tickets is an
indexed query; the per-ticket ``sla_warning_level`` checked under a row lock makes each warning
happen once even if two beat runs overlap. Delivery (mail) is the notifications app's job.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from oceanis.transitions import lock_for_update

from .models import NOT_TAKEN_STATES, EventKind, Ticket
from .services.base import record_event

THRESHOLDS = ((75, "gti_risk_at"), (100, "gti_deadline"))


def due_sla_warnings_q(now: datetime) -> Q:
    q = Q()
    for level, field in THRESHOLDS:
        q |= Q(**{f"{field}__lte": now, "sla_warning_level__lt": level})
    return Q(state__in=NOT_TAKEN_STATES, taken_in_charge_at__isnull=True) & q


def record_due_sla_warnings(*, now: datetime) -> int:
    """Record the warnings due at ``now``; returns how many events were written."""
    written = 0
    due = Ticket.objects.filter(due_sla_warnings_q(now)).values_list("pk", flat=True)
    for pk in due.iterator():
        with transaction.atomic():
            ticket = lock_for_update(Ticket(pk=pk))
            if ticket.state not in NOT_TAKEN_STATES or ticket.taken_in_charge_at:
                continue
            for level, field in THRESHOLDS:
                instant = getattr(ticket, field)
                if instant and instant <= now and ticket.sla_warning_level < level:
                    ticket.sla_warning_level = level
                    record_event(
                        ticket,
                        EventKind.SLA_WARNING,
                        at=now,
                        payload={
                            "threshold": level,
                            "deadline": ticket.gti_deadline.isoformat(),
                            "urgency": ticket.urgency,
                        },
                    )
                    written += 1
            Ticket.objects.filter(pk=pk).update(sla_warning_level=ticket.sla_warning_level)
    return written
