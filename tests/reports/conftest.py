"""A hand-built month (March 2026, Paris) whose every figure is known in advance.

Standard hours: Mon–Fri 08:30–12:30 and 14:00–18:00; 2 March 2026 is a Monday.
Client A ("acme", flat-fee managed contract at 90 €/h) — tickets created in March:
  T1 critical  request  phone      network  FW-01   09:00 2/3, taken 09:30 (TI 30, met),
               resolved 10:00 (30 min spent), closed 11:00 → treatment 90 business / 90 wall
  T2 critical  incident email      network  FW-01   10:00 2/3, taken 11:30 (TI 90, breached),
               report 12:00 2/3 (45 min), on-site visit 6/3 with 40 min travel; stays open
  T3 very_blk  request  phone      systems  SRV-02  expert, 09:00 3/3, taken 10:00 (TI 60, met),
               resolved 12:00, reopened 14:30, resolved 15:00, closed 16:00 requalified billable
               → treatment 270 business / 360 wall; note of 20 min
  T4 slightly  request  extranet   —        —       09:00 4/3, taken 16:00 (TI 330 business,
               420 wall, met), resolved 09:00 5/3 (60 min), closed 10:30 5/3
               → treatment 240 business / 1110 wall
  T5 non_blk   request  monitoring —        —       09:00 5/3 billable at creation against the
               contract, never taken: breached by April; note of 15 min by the manager
  T6 slightly  request  phone      —        —       09:00 9/3, cancelled 10:00 9/3
  T7 critical  request  phone (created 28/2 23:00, never touched: backlog from the start)
  T9 critical  created 2/4 09:10 assigned to tech2: at risk at "now" (2/4 10:00)
Client B: one critical ticket on 10/3, never taken (breached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import Contract
from sla.policy import Urgency
from tests.factories import (
    ClientFactory,
    ContractFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tickets.models import Channel, Kind, PlannedIntervention
from tickets.planning import intervention_plan
from tickets.services import (
    ticket_add_entry,
    ticket_cancel,
    ticket_close,
    ticket_reopen,
    ticket_resolve,
    ticket_take_in_charge,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 4, 2, 10, 0, tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@dataclass
class March:
    client_a: object
    client_b: object
    contract_a: object
    manager: object
    tech1: object
    tech2: object
    t: dict


def _close(ticket, by, when, **kwargs):
    return ticket_close(ticket=ticket, by=by, synthesis="Résolu.", at=when, **kwargs)


def build_march() -> March:
    client_a = ClientFactory(name="Acme", code="acme")
    contract_a = ContractFactory(
        client=client_a,
        billing=Contract.Billing.FLAT_FEE,
        hourly_rate=Decimal("90.00"),
        start_date=datetime(2020, 1, 1).date(),
    )
    client_b = ContractFactory(
        client=ClientFactory(name="Beta", code="beta"),
        billing=Contract.Billing.BILLABLE,
        hourly_rate=Decimal("100.00"),
    ).client
    manager = make_manager("boss")
    tech1 = TechnicianFactory(user__username="tech1", user__first_name="Alice", user__last_name="A")
    tech2 = TechnicianFactory(user__username="tech2", user__first_name="Bruno", user__last_name="B")
    u1, u2 = tech1.user, tech2.user
    t = {}
    t[7] = make_ticket(client=client_a, urgency=Urgency.CRITICAL, created_at=at(28, 23, month=2))
    t[1] = make_ticket(
        client=client_a,
        urgency=Urgency.CRITICAL,
        channel=Channel.PHONE,
        technical_domain="network",
        equipment="Firewall FW-01",
        created_at=at(2, 9),
    )
    t[2] = make_ticket(
        client=client_a,
        kind=Kind.INCIDENT,
        urgency=Urgency.CRITICAL,
        channel=Channel.EMAIL,
        technical_domain="network",
        equipment="Firewall FW-01",
        created_at=at(2, 10),
    )
    t[3] = make_ticket(
        client=client_a,
        urgency=Urgency.VERY_BLOCKING,
        complexity="expert",
        technical_domain="systems",
        equipment="Serveur SRV-02",
        created_at=at(3, 9),
    )
    t[4] = make_ticket(
        client=client_a,
        urgency=Urgency.SLIGHTLY_BLOCKING,
        channel=Channel.EXTRANET,
        created_at=at(4, 9),
    )
    t[5] = make_ticket(
        client=client_a,
        urgency=Urgency.NON_BLOCKING,
        channel=Channel.MONITORING,
        billable=True,
        created_at=at(5, 9),
    )
    t[6] = make_ticket(client=client_a, urgency=Urgency.SLIGHTLY_BLOCKING, created_at=at(9, 9))
    t["b"] = make_ticket(client=client_b, urgency=Urgency.CRITICAL, created_at=at(10, 9))

    ticket_take_in_charge(ticket=t[1], by=u1, at=at(2, 9, 30))
    ticket_resolve(ticket=t[1], by=u1, note="Corrigé.", minutes_spent=30, at=at(2, 10))
    _close(t[1], u1, at(2, 11))

    ticket_take_in_charge(ticket=t[2], by=u1, at=at(2, 11, 30))
    ticket_add_entry(
        ticket=t[2], by=u1, body="Diagnostic", public=True, minutes_spent=45, at=at(2, 12)
    )
    with time_machine.travel(at(2, 13), tick=False):
        intervention_plan(
            ticket=t[2],
            technician=tech1,
            starts_at=at(6, 9),
            duration=timedelta(hours=2),
            by=u1,
            mode=PlannedIntervention.Mode.ON_SITE,
            travel_minutes=40,
        )
        cancelled = intervention_plan(
            ticket=t[2],
            technician=tech1,
            starts_at=at(7, 9),
            duration=timedelta(hours=1),
            by=u1,
            travel_minutes=99,
        )
        intervention_plan(
            ticket=t[2],
            technician=tech1,
            starts_at=at(1, 9, month=4),
            duration=timedelta(hours=1),
            by=u1,
            travel_minutes=10,
        )
    PlannedIntervention.objects.filter(pk=cancelled.pk).update(cancelled=True)

    ticket_take_in_charge(ticket=t[3], by=u1, at=at(3, 10))
    ticket_add_entry(
        ticket=t[3], by=u1, body="Analyse", public=False, minutes_spent=20, at=at(3, 11)
    )
    ticket_resolve(ticket=t[3], by=u1, note="Corrigé.", at=at(3, 12))
    ticket_reopen(ticket=t[3], by=u1, reason="Toujours en panne", at=at(3, 14, 30))
    ticket_resolve(ticket=t[3], by=u1, note="Corrigé.", at=at(3, 15))
    _close(t[3], u1, at(3, 16), qualification={"billable": True})

    ticket_take_in_charge(ticket=t[4], by=u2, at=at(4, 16))
    ticket_resolve(ticket=t[4], by=u2, note="Corrigé.", minutes_spent=60, at=at(5, 9))
    _close(t[4], u2, at(5, 10, 30))

    ticket_add_entry(
        ticket=t[5], by=manager.user, body="Vu", public=False, minutes_spent=15, at=at(5, 10)
    )
    ticket_cancel(ticket=t[6], by=u1, reason="Doublon", at=at(9, 10))

    t[9] = make_ticket(
        client=client_a, urgency=Urgency.CRITICAL, assignee=tech2, created_at=at(2, 9, 10, month=4)
    )
    for ticket in t.values():
        ticket.refresh_from_db()
    return March(client_a, client_b, contract_a, manager, tech1, tech2, t)


def make_page(ticket, target, raised_at, met):
    """An on-call page as ``oncall.Page`` stores it (the fields the reports rely on)."""
    from reports.team import page_model

    return page_model().objects.create(
        ticket=ticket,
        trigger="created",
        reason="contract_24x7",
        target=target,
        raised_at=raised_at,
        intervention_deadline=raised_at + timedelta(hours=1),
        intervention_met=met,
    )


@pytest.fixture
def march(db):
    return build_march()
