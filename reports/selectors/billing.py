"""Billing export: billable time per ticket for one client and period, and the override log.

Time is what was *entered in the period*: ``minutes_spent`` of timeline entries dated in it plus
the travel time of planned interventions (not cancelled) starting in it. A ticket appears when
it has time in the period, was closed in it, or had an on-call page raised in it.

A ticket's billable flag comes from its contract at creation (flat-fee managed contracts cover
it, anything else is billable); its rate is the contract's hourly rate. Both may be overridden by
a ``BillingOverride`` (latest wins). Every override is in the log: the ticket services' own
requalifications (``qualification`` events changing ``billable``), a flag chosen at creation
against the contract's default, and the billing overrides recorded by
``reports.services.billing_override_record``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from clients.models import Client, Contract
from tickets.models import EventKind, PlannedIntervention, Ticket, TicketEvent

from ..models import BillingOverride
from ..periods import Period
from ..team import page_model

CENT = Decimal("0.01")


def _latest_override(field: str):
    return Subquery(
        BillingOverride.objects.filter(ticket=OuterRef("pk"), **{f"{field}__isnull": False})
        .order_by("-at", "-pk")
        .values(field)[:1]
    )


def _sum_in_period(model, value_field: str, time_field: str, period: Period, **extra):
    rows = (
        model.objects.filter(
            ticket=OuterRef("pk"),
            **{f"{time_field}__gte": period.start_at, f"{time_field}__lt": period.end_at},
            **extra,
        )
        .order_by()
        .values("ticket")
        .annotate(total=Sum(value_field))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def contract_default_billable():
    """What ``ticket_create`` derives from the contract: flat-fee managed → covered."""
    return Case(
        When(
            contract__kind=Contract.Kind.MANAGED,
            contract__billing=Contract.Billing.FLAT_FEE,
            then=Value(False),
        ),
        default=Value(True),
        output_field=BooleanField(),
    )


def billing_queryset(client: Client, period: Period) -> QuerySet[Ticket]:
    """The client's tickets concerned by the period, annotated with time, flag and rate.

    The tickets are first picked through the period's own rows (time entries, visits, pages,
    closures: small sets read through their date indexes), so the per-ticket sums below run
    for those tickets only, never for the client's whole history.
    """
    start, end = period.start_at, period.end_at
    timed = TicketEvent.objects.filter(at__gte=start, at__lt=end, minutes_spent__gt=0)
    visited = PlannedIntervention.objects.filter(
        starts_at__gte=start, starts_at__lt=end, cancelled=False, travel_minutes__gt=0
    )
    closed = Ticket.objects.filter(client=client, closed_at__gte=start, closed_at__lt=end)
    candidates = [
        timed.values("ticket_id").order_by(),
        visited.values("ticket_id").order_by(),
        closed.values("pk").order_by(),
    ]
    page = page_model()
    if page is not None:
        paged = page.objects.filter(raised_at__gte=start, raised_at__lt=end)
        candidates.append(paged.values("ticket_id").order_by())
        oncall = Exists(paged.filter(ticket=OuterRef("pk")))
    else:
        oncall = Value(False, output_field=BooleanField())
    # One UNION of small id sets: the client's older tickets are never scanned.
    concerned = candidates[0].union(*candidates[1:])
    spent = F("minutes") + F("travel")
    return (
        Ticket.objects.filter(client=client, pk__in=concerned)
        .annotate(
            minutes=_sum_in_period(TicketEvent, "minutes_spent", "at", period),
            travel=_sum_in_period(
                PlannedIntervention, "travel_minutes", "starts_at", period, cancelled=False
            ),
            default_billable=contract_default_billable(),
            effective_billable=Coalesce(_latest_override("billable"), F("billable")),
            override_rate=_latest_override("rate"),
            effective_rate=Coalesce(_latest_override("rate"), F("contract__hourly_rate")),
            oncall=oncall,
        )
        .annotate(
            # Totals of the whole export on every line (window aggregates): no second query.
            billable_total=Window(Sum(spent, filter=Q(effective_billable=True))),
            covered_total=Window(Sum(spent, filter=Q(effective_billable=False))),
        )
        .select_related("contract", "assignee__user")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class BillingLine:
    ticket: Ticket
    minutes: int
    travel: int
    billable: bool
    rate: Decimal | None
    rate_overridden: bool
    billable_overridden: bool
    oncall: bool

    @property
    def total_minutes(self) -> int:
        return self.minutes + self.travel

    @property
    def contract_mode(self) -> str:
        contract = self.ticket.contract
        if contract is None:
            return _("Sans contrat")
        if contract.is_flat_fee:
            return _("Forfait (couvert)") if not self.billable else _("Forfait – hors forfait")
        return contract.get_billing_display()

    @property
    def amount(self) -> Decimal | None:
        """Hours × rate, rounded to the cent; none when not billable or without a rate."""
        if not self.billable or self.rate is None:
            return None
        return (Decimal(self.total_minutes) * self.rate / 60).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class BillingSummary:
    lines: list[BillingLine]
    billable_minutes: int
    covered_minutes: int
    oncall_count: int

    @property
    def billable_amount(self) -> Decimal:
        # Invoices add rounded lines: the total is the sum of the amounts shown.
        return sum((line.amount or Decimal(0) for line in self.lines), Decimal(0))


def billing_summary(client: Client, period: Period) -> BillingSummary:
    """Lines with the minute totals (one query) and the on-call pages (one count)."""
    rows = list(billing_queryset(client, period))
    lines = [
        BillingLine(
            ticket=t,
            minutes=t.minutes,
            travel=t.travel,
            billable=t.effective_billable,
            # SQLite hands the coalesced rate back without its scale ("90"): keep cents.
            rate=None if t.effective_rate is None else Decimal(t.effective_rate).quantize(CENT),
            rate_overridden=t.override_rate is not None,
            billable_overridden=t.effective_billable != t.default_billable,
            oncall=t.oncall,
        )
        for t in rows
    ]
    # Counted on the pages raised in the period (one per paged ticket).
    page = page_model()
    oncall = 0
    if page is not None:
        oncall = page.objects.filter(
            ticket__client=client, raised_at__gte=period.start_at, raised_at__lt=period.end_at
        ).count()
    return BillingSummary(
        lines=lines,
        billable_minutes=(rows[0].billable_total or 0) if rows else 0,
        covered_minutes=(rows[0].covered_total or 0) if rows else 0,
        oncall_count=oncall,
    )


@dataclass(frozen=True)
class OverrideEntry:
    at: datetime
    ticket_reference: str
    what: str
    old: str
    new: str
    by: str
    reason: str
    source: str


def _yes_no(value) -> str:
    if value is None:
        return ""
    return _("facturable") if value else _("couvert / non facturable")


def override_log(client: Client, period: Period) -> list[OverrideEntry]:
    """Every override touching the tickets of the billing export, oldest first (3 queries)."""
    tickets = billing_queryset(client, period).values("pk")
    entries: list[OverrideEntry] = []
    for event in (
        TicketEvent.objects.filter(
            ticket__in=tickets, kind=EventKind.QUALIFICATION, payload__changes__has_key="billable"
        )
        .select_related("ticket", "actor")
        .order_by("at", "pk")
    ):
        old, new = event.payload["changes"]["billable"]
        entries.append(
            OverrideEntry(
                at=event.at,
                ticket_reference=event.ticket.reference,
                what=_("Facturable"),
                old=_yes_no(old),
                new=_yes_no(new),
                by=_who(event.actor),
                reason=event.body,
                source=_("Requalification de la demande"),
            )
        )
    requalified = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=EventKind.QUALIFICATION, payload__changes__has_key="billable"
    )
    at_creation = (
        Ticket.objects.filter(pk__in=tickets)
        .annotate(default_billable=contract_default_billable(), requalified=Exists(requalified))
        .filter(requalified=False)
        .exclude(billable=F("default_billable"))
        .select_related("created_by")
    )
    for ticket in at_creation:
        entries.append(
            OverrideEntry(
                at=ticket.created_at,
                ticket_reference=ticket.reference,
                what=_("Facturable"),
                old=_yes_no(not ticket.billable),
                new=_yes_no(ticket.billable),
                by=_who(ticket.created_by),
                reason=_("Choisi à la création, contraire au contrat"),
                source=_("Création de la demande"),
            )
        )
    for override in (
        BillingOverride.objects.filter(ticket__in=tickets)
        .select_related("ticket", "by")
        .order_by("at", "pk")
    ):
        if override.billable is not None:
            entries.append(
                OverrideEntry(
                    override.at,
                    override.ticket.reference,
                    _("Facturable"),
                    "",
                    _yes_no(override.billable),
                    _who(override.by),
                    override.reason,
                    _("Dérogation de facturation"),
                )
            )
        if override.rate is not None:
            entries.append(
                OverrideEntry(
                    override.at,
                    override.ticket.reference,
                    _("Taux horaire"),
                    "",
                    f"{override.rate} €",
                    _who(override.by),
                    override.reason,
                    _("Dérogation de facturation"),
                )
            )
    entries.sort(key=lambda e: (e.at, e.ticket_reference))
    return entries


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
