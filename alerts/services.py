"""Alert intake: deduplicate into events (one upsert), open tickets once, recover, flag on-call.

Flow of one payload (already parsed into ``parsing.Alert``):

1. every alert is attached to a client (explicit code, else the host mapping, else the client of
   a client-scoped token); an alert without one is rejected on its own (logged by the caller),
   and a payload where no alert has one is refused whole;
2. firing alerts are aggregated per (client, fingerprint) and written with ONE
   ``INSERT … ON CONFLICT (client, fingerprint) WHERE resolved_at IS NULL DO UPDATE`` statement:
   the partial unique constraint makes concurrent senders converge on one open event;
3. only events that need it (severity major/critical without a ticket, a worse severity than
   their ticket reflects, or a critical one out of hours) are locked and handled: open the
   ticket through ``tickets.services.ticket_create`` (channel monitoring), raise its urgency,
   set the on-call flag;
4. resolved alerts close their open event, add an internal timeline entry and, when nobody
   took the ticket in charge yet, cancel it (see ``_recover``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DataError, connection, transaction
from django.utils import timezone

from oceanis.messages import Message, label
from ops.metrics import alerts_received
from sla.policy import URGENCY_RANK, HoursPlan, Urgency, calendar_for
from tickets import services as tickets
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, Channel, Kind, State, Ticket

from . import silences
from .dedup import upsert_events
from .models import SEVERITY_RANK, Event, Severity
from .parsing import Alert, AlertPayloadError, alert_key
from .routing import resolve_clients

logger = logging.getLogger(__name__)

TICKET_SEVERITY_RANK = SEVERITY_RANK[Severity.MAJOR]
CRITICAL_RANK = SEVERITY_RANK[Severity.CRITICAL]
SEVERITY_URGENCY = {Severity.CRITICAL: Urgency.CRITICAL, Severity.MAJOR: Urgency.VERY_BLOCKING}
_BY_RANK = {rank: severity for severity, rank in SEVERITY_RANK.items()}


@dataclass
class IngestResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    resolved: int = 0
    ignored: int = 0
    rejected: int = 0
    tickets_opened: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # per rejected alert

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "resolved": self.resolved,
            "ignored": self.ignored,
            "rejected": self.rejected,
            "tickets_opened": self.tickets_opened,
            "events": self.events,
            "errors": self.errors,
        }


def out_of_hours(now: datetime) -> bool:
    """Outside Oceanis standard business hours (what the on-call rota covers)."""
    return not calendar_for(HoursPlan.STANDARD).is_open(now)


def alerts_ingest(
    *,
    alerts: list[Alert | None],
    by,
    scope_client_id: int | None = None,
    now: datetime | None = None,
    invalid: dict[str, list[str]] | None = None,
) -> IngestResult:
    """Ingest parsed alerts.

    An alert with no client Oceanis serves, one the parser refused (None in ``alerts``, its
    reason in ``invalid``) and one the database refuses to store are each rejected on their own
    (``result.rejected`` and ``result.errors``; the caller logs them) while the rest of the
    payload is ingested: one bad alert in an Alertmanager group must not hold back the critical
    alert of a known client, which a 4xx would, as Alertmanager does not retry those (and a 5xx
    would be retried forever). When no alert can be ingested at all, ``AlertPayloadError`` is
    raised and nothing is written.
    """
    now = now or timezone.now()
    targets, client_errors = resolve_clients(alerts, scope_client_id)
    errors = {**(invalid or {}), **client_errors}
    routed = [
        (index, a, t)
        for index, (a, t) in enumerate(zip(alerts, targets, strict=True))
        if t is not None
    ]
    if not routed and errors:
        alerts_received(accepted=0, rejected=len(alerts))
        reason = (
            "Client introuvable : rien n'a été enregistré."
            if not invalid
            else "Aucune alerte enregistrable : rien n'a été enregistré."
        )
        raise AlertPayloadError(reason, errors)
    result = IngestResult(received=len(alerts), rejected=len(alerts) - len(routed), errors=errors)
    firing = [(index, a, t) for index, a, t in routed if a.status == "firing"]
    resolved = [(a, t) for _index, a, t in routed if a.status == "resolved"]
    late = out_of_hours(now)
    stored = _store_firing(firing, now, result, count=len(alerts))
    # After the write: an alert the database refused counts as rejected, not accepted.
    alerts_received(accepted=len(alerts) - result.rejected, rejected=result.rejected)
    if result.rejected == len(alerts):
        raise AlertPayloadError("Aucune alerte enregistrable : rien n'a été enregistré.", errors)
    attention = [row for row in stored if _needs_attention(row, late)]
    # Maintenance windows: one query, and only when something would escalate.
    held = silences.hold(attention, _hosts(firing), now) if attention else set()
    for row in stored:
        outcome = "created" if row["inserted"] else "updated"
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.events.append(
            {"id": row["id"], "fingerprint": row["fingerprint"], "outcome": outcome}
        )
        if row["id"] not in held and _needs_attention(row, late):
            opened = _escalate(row["id"], by=by, now=now)
            if opened is not None:
                result.tickets_opened.append(opened.reference)
    for (client_id, fingerprint), _count in _group(resolved).items():
        event = _recover(client_id, fingerprint, by=by, now=now)
        outcome = "resolved" if event else "ignored"
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.events.append(
            {"id": event.pk if event else None, "fingerprint": fingerprint, "outcome": outcome}
        )
    return result


def _store_firing(firing: list, now: datetime, result: IngestResult, *, count: int) -> list[dict]:
    """Upsert the firing alerts in one statement; if the database refuses it, alert by alert,
    so that the one it cannot store is rejected alone (and logged) instead of failing them all.

    Only refusals of the content (DataError, and the driver's ValueError for a NUL byte) are
    isolated; a lock or statement timeout still fails the request (503, retried by the sender).
    """
    pairs = [(a, t) for _index, a, t in firing]
    try:
        with _savepoint():
            return upsert_events(pairs, now)
    except (DataError, ValueError) as exc:
        logger.warning("Alert batch refused by the database, stored one by one: %s", exc)
    rows = []
    for index, alert, target in firing:
        try:
            with _savepoint():
                rows += upsert_events([(alert, target)], now)
        except (DataError, ValueError) as exc:
            logger.warning("Alert %s (%s) not stored: %s", index, alert.fingerprint, exc)
            result.errors[alert_key(index, count)] = [f"enregistrement impossible : {exc}"]
            result.rejected += 1
    return rows


def _savepoint():
    """A savepoint inside a transaction (a replay, the tests), where a refused statement would
    abort everything; nothing outside one, where the single upsert is atomic by itself."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _hosts(firing: list) -> dict[tuple[int, str], str]:
    """The host of each (client, fingerprint) sent, for the silences (the upsert returns none)."""
    return {(t[0], a.fingerprint): a.host for _index, a, t in firing}


def _group(rows: Iterable[tuple[Alert, tuple[int, int]]]) -> dict:
    counts: dict[tuple[int, str], int] = {}
    for alert, (client_id, _site) in rows:
        key = (client_id, alert.fingerprint)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _needs_attention(row: dict, late: bool) -> bool:
    rank = row["severity_rank"]
    if rank < TICKET_SEVERITY_RANK:
        return False
    if row["ticket_id"] is None or rank > row["ticket_severity_rank"]:
        return True
    return late and rank == CRITICAL_RANK and not row["needs_oncall_page"]


# --- tickets ---------------------------------------------------------------------------------


def _escalate(event_id: int, *, by, now: datetime) -> Ticket | None:
    """Open (once), or raise the urgency of, the event's ticket; set the on-call flag.

    Runs under the event's row lock, so concurrent alerts of one event open a single ticket.
    Returns the ticket when one was created.
    """
    opened = None
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=event_id)
        )
        if event.resolved_at is not None or event.severity_rank < TICKET_SEVERITY_RANK:
            return None
        severity = _BY_RANK[event.severity_rank]
        urgency = SEVERITY_URGENCY[severity]
        if event.ticket_id is None:
            event.ticket = _reopened_ticket(event, by=by)
            if event.ticket is None:
                opened = event.ticket = _open_ticket(event, urgency, by=by, now=now)
        elif (
            event.severity_rank > event.ticket_severity_rank
            and event.ticket.is_open
            and URGENCY_RANK[urgency] > URGENCY_RANK[event.ticket.urgency]
        ):
            tickets.ticket_change_urgency(
                ticket=event.ticket,
                by=by,
                urgency=urgency,
                at=now,
                note=Message("alert.severity_raised", severity=label(severity.label)),
            )
        event.ticket_severity_rank = event.severity_rank
        if not event.needs_oncall_page and _should_page(event, now):
            event.needs_oncall_page, event.oncall_flagged_at = True, now
        event.save(
            update_fields=[
                "ticket",
                "ticket_severity_rank",
                "needs_oncall_page",
                "oncall_flagged_at",
            ]
        )
    return opened


def _open_ticket(event: Event, urgency: str, *, by, now: datetime) -> Ticket:
    lines = [
        f"Alerte {event.source} : {event.summary}",
        f"Hôte : {event.host or '-'} ; service : {event.service or '-'}",
        f"Sévérité : {event.get_severity_display()} ; empreinte : {event.fingerprint}",
    ]
    if event.description:
        lines += ["", event.description]
    title = f"[Supervision] {event.host}: {event.summary}" if event.host else event.summary
    return tickets.ticket_create(
        client=event.client,
        site=event.site,
        title=title[:255],
        description="\n".join(lines),
        kind=Kind.INCIDENT,
        channel=Channel.MONITORING,
        urgency=urgency,
        by=by,
        created_at=now,
    )


def _reopened_ticket(event: Event, *, by) -> Ticket | None:
    """A flapping alert joins the still-open ticket of its previous event instead of a new one."""
    previous = (
        Event.objects.filter(
            client_id=event.client_id,
            fingerprint=event.fingerprint,
            resolved_at__isnull=False,
            ticket__state__in=OPEN_STATES,
        )
        .select_related("ticket")
        .order_by("-first_seen", "-pk")
        .first()
    )
    if previous is None:
        return None
    tickets.ticket_add_entry(
        ticket=previous.ticket,
        by=by,
        body=Message("alert.firing_again", summary=event.summary),
        public=False,
        payload={"monitoring_event": event.pk, "status": "firing"},
    )
    return previous.ticket


def _should_page(event: Event, now: datetime) -> bool:
    """Critical, out of Oceanis hours, client on 24x7 (frozen on the ticket), not yet taken."""
    ticket = event.ticket
    return (
        event.severity == Severity.CRITICAL
        and ticket is not None
        and ticket.contract_hours_plan == HoursPlan.ON_CALL
        and ticket.state in NOT_TAKEN_STATES
        and out_of_hours(now)
    )


def _recover(client_id: int, fingerprint: str, *, by, now: datetime) -> Event | None:
    """Close the open event of a resolved alert; None when there was none (already resolved).

    Its ticket gets an internal timeline entry. If nobody took the ticket in charge and no other
    open event shares it, it is *cancelled* with an explicit reason rather than resolved:
    resolving needs a taking in charge, and a taking in charge by a system account would record
    a TI (and a met GTI) for work nobody did, corrupting the GTI statistics. Set
    ``ALERTS_AUTO_RESOLVE = False`` to leave such tickets to the technicians.
    """
    with transaction.atomic():
        event = (
            Event.objects.select_for_update()
            .filter(client_id=client_id, fingerprint=fingerprint, resolved_at__isnull=True)
            .first()
        )
        if event is None:
            return None
        event.resolved_at = event.last_seen = now
        ticket = event.ticket
        if ticket is not None and ticket.state not in (State.CLOSED, State.CANCELLED):
            tickets.ticket_add_entry(
                ticket=ticket,
                by=by,
                body=Message(
                    "alert.recovered", subject=event.host or event.summary, count=event.count
                ),
                public=False,
                at=now,
                payload={"monitoring_event": event.pk, "status": "resolved"},
            )
            others_open = (
                Event.objects.filter(ticket=ticket, resolved_at__isnull=True)
                .exclude(pk=event.pk)
                .exists()
            )
            ticket.refresh_from_db(fields=["state"])
            if (
                settings.ALERTS_AUTO_RESOLVE
                and ticket.state in NOT_TAKEN_STATES
                and not others_open
            ):
                tickets.ticket_cancel(
                    ticket=ticket,
                    by=by,
                    at=now,
                    reason=Message("alert.cancelled_on_recovery"),
                )
                event.ticket_cancelled_on_recovery = True
        event.save(update_fields=["resolved_at", "last_seen", "ticket_cancelled_on_recovery"])
    return event
