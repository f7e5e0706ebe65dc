"""Seed a large volume of tickets for the back-office page benchmark (bench/pages_bench.py).

    createdb -h 127.0.0.1 -U postgres oceanis_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oceanis_bench \\
        .venv/bin/python bench/seed_volume.py --tickets 100000

This is a benchmark fixture, not application code: for speed it BYPASSES tickets.services and
writes tickets and their events with ``bulk_create``. What the services would compute is
computed the same way here (GTI rule and deadline from ``sla.policy``, the 75 % at-risk instant,
TI measured on the same calendar, treatment times), so the pages see realistic rows. Staff,
the 15 demo clients and their contracts come from ``seed_demo``; more clients are added so the
client filter and search have a realistic spread. References continue the OC-YYYY-NNNNNN series
and the yearly counters are moved past them, so tickets created afterwards get fresh numbers.

Deterministic (fixed seed). Refuses to run twice on the same database unless --force.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import JSONField  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from clients.models import Client, Contact, Contract, Site  # noqa: E402
from sla.policy import AT_RISK_RATIO, HoursPlan, Urgency, calendar_for, gti_rule  # noqa: E402
from staff.models import Level, Team, Technician  # noqa: E402
from tickets.models import (  # noqa: E402
    NOT_TAKEN_STATES,
    Channel,
    EventKind,
    Kind,
    ReferenceCounter,
    ServiceType,
    State,
    Ticket,
    TicketEvent,
)

SEED = 4242
BATCH = 5000
BENCH_CLIENT_PREFIX = "bench-"
TITLES = [
    ("Messagerie inaccessible pour tous les utilisateurs", Urgency.CRITICAL, "messaging"),
    ("Serveur de fichiers hors ligne", Urgency.CRITICAL, "systems"),
    ("Sauvegarde en échec cette nuit", Urgency.VERY_BLOCKING, "backup"),
    ("Disque en erreur sur la grappe RAID5", Urgency.VERY_BLOCKING, "systems"),
    ("VPN site à site coupé", Urgency.VERY_BLOCKING, "network"),
    ("Imprimante du 1er étage bloquée", Urgency.SLIGHTLY_BLOCKING, "workstation"),
    ("Lenteurs sur l'application de gestion", Urgency.SLIGHTLY_BLOCKING, "application"),
    ("Téléphone du standard sans tonalité", Urgency.SLIGHTLY_BLOCKING, "telephony"),
    ("Question sur Word : publipostage", Urgency.NON_BLOCKING, "workstation"),
    ("Installation d'un logiciel sur un poste", Urgency.NON_BLOCKING, "workstation"),
    ("Alerte antivirus sur un poste", Urgency.SLIGHTLY_BLOCKING, "security"),
]
# Open tickets are the recent ones; the share of each open state among them.
OPEN_MIX = [
    (State.NEW, 15),
    (State.ASSIGNED, 20),
    (State.IN_PROGRESS, 35),
    (State.PENDING, 20),
    (State.RESOLVED, 10),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=300, help="Total clients wanted.")
    parser.add_argument("--open", type=int, default=3000, help="How many tickets stay open.")
    parser.add_argument("--days", type=int, default=730, help="History length in days.")
    parser.add_argument("--force", action="store_true", help="Seed even if tickets exist.")
    return parser.parse_args(argv)


def ensure_clients(rng: random.Random, wanted: int, technicians: list[Technician]) -> list:
    """Top the demo clients up to ``wanted`` with generated ones (contract, sites, contacts)."""
    existing = Client.objects.count()
    missing = max(0, wanted - existing)
    plans = [HoursPlan.STANDARD, HoursPlan.STANDARD, HoursPlan.EXTENDED, HoursPlan.ON_CALL]
    referents = [t for t in technicians if t.team != Team.BUILD]
    new = Client.objects.bulk_create(
        Client(name=f"Client bench {n:04d}", code=f"{BENCH_CLIENT_PREFIX}{n:04d}")
        for n in range(existing, existing + missing)
    )
    Contract.objects.bulk_create(
        Contract(
            client=client,
            name="Contrat d'infogérance",
            hours_plan=rng.choice(plans),
            billing=rng.choice([Contract.Billing.FLAT_FEE, Contract.Billing.BILLABLE]),
            referent=rng.choice(referents),
            start_date=dt.date(2020, 1, 1),
        )
        for client in new
    )
    Site.objects.bulk_create(
        Site(client=client, name=f"Site {k}") for client in new for k in range(rng.randint(0, 3))
    )
    sites: dict[int, list] = {}
    for site in Site.objects.filter(client__in=new):
        sites.setdefault(site.client_id, []).append(site)
    Contact.objects.bulk_create(
        Contact(
            client=client,
            site=rng.choice(sites[client.pk]) if sites.get(client.pk) else None,
            first_name=rng.choice(["Pierre", "Anne", "Jean", "Marie", "Luc", "Sarah"]),
            last_name=f"Contact{client.pk}x{k}",
            email=f"c{k}@{client.code}.example",
        )
        for client in new
        for k in range(3)
    )
    return list(
        Client.objects.prefetch_related("contracts", "contacts", "sites").order_by("pk").all()
    )


def plan_ticket(rng, now, created, state, client, technicians):
    """One Ticket (unsaved) and its events' specs, with the values the services would store."""
    contract = client.contracts.all()[0] if client.contracts.all() else None
    title, urgency, domain = rng.choice(TITLES)
    contacts = list(client.contacts.all())
    contact = rng.choice(contacts) if contacts else None
    commitments = contract.commitments() if contract else {}
    plan = contract.hours_plan if contract else ""
    rule = gti_rule(urgency, plan or None, commitments)
    calendar = rule.calendar
    ticket = Ticket(
        reference="",
        kind=Kind.INCIDENT
        if urgency in (Urgency.CRITICAL, Urgency.VERY_BLOCKING)
        else Kind.REQUEST,
        title=title,
        description=f"{title}.",
        channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.EMAIL, Channel.MONITORING]),
        client=client,
        contact=contact,
        site=contact.site if contact else None,
        contract=contract,
        contract_hours_plan=plan,
        gti_commitments=commitments,
        urgency=urgency,
        complexity=rng.choice([Level.STANDARD, Level.STANDARD, Level.CONFIRMED, Level.EXPERT]),
        technical_domain=domain,
        service_type=rng.choice(ServiceType.values),
        billable=not (contract and contract.is_flat_fee),
        state=state,
        created_at=created,
        gti_basis=rule.basis,
        gti_duration=rule.duration,
        gti_deadline=calendar.add(created, rule.duration),
        gti_risk_at=calendar.add(created, rule.duration * AT_RISK_RATIO),
    )
    events = [(EventKind.CREATED, created, "", State.NEW, True, ticket.description, 0)]
    if state == State.NEW:
        return ticket, events
    tech = rng.choice(technicians)
    ticket.assignee = tech
    clock = min(created + dt.timedelta(minutes=rng.randint(1, 30)), now)
    events.append((EventKind.ASSIGNED, clock, State.NEW, State.ASSIGNED, False, "", 0))
    if state in (State.ASSIGNED, State.CANCELLED):
        if state == State.CANCELLED:
            events.append((EventKind.TRANSITION, clock, State.ASSIGNED, state, True, "Doublon", 0))
        return ticket, events
    # Mostly within the GTI, sometimes late.
    taken = min(clock + dt.timedelta(minutes=rng.choice([5, 20, 60, 240, 900])), now)
    ticket.taken_in_charge_at = taken
    ticket.ti_measured = calendar.elapsed(created, taken)
    ticket.gti_met = ticket.ti_measured <= rule.duration
    events.append((EventKind.TRANSITION, taken, State.ASSIGNED, State.IN_PROGRESS, True, "", 0))
    report_at = min(taken + dt.timedelta(minutes=rng.randint(10, 120)), now)
    events.append((EventKind.REPORT, report_at, "", "", True, "Intervention à distance.", 30))
    if state == State.IN_PROGRESS:
        return ticket, events
    if state == State.PENDING:
        ticket.pending_on, ticket.pending_reason = "client", "En attente du retour du client"
        events.append(
            (EventKind.TRANSITION, report_at, State.IN_PROGRESS, state, True, "Attente", 0)
        )
        return ticket, events
    resolved = min(report_at + dt.timedelta(minutes=rng.randint(10, 600)), now)
    ticket.resolved_at = resolved
    events.append(
        (EventKind.TRANSITION, resolved, State.IN_PROGRESS, State.RESOLVED, True, "Résolu.", 15)
    )
    if state == State.RESOLVED:
        return ticket, events
    closed = min(resolved + dt.timedelta(minutes=rng.randint(10, 600)), now)
    ticket.closed_at = closed
    ticket.closure_synthesis = "Cause identifiée et corrigée."
    standard = calendar_for(rule.basis)
    ticket.treatment_wall = closed - taken
    ticket.treatment_business = standard.elapsed(taken, closed)
    ticket.treatment_business_excl_client_wait = ticket.treatment_business
    events.append((EventKind.TRANSITION, closed, State.RESOLVED, State.CLOSED, True, "Synthèse", 0))
    return ticket, events


def _event_rows(chunk):
    """(ticket, field values) of every event of the batch, as plain dicts."""
    for ticket, events in chunk:
        actor_id = ticket.assignee.user_id if ticket.assignee_id else None
        for kind, at, src, dst, public, body, minutes in events:
            yield {
                "ticket_id": ticket.pk,
                "kind": kind,
                "actor_id": actor_id,
                "at": at,
                "from_state": src,
                "to_state": dst,
                "public": public,
                "body": body,
                "minutes_spent": minutes,
                "payload": _payload(ticket, kind),
            }


def write(chunk) -> None:
    """Insert a batch: COPY on PostgreSQL (an order of magnitude faster than INSERTs),
    bulk_create elsewhere."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            Ticket.objects.bulk_create([t for t, _ in chunk])
            TicketEvent.objects.bulk_create(TicketEvent(**row) for row in _event_rows(chunk))
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Ticket._meta.db_table, len(chunk)],
            )
            for (ticket, _), (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                ticket.pk = pk
            _copy(cursor, Ticket, [t for t, _ in chunk])
            _copy(cursor, TicketEvent, _event_rows(chunk))


def _copy(cursor, model, rows) -> None:
    """COPY rows into a table: model instances with their primary key set (values as a save
    would store them, auto_now included), or dicts by attname without a primary key (missing
    fields get their model default). Values are plain Python types psycopg adapts itself;
    only JSON needs wrapping."""
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and model is not Ticket)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    plan = [(f, f.attname, isinstance(f, JSONField), f.get_default()) for f in fields]

    def values(row):
        out = []
        for field, attname, is_json, default in plan:
            raw = row.get(attname, default) if isinstance(row, dict) else field.pre_save(row, True)
            out.append(Jsonb(raw) if is_json and raw is not None else raw)
        return out

    with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(values(row))


def _payload(ticket: Ticket, kind: str) -> dict:
    if kind == EventKind.ASSIGNED:
        return {"assignee": ticket.assignee_id, "assignee_name": str(ticket.assignee)}
    if kind == EventKind.CREATED:
        return {"channel": ticket.channel, "urgency": ticket.urgency}
    return {}


def seed(args) -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Ticket.objects.count() >= args.tickets and not args.force:
        print(f"{Ticket.objects.count()} tickets already present: nothing to do (use --force).")
        return
    call_command("seed_demo", tickets=0, verbosity=0, stdout=io.StringIO())
    print(f"  schema, staff and demo clients ready ({time.perf_counter() - started:5.1f} s)")
    technicians = list(Technician.objects.exclude(team=Team.BUILD).select_related("user"))
    clients = ensure_clients(rng, args.clients, technicians)
    now = timezone.now()
    span = dt.timedelta(days=args.days)
    # Creation instants spread over the history, oldest first; the newest ones stay open.
    instants = sorted(now - span * rng.random() ** 0.8 for _ in range(args.tickets))
    instants = [min(t, now - dt.timedelta(minutes=1)) for t in instants]
    open_states = rng.choices(
        [s for s, _ in OPEN_MIX], [w for _, w in OPEN_MIX], k=min(args.open, args.tickets)
    )
    states = [
        State.CANCELLED if rng.random() < 0.03 else State.CLOSED
        for _ in range(args.tickets - len(open_states))
    ] + open_states
    counters = Counter(
        {c.year: c.last_number for c in ReferenceCounter.objects.all()}
    )  # continue each year's series
    made = 0
    for first in range(0, args.tickets, BATCH):
        chunk = []
        for created, state in zip(
            instants[first : first + BATCH], states[first : first + BATCH], strict=True
        ):
            ticket, events = plan_ticket(rng, now, created, state, rng.choice(clients), technicians)
            year = timezone.localdate(created).year
            counters[year] += 1
            ticket.reference = f"OC-{year}-{counters[year]:06d}"
            chunk.append((ticket, events))
        write(chunk)
        made += len(chunk)
        print(f"  {made:>7} tickets  ({time.perf_counter() - started:5.1f} s)", flush=True)
    with transaction.atomic():
        for year, last in counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": last})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    open_count = Ticket.objects.filter(state__in=[s for s, _ in OPEN_MIX]).count()
    unassigned = Ticket.objects.filter(state__in=NOT_TAKEN_STATES, assignee__isnull=True).count()
    print(
        f"Seeded {made} tickets and {TicketEvent.objects.count()} events in total "
        f"({open_count} active, {unassigned} unassigned) "
        f"in {time.perf_counter() - started:.1f} s on {connection.vendor}."
    )


if __name__ == "__main__":
    seed(parse_args())
