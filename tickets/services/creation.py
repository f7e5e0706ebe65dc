"""Ticket creation: qualification, contract in force, frozen commitments, GTI deadline."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from clients.models import Client, Contact, Contract, Site
from staff import policy
from staff.models import Technician
from staff.policy import Action

from ..activity import opened_by_client
from ..models import (
    Complexity,
    EventKind,
    Kind,
    State,
    Ticket,
)
from ..references import next_reference
from .base import (
    RELATED_FIELDS,
    apply_gti,
    at_or_now,
    check_belongs_to_client,
    record_event,
)
from .lifecycle import ticket_assign

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ticket_create(
    *,
    client: Client,
    title: str,
    urgency: str,
    channel: str,
    by: User | None = None,
    description: str = "",
    kind: str = Kind.REQUEST,
    complexity: str = Complexity.STANDARD,
    contact: Contact | None = None,
    site: Site | None = None,
    technical_domain: str = "",
    service_type: str = "",
    equipment: str = "",
    billable: bool | None = None,
    assignee: Technician | None = None,
    created_at: datetime | None = None,
    follow_up_of: Ticket | None = None,
) -> Ticket:
    """Create and qualify a ticket; its creation instant is the GTI reference time.

    The client's contract in force is attached and its hours plan and GTI commitments are frozen
    on the ticket. ``billable`` defaults to "not covered by a flat-fee managed contract".
    ``follow_up_of``: the finished ticket a client answered, which this one continues.
    """
    if assignee is not None:
        # Checked before anything is written: a refused first assignment creates no ticket.
        policy.check(by, Action.TICKET_ASSIGN, None, technician=assignee)
    created_at = at_or_now(created_at)
    contract: Contract | None = client.active_contract(timezone.localdate(created_at))
    ticket: Ticket = Ticket(
        client=client,
        contact=contact,
        site=site,
        contract=contract,
        title=title,
        description=description,
        kind=kind,
        channel=channel,
        urgency=urgency,
        complexity=complexity,
        technical_domain=technical_domain,
        service_type=service_type,
        equipment=equipment,
        created_by=by,
        created_at=created_at,
        contract_hours_plan=contract.hours_plan if contract else "",
        gti_commitments=contract.commitments() if contract else {},
        billable=(not (contract and contract.is_flat_fee)) if billable is None else billable,
        follow_up_of=follow_up_of,
    )
    if opened_by_client(ticket, by):
        ticket.last_client_activity_at = created_at
    check_belongs_to_client(ticket)
    # Related objects were handed over as instances: re-checking that each exists would cost
    # one query per foreign key on the hottest write path.
    ticket.full_clean(exclude=["reference", "state", "follow_up_of", *RELATED_FIELDS])
    apply_gti(ticket)
    with transaction.atomic():
        ticket.reference = next_reference(timezone.localdate(created_at).year)
        ticket.save(force_insert=True)
        record_event(
            ticket,
            EventKind.CREATED,
            by=by,
            at=created_at,
            to_state=State.NEW,
            public=True,
            body=description,
            payload={
                "channel": channel,
                "urgency": urgency,
                **({"follow_up_of": follow_up_of.reference} if follow_up_of else {}),
            },
        )
    if assignee is not None:
        ticket_assign(ticket=ticket, technician=assignee, by=by, at=created_at)
    return ticket
