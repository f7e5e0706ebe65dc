"""Writes: record a call from the switchboard (created, then updated by ``call_id``), link it
to a ticket, and page the on-call technician for a call to the on-call line out of hours."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis.phones import normalize
from oncall.triggers import page_reason
from sla.policy import Urgency
from tickets.models import Channel, Ticket
from tickets.services import ticket_create

from .models import Call, Extension
from .selectors import caller_identify, on_call_numbers

logger = logging.getLogger(__name__)


def staff_user_for(answered_by: str):
    """The active staff member an "answered by" value names: an extension, else a username."""
    value = answered_by.strip()
    if not value:
        return None
    extension = (
        Extension.objects.select_related("user")
        .filter(number=value, user__is_active=True, user__is_staff=True)
        .first()
    )
    if extension is not None:
        return extension.user
    return (
        get_user_model()
        .objects.filter(username__iexact=value, is_active=True, is_staff=True)
        .order_by("pk")
        .first()
    )


def call_record(
    *,
    call_id: str,
    caller: str,
    started_at: datetime,
    called: str = "",
    answered_by: str | None = None,
    ended_at: datetime | None = None,
) -> tuple[Call, bool]:
    """Create the call, or update it when the PBX posts the same ``call_id`` again.

    ``answered_by`` and ``ended_at`` left out (None) keep what an earlier post set; a caller
    number that changed (the PBX learnt it late) identifies the caller again. Returns the call
    and whether it was created. A new call to an on-call line out of the contract's hours opens
    a critical ticket, which pages the technician on call.
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(call_id=call_id).first()
        created = call is None
        if created:
            try:
                with transaction.atomic():
                    call = Call.objects.create(
                        call_id=call_id, caller=caller, started_at=started_at
                    )
            except IntegrityError:  # the same call posted twice at once: update the winner's
                created = False
                call = Call.objects.select_for_update().get(call_id=call_id)
        assert call is not None
        _apply(
            call,
            caller=caller,
            called=called,
            started_at=started_at,
            answered_by=answered_by,
            ended_at=ended_at,
            fresh=created,
        )
        call.save()
        if created:
            _page_if_out_of_hours(call)
    return call, created


def _apply(call: Call, *, caller, called, started_at, answered_by, ended_at, fresh) -> None:
    caller_e164 = normalize(caller)
    if fresh or caller_e164 != call.caller_e164:
        who = caller_identify(caller_e164)
        call.contact, call.site, call.client = who.contact, who.site, who.client
    call.caller, call.caller_e164 = caller, caller_e164
    call.called, call.called_e164 = called, normalize(called)
    call.on_call_line = bool(call.called_e164) and call.called_e164 in on_call_numbers()
    call.started_at = started_at
    if answered_by is not None and answered_by != call.answered_by_raw:
        call.answered_by_raw = answered_by
        call.answered_by = staff_user_for(answered_by)
        call.answered_at = call.answered_at or timezone.now()
    if ended_at is not None:
        call.ended_at = ended_at


def _page_if_out_of_hours(call: Call) -> None:
    """A call to the on-call line pages like a critical alert of the caller's client would at
    that instant (oncall.triggers decides, from the contract's hours): a critical phone ticket
    carrying the caller's details is opened, and its creation pages the technician on call.
    An unidentified caller cannot be tied to a contract: the call is logged, nobody is paged."""
    if not call.on_call_line or call.client is None or call.ticket_id is not None:
        return
    contract = call.client.active_contract(timezone.localdate(call.started_at))
    # The ticket as ticket_create would build it now: the same rule decides whether it pages.
    probe = Ticket(
        client=call.client,
        contract=contract,
        urgency=Urgency.CRITICAL,
        contract_hours_plan=contract.hours_plan if contract else "",
    )
    if page_reason(probe, timezone.now()) is None:
        return
    who = str(call.contact) if call.contact else call.client.name
    ticket = ticket_create(
        client=call.client,
        contact=call.contact,
        site=call.site,
        title=_("Appel d'astreinte de %(who)s (%(number)s)")
        % {"who": who, "number": call.caller_display},
        description=_call_details(call),
        channel=Channel.PHONE,
        urgency=Urgency.CRITICAL,
    )
    call.ticket, call.paged = ticket, True
    call.save(update_fields=["ticket", "paged", "updated_at"])
    logger.info("call %s to the on-call line: %s opened, paging", call.call_id, ticket.reference)


def _call_details(call: Call) -> str:
    lines = [
        _("Appel reçu sur le numéro d'astreinte %(called)s le %(at)s.")
        % {
            "called": call.called,
            "at": timezone.localtime(call.started_at).strftime("%d/%m/%Y %H:%M"),
        },
        _("Appelant : %(number)s") % {"number": call.caller_display},
    ]
    if call.contact is not None:
        contact = call.contact
        lines.append(_("Contact : %(name)s") % {"name": contact})
        lines.extend(value for value in (contact.email, contact.phone, contact.mobile) if value)
    if call.site is not None:
        lines.append(_("Site : %(site)s") % {"site": call.site.name})
    lines.append(_("Client : %(client)s") % {"client": call.client})
    return "\n".join(lines)


def call_link_ticket(*, call: Call, ticket: Ticket) -> Call:
    """Attach the call to the ticket created or completed while on it (the ticket's call log).
    A call already attached keeps its first ticket (the one it opened)."""
    if call.client_id is not None and ticket.client_id != call.client_id:
        raise ValueError("the ticket belongs to another client than the caller")
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.ticket_id is None:
            call.ticket = ticket
            # An unidentified caller's client is the one the technician chose for the ticket.
            call.client = call.client or ticket.client
            call.save(update_fields=["ticket", "client", "updated_at"])
    return call
