"""Alert intake: deduplicate into events (one upsert), open tickets once, recover, flag on-call.

Flow of one payload (already parsed into ``parsing.Alert``):

1. every alert is attached to a client (explicit code, else the host mapping, else the client of
   a client-scoped token); any failure rejects the whole payload (nothing half-ingested);
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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from sla.policy import URGENCY_RANK, HoursPlan, Urgency, calendar_for
from tickets import services as tickets
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, Channel, Kind, State, Ticket

from .models import SEVERITY_RANK, Event, MonitoredHost, Severity
from .parsing import Alert, AlertPayloadError

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
    tickets_opened: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "resolved": self.resolved,
            "ignored": self.ignored,
            "tickets_opened": self.tickets_opened,
            "events": self.events,
        }


def out_of_hours(now: datetime) -> bool:
    """Outside Oceanis standard business hours (what the on-call rota covers)."""
    return not calendar_for(HoursPlan.STANDARD).is_open(now)


def alerts_ingest(
    *, alerts: list[Alert], by, scope_client_id: int | None = None, now: datetime | None = None
) -> IngestResult:
    """Ingest parsed alerts; raises AlertPayloadError (nothing written) if a client is unknown."""
    now = now or timezone.now()
    targets = _resolve_clients(alerts, scope_client_id)
    result = IngestResult(received=len(alerts))
    firing = [(a, t) for a, t in zip(alerts, targets, strict=True) if a.status == "firing"]
    resolved = [(a, t) for a, t in zip(alerts, targets, strict=True) if a.status == "resolved"]
    late = out_of_hours(now)
    for row in _upsert(firing, now):
        outcome = "created" if row["inserted"] else "updated"
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.events.append(
            {"id": row["id"], "fingerprint": row["fingerprint"], "outcome": outcome}
        )
        if _needs_attention(row, late):
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


# --- clients ---------------------------------------------------------------------------------


def _resolve_clients(alerts: list[Alert], scope_client_id: int | None) -> list[tuple[int, int]]:
    """(client_id, site_id) per alert, with two queries whatever the number of alerts."""
    codes = {a.client_code for a in alerts if a.client_code}
    by_code = dict(Client.objects.filter(code__in=codes, is_active=True).values_list("code", "pk"))
    names = {n for a in alerts if a.host for n in _host_keys(a.host)}
    by_host = {
        m.host: (m.client_id, m.site_id)
        for m in MonitoredHost.objects.filter(host__in=names).only("host", "client", "site")
    }
    targets, errors = [], {}
    for index, alert in enumerate(alerts):
        key = "client" if len(alerts) == 1 else f"alerts.{index}.client"
        mapped = next((by_host[n] for n in _host_keys(alert.host) if n in by_host), None)
        if alert.client_code:
            client_id = by_code.get(alert.client_code)
            site_id = mapped[1] if mapped and mapped[0] == client_id else None
        elif mapped:
            client_id, site_id = mapped
        else:
            client_id, site_id = scope_client_id, None
        if client_id is None:
            errors[key] = [f"client inconnu pour l'hôte « {alert.host} » (code ou hôte déclaré)"]
        elif scope_client_id is not None and client_id != scope_client_id:
            errors[key] = ["ce jeton n'accepte que les alertes de son client"]
        targets.append((client_id, site_id))
    if errors:
        raise AlertPayloadError("Client introuvable : rien n'a été enregistré.", errors)
    return targets


def _host_keys(host: str) -> list[str]:
    """The host as sent, then its short name: srv1.acme.lan maps like srv1."""
    host = host.strip().lower()
    short = host.split(".", 1)[0]
    return [host] if short == host else [host, short]


def _group(rows: Iterable[tuple[Alert, tuple[int, int]]]) -> dict:
    counts: dict[tuple[int, str], int] = {}
    for alert, (client_id, _site) in rows:
        key = (client_id, alert.fingerprint)
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- the upsert ----------------------------------------------------------------------------

_COLUMNS = (
    "client_id",
    "site_id",
    "fingerprint",
    "source",
    "host",
    "service",
    "summary",
    "description",
    "labels",
    "severity",
    "severity_rank",
    "count",
    "first_seen",
    "last_seen",
    "ticket_severity_rank",
    "ticket_cancelled_on_recovery",
    "needs_oncall_page",
)
_RETURNING = ("id", "client_id", "fingerprint", "count", "severity_rank", "ticket_id")
_RETURNING += ("ticket_severity_rank", "needs_oncall_page")


def _aggregate(firing, now: datetime) -> list[dict]:
    """One row per (client, fingerprint): latest texts, worst severity, number of alerts."""
    rows: dict[tuple[int, str], dict] = {}
    for alert, (client_id, site_id) in firing:
        rank = SEVERITY_RANK[alert.severity]
        row = rows.get((client_id, alert.fingerprint))
        if row is None:
            row = rows[(client_id, alert.fingerprint)] = {
                "client_id": client_id,
                "site_id": site_id,
                "fingerprint": alert.fingerprint,
                "severity_rank": 0,
                "count": 0,
                "first_seen": now,
                "last_seen": now,
                "ticket_severity_rank": 0,
                "ticket_cancelled_on_recovery": False,
                "needs_oncall_page": False,
            }
        row.update(
            source=alert.source,
            host=alert.host,
            service=alert.service,
            summary=alert.summary,
            description=alert.description,
            labels=alert.labels,
        )
        row["count"] += 1
        if rank > row["severity_rank"]:
            row["severity_rank"], row["severity"] = rank, alert.severity
    # A fixed order: concurrent multi-row upserts then lock rows in the same order (no deadlock).
    return [rows[key] for key in sorted(rows)]


def _upsert(firing, now: datetime) -> list[dict]:
    rows = _aggregate(firing, now)
    if not rows:
        return []
    table = connection.ops.quote_name(Event._meta.db_table)
    q = connection.ops.quote_name
    fields = {name: Event._meta.get_field(name.removesuffix("_id")) for name in _COLUMNS}
    params = []
    for row in rows:
        params += [fields[c].get_db_prep_save(row[c], connection) for c in _COLUMNS]
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(rows))

    def worst(column):
        return (
            f"CASE WHEN excluded.{q('severity_rank')} > {table}.{q('severity_rank')} "
            f"THEN excluded.{q(column)} ELSE {table}.{q(column)} END"
        )

    # Only quoted identifiers and %s placeholders are interpolated: values go as parameters.
    columns = ", ".join(q(c) for c in _COLUMNS)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({q('client_id')}, {q('fingerprint')}) WHERE {q('resolved_at')} IS NULL "
        f"DO UPDATE SET {q('count')} = {table}.{q('count')} + excluded.{q('count')}, "
        f"{q('last_seen')} = excluded.{q('last_seen')}, "
        f"{q('severity')} = {worst('severity')}, "
        f"{q('severity_rank')} = {worst('severity_rank')}, "
        + ", ".join(
            f"{q(c)} = excluded.{q(c)}"
            for c in ("source", "host", "service", "summary", "description", "labels")
        )
        + f" RETURNING {', '.join(q(c) for c in _RETURNING)}"
    )
    sent = {(row["client_id"], row["fingerprint"]): row["count"] for row in rows}
    # One statement: atomic by itself, no BEGIN/COMMIT round trips needed around it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = [dict(zip(_RETURNING, values, strict=True)) for values in cursor.fetchall()]
    for row in returned:
        # A new row holds exactly the alerts just sent; an updated one holds more.
        row["inserted"] = row["count"] == sent[(row["client_id"], row["fingerprint"])]
        row["needs_oncall_page"] = bool(row["needs_oncall_page"])
    return returned


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
                note=f"Supervision : sévérité passée à « {severity.label} ».",
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
        body=f"Supervision : l'alerte « {event.summary} » est de nouveau active.",
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
                body=f"Supervision : alerte rétablie ({event.host or event.summary}) après "
                f"{event.count} occurrence(s).",
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
                    reason="Rétablissement automatique constaté par la supervision avant toute "
                    "prise en charge : aucune intervention n'a eu lieu.",
                )
                event.ticket_cancelled_on_recovery = True
        event.save(update_fields=["resolved_at", "last_seen", "ticket_cancelled_on_recovery"])
    return event
