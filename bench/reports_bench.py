"""Time the service-manager reports on 1,000,000 tickets (PostgreSQL).

    .venv/bin/python bench/reports_bench.py [--tickets 1000000] [--db oceanis_reports_bench]
        [--host 127.0.0.1] [--user postgres] [--reseed] [--suggested-indexes] [--repeat 3]

Creates the database if needed, migrates it and, unless it already holds the requested number
of tickets, seeds it with psycopg's COPY (text format, large chunks): 200 clients (the largest
gets every tenth ticket), 40 technicians, tickets spread from 36 months before the current
one until now (ids in creation order, as in production), 1–5 timeline events per ticket
(creation, taking in charge, resolution with time spent, closure; ~2 % reopened; 2 %
cancelled; a share of the last two weeks' tickets still open), on-site visits with travel on
5 % of taken tickets and on-call pages on a fifth of the critical ones.

The baseline timings run on the project's own indexes (any suggested index left by an earlier
run is dropped first); the report queries run with the JIT off, as the views and tasks do.

This is a bench fixture: it bypasses ``tickets.services`` and writes precomputed columns
directly (the business-time figures are plausible values, not ``sla.calendar`` computations),
because going through the services would take hours for a million tickets.

It then times, for the last complete month, the whole service report (every section, the way
the page and the PDF build it) of the largest client and of the whole centre, the PDF of the
largest client, the team view and the billing export. ``--suggested-indexes`` adds the indexes
proposed for ``tickets`` and times everything again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from bisect import bisect
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SUGGESTED_INDEXES = {
    "reports_bench_ticket_client_created": (
        "CREATE INDEX IF NOT EXISTS reports_bench_ticket_client_created "
        "ON tickets_ticket (client_id, created_at)"
    ),
    "reports_bench_ticket_client_closed": (
        "CREATE INDEX IF NOT EXISTS reports_bench_ticket_client_closed "
        "ON tickets_ticket (client_id, closed_at)"
    ),
    "reports_bench_ticket_closed": (
        "CREATE INDEX IF NOT EXISTS reports_bench_ticket_closed ON tickets_ticket (closed_at)"
    ),
    "reports_bench_ticket_open": (
        "CREATE INDEX IF NOT EXISTS reports_bench_ticket_open ON tickets_ticket (client_id, "
        "created_at) WHERE closed_at IS NULL"
    ),
    "reports_bench_ticket_open_centre": (
        "CREATE INDEX IF NOT EXISTS reports_bench_ticket_open_centre ON tickets_ticket "
        "(created_at) WHERE closed_at IS NULL"
    ),
    "reports_bench_ticket_taken": (
        "CREATE INDEX IF NOT EXISTS reports_bench_ticket_taken "
        "ON tickets_ticket (taken_in_charge_at)"
    ),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", default="oceanis_reports_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    parser.add_argument("--suggested-indexes", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median reported)")
    parser.add_argument("--seed", type=int, default=20261101)
    return parser.parse_args()


def ensure_database(args) -> None:
    import psycopg

    admin = f"host={args.host} port={args.port} user={args.user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if exists and args.reseed:
            conn.execute(f'DROP DATABASE "{args.db}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.db}"')
            print(f"created database {args.db}")


def setup_django(args) -> None:
    os.environ["DATABASE_URL"] = f"postgres://{args.user}@{args.host}:{args.port}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- seeding -----------------------------------------------------------------------------------

URGENCY_WEIGHTS = {
    "critical": 0.05,
    "very_blocking": 0.15,
    "slightly_blocking": 0.45,
    "non_blocking": 0.35,
}
GTI_MINUTES = {"critical": 60, "very_blocking": 240, "slightly_blocking": 480, "non_blocking": 960}
CHANNELS = ["phone", "email", "monitoring", "technician", "extranet", "api"]
DOMAINS = ["network", "systems", "messaging", "security", "workstation", "backup", ""]
COMPLEXITIES = ["standard", "standard", "standard", "confirmed", "expert"]


def seed(args, months: int = 36) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from clients.models import Client, Contract
    from staff.models import Technician

    rng = random.Random(args.seed)
    started = time.perf_counter()
    now = datetime.now(UTC)
    first_of_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    span_start = (first_of_month - timedelta(days=months * 30.44)).replace(day=1)
    # Up to now: the last complete month is fully populated and the current one has live tickets.
    span = (now - span_start).total_seconds()

    with transaction.atomic():
        clients = Client.objects.bulk_create(
            [Client(name=f"Client {i:03d}", code=f"bench-{i:03d}") for i in range(200)]
        )
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    client=c,
                    name="Infogérance",
                    billing=Contract.Billing.FLAT_FEE if i % 3 else Contract.Billing.BILLABLE,
                    hourly_rate=Decimal("95.00"),
                    start_date=span_start.date(),
                )
                for i, c in enumerate(clients)
            ]
        )
        users = get_user_model().objects.bulk_create(
            [
                get_user_model()(username=f"bench-tech{i}", first_name=f"Tech{i}", is_staff=True)
                for i in range(40)
            ]
        )
        technicians = Technician.objects.bulk_create([Technician(user=u) for u in users])
    tech_ids = [t.pk for t in technicians]
    user_of = {t.pk: t.user_id for t in technicians}
    # Client 0 is the largest (every tenth ticket); the others share the rest unevenly.
    others = [c.pk for c in clients[1:]]
    cum = list(itertools.accumulate(1 / (k + 1) ** 0.6 for k in range(len(others))))
    contract_of = {c.client_id: c for c in contracts}
    billable_contract = {c.client_id: c.billing == Contract.Billing.BILLABLE for c in contracts}
    urgencies = list(URGENCY_WEIGHTS)
    u_cum = list(itertools.accumulate(URGENCY_WEIGHTS.values()))

    ticket_cols = (
        "id, reference, kind, title, description, channel, client_id, contract_id, "
        "contract_hours_plan, gti_commitments, urgency, complexity, technical_domain, "
        "service_type, equipment, billable, assignee_id, escalation_level, state, pending_on, "
        "pending_reason, created_at, updated_at, taken_in_charge_at, resolved_at, closed_at, "
        "closure_synthesis, gti_basis, gti_duration, gti_deadline, gti_risk_at, ti_measured, "
        "gti_met, sla_warning_level, treatment_business, treatment_wall, "
        "treatment_business_excl_client_wait"
    )
    event_cols = (
        "ticket_id, kind, actor_id, at, from_state, to_state, public, body, minutes_spent, payload"
    )
    visit_cols = (
        "ticket_id, technician_id, starts_at, duration, mode, travel_minutes, notes, cancelled, "
        "created_at"
    )
    page_model = _page_model()
    page_rows = []
    events, visits = [], []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY tickets_ticket ({ticket_cols}) FROM STDIN") as tcopy:
            tickets = Lines(tcopy)
            for i in range(1, args.tickets + 1):
                client_id = others[bisect(cum, rng.random() * cum[-1])] if i % 10 else clients[0].pk
                contract = contract_of[client_id]
                # Ids follow creation time, as in production (tickets are inserted when created);
                # the physical order of the table then matches created_at like the real one.
                created = span_start + timedelta(
                    seconds=(i - 1 + rng.random()) * span / args.tickets
                )
                urgency = urgencies[bisect(u_cum, rng.random() * u_cum[-1])]
                gti = timedelta(minutes=GTI_MINUTES[urgency])
                age = now - created
                roll = rng.random()
                tech = rng.choice(tech_ids)
                state, taken, resolved, closed = "new", None, None, None
                ti = tw = ti_wall = None
                if roll < 0.02:
                    state = "cancelled"
                else:
                    # Over the last two weeks a share of the tickets is still open (new, in
                    # progress, resolved awaiting closure): the live backlog.
                    recent = age < timedelta(days=14)
                    ti_wall = timedelta(minutes=rng.lognormvariate(4.2, 1.0))
                    if created + ti_wall < now and not (recent and roll < 0.10):
                        taken = created + ti_wall
                        state = "in_progress"
                        ti = ti_wall * rng.uniform(0.3, 1.0)
                        treat = timedelta(minutes=rng.lognormvariate(6.0, 1.2))
                        if taken + treat < now and not (recent and roll < 0.40):
                            resolved = taken + treat
                            state = "resolved"
                            if resolved + timedelta(hours=4) < now and not (recent and roll > 0.9):
                                closed = resolved + timedelta(hours=rng.uniform(0.5, 72))
                                state = "closed" if closed < now else "resolved"
                                closed = closed if closed < now else None
                        tw = (closed - taken) if closed else None
                billable = billable_contract[client_id] or rng.random() < 0.05
                equipment = f"SRV-{rng.randrange(300):03d}" if rng.random() < 0.6 else ""
                tickets.add(
                    i,
                    f"OC-{created.year}-{i:07d}",
                    "incident" if rng.random() < 0.3 else "request",
                    "Demande de bench",
                    "",
                    CHANNELS[rng.randrange(len(CHANNELS))],
                    client_id,
                    contract.pk,
                    "standard",
                    "{}",
                    urgency,
                    COMPLEXITIES[rng.randrange(len(COMPLEXITIES))],
                    DOMAINS[rng.randrange(len(DOMAINS))],
                    "",
                    equipment,
                    billable,
                    tech if state != "new" or roll < 0.5 else None,
                    1,
                    state,
                    "",
                    "",
                    created,
                    closed or resolved or taken or created,
                    taken,
                    resolved,
                    closed,
                    "Résolu." if closed else "",
                    "standard",
                    gti,
                    created + gti * 2,
                    created + gti * 1.5,
                    ti,
                    None if ti is None else ti <= gti,
                    0,
                    None if tw is None else tw * 0.4,
                    tw,
                    None if tw is None else tw * 0.35,
                )
                actor = user_of[tech]
                events.append(line(i, "created", None, created, "", "new", True, "", 0, "{}"))
                if state == "cancelled":
                    at = created + timedelta(minutes=rng.uniform(5, 600))
                    events.append(
                        line(
                            i,
                            "transition",
                            actor,
                            at,
                            "new",
                            "cancelled",
                            True,
                            "",
                            0,
                            ACTION["cancel"],
                        )
                    )
                if taken:
                    events.append(
                        line(
                            i,
                            "transition",
                            actor,
                            taken,
                            "assigned",
                            "in_progress",
                            True,
                            "",
                            0,
                            ACTION["take_in_charge"],
                        )
                    )
                if resolved:
                    minutes = MINUTES[rng.randrange(len(MINUTES))]
                    events.append(
                        line(
                            i,
                            "transition",
                            actor,
                            resolved,
                            "in_progress",
                            "resolved",
                            True,
                            "",
                            minutes,
                            ACTION["resolve"],
                        )
                    )
                    if roll > 0.97 and treat > timedelta(hours=2):  # reopened once ...
                        events.append(
                            line(
                                i,
                                "transition",
                                actor,
                                resolved - timedelta(minutes=30),
                                "resolved",
                                "in_progress",
                                True,
                                "",
                                0,
                                ACTION["reopen"],
                            )
                        )
                        # ... after a first resolution that did not hold.
                        events.append(
                            line(
                                i,
                                "transition",
                                actor,
                                resolved - timedelta(minutes=60),
                                "in_progress",
                                "resolved",
                                True,
                                "",
                                0,
                                ACTION["resolve"],
                            )
                        )
                if closed:
                    events.append(
                        line(
                            i,
                            "transition",
                            actor,
                            closed,
                            "resolved",
                            "closed",
                            True,
                            "",
                            0,
                            ACTION["close"],
                        )
                    )
                if taken and rng.random() < 0.05:
                    visits.append(
                        line(
                            i,
                            tech,
                            taken + timedelta(hours=2),
                            timedelta(hours=2),
                            "on_site",
                            rng.choice((20, 40, 60)),
                            "",
                            False,
                            taken,
                        )
                    )
                if (
                    page_model is not None
                    and urgency == "critical"
                    and taken
                    and rng.random() < 0.2
                ):
                    page_rows.append((i, tech, created, taken, ti_wall <= timedelta(hours=1)))
            tickets.flush()
        print(f"  tickets copied ({time.perf_counter() - started:.0f} s)")
        with raw.copy(f"COPY tickets_ticketevent ({event_cols}) FROM STDIN") as ecopy:
            for k in range(0, len(events), 50_000):
                ecopy.write("".join(events[k : k + 50_000]))
        print(f"  {len(events):,} events copied ({time.perf_counter() - started:.0f} s)")
        with raw.copy(f"COPY tickets_plannedintervention ({visit_cols}) FROM STDIN") as vcopy:
            vcopy.write("".join(visits))
        if page_model is not None:
            _copy_pages(raw, page_rows, user_of)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), %s)", [args.tickets]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded {args.tickets:,} tickets, {len(events):,} events, {len(visits):,} visits, "
        f"{len(page_rows):,} pages in {time.perf_counter() - started:.0f} s"
    )


MINUTES = (0, 15, 30, 45, 60, 90, 120)
ACTION = {
    a: json.dumps({"action": a}) for a in ("cancel", "take_in_charge", "resolve", "reopen", "close")
}


def _text(value) -> str:
    """One value in COPY's text format (the bench writes no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{value.total_seconds()} seconds"
    return str(value)


def line(*values) -> str:
    return "\t".join(map(_text, values)) + "\n"


class Lines:
    """Buffers COPY text lines and sends them in large chunks (much faster than write_row)."""

    def __init__(self, copy, size: int = 20_000):
        self.copy, self.size, self.buffer = copy, size, []

    def add(self, *values) -> None:
        self.buffer.append(line(*values))
        if len(self.buffer) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer))
            self.buffer = []


def _copy_pages(raw, rows, user_of) -> None:
    cols = (
        "ticket_id, trigger, reason, target_id, state, level, step, raised_at, created_at, "
        "acknowledged_at, acknowledged_by_id, ack_via, intervention_deadline, intervention_at, "
        "intervention_met"
    )
    with raw.copy(f"COPY oncall_page ({cols}) FROM STDIN") as pcopy:
        for ticket_id, tech, raised, taken, met in rows:
            pcopy.write(
                line(
                    ticket_id,
                    "created",
                    "contract_24x7",
                    tech,
                    "acknowledged",
                    0,
                    1,
                    raised,
                    raised,
                    raised + timedelta(minutes=5),
                    user_of[tech],
                    "link",
                    raised + timedelta(hours=1),
                    taken,
                    met,
                )
            )


def _page_model():
    from reports.team import page_model

    return page_model()


# --- timing ------------------------------------------------------------------------------------


def timed(label: str, fn, repeat: int) -> float:
    from django.db import connection, reset_queries

    from reports.db import reporting_queries

    with reporting_queries():
        fn()  # warm-up: first touch of the pages in PostgreSQL's cache
    runs = []
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        with reporting_queries():  # as the views and the monthly task do
            fn()
        runs.append(time.perf_counter() - start)
    median = statistics.median(runs)
    queries = len(connection.queries)
    print(f"  {label:<48} median {median:6.3f} s  (min {min(runs):.3f}, {queries} queries)")
    return median


def run_timings(args) -> dict[str, float]:
    from django.conf import settings
    from django.db.models import Count

    from clients.models import Client
    from reports.pdf import render_report_pdf
    from reports.periods import Period
    from reports.selectors.billing import billing_summary
    from reports.selectors.service import ServiceReport
    from reports.tables import report_tables
    from reports.team import team_report

    settings.DEBUG = True  # count queries
    period = Period.previous_month()
    largest = Client.objects.annotate(n=Count("tickets")).order_by("-n").only("pk", "name").first()
    in_month = largest.tickets.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_at
    ).count()
    print(f"month {period.label}; largest client {largest.name}: {in_month:,} tickets that month")

    def client_report():
        report_tables(ServiceReport(largest, period), breach_limit=200)

    def centre_report():
        report_tables(ServiceReport(None, period), breach_limit=200)

    return {
        "client": timed("service report, largest client", client_report, args.repeat),
        "client_pdf": timed(
            "PDF of the largest client (queries + drawing)",
            lambda: render_report_pdf(ServiceReport(largest, period)),
            args.repeat,
        ),
        "centre": timed("service report, whole centre", centre_report, args.repeat),
        "team": timed("team view, whole centre", lambda: team_report(period), args.repeat),
        "billing": timed(
            "billing export, largest client",
            lambda: billing_summary(largest, period).lines,
            args.repeat,
        ),
    }


def main() -> int:
    args = parse_args()
    ensure_database(args)
    setup_django(args)
    from tickets.models import Ticket

    count = Ticket.objects.count()
    if count < args.tickets:
        if count:
            print(f"database holds {count:,} tickets, fewer than {args.tickets:,}: use --reseed")
            return 2
        print(f"seeding {args.tickets:,} tickets into {args.db} …")
        seed(args)
    else:
        print(f"{args.db} already seeded ({count:,} tickets)")
    from django.db import connection

    with connection.cursor() as cursor:
        # The baseline runs on the project's own indexes only, whatever an earlier run left.
        for name in SUGGESTED_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    print("with the project's indexes:")
    results = run_timings(args)
    if args.suggested_indexes:
        print("with the suggested indexes:")
        with connection.cursor() as cursor:
            for sql in SUGGESTED_INDEXES.values():
                cursor.execute(sql)
            cursor.execute("ANALYZE tickets_ticket")
        results = run_timings(args)
    target = 2.0
    verdict = "OK" if results["client"] < target else "ABOVE TARGET"
    print(f"client report {results['client']:.3f} s vs target {target:.1f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
