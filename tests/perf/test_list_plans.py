"""No list statement scans the ticket table (issue 23), whatever the backlog: every statement of
the queues, dispatch and ticket pages is EXPLAINed on 100,000 tickets (35,000 active, the seed
of bench/seed_volume.py) and must read indexes — no ``Seq Scan on tickets_ticket``, no parallel
scan of the table (the sign of a pass over every open ticket). PostgreSQL only: its planner is the
one that matters, and CI runs it."""

import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from tests.factories import ClientFactory, TechnicianFactory, make_ticket
from tests.support.database import database_url
from tickets.models import Ticket

pytestmark = [
    # Committed rows, so VACUUM can settle the table as autovacuum leaves it in production
    # (index-only scans are planned only on pages the visibility map knows to be all-visible).
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's planner (CI runs it)"
    ),
    pytest.mark.usefixtures("_tickets_truncated_after"),
]

TICKETS, ACTIVE = 100_000, 35_000
# A scan of the ticket table, alone or shared between parallel workers. (A parallel append of
# index-only counts is not one: each part reads a partial index.)
FULL_SCANS = ("Seq Scan on tickets_ticket", "Parallel Seq Scan", "Parallel Bitmap Heap Scan")
# The active tickets are the newest, as in a real history: (state, share in %) among them.
ACTIVE_MIX = [("new", 15), ("assigned", 20), ("in_progress", 35), ("pending", 20), ("resolved", 10)]


def seed(template: Ticket, owners: list[int], clients: list[int]) -> None:
    """TICKETS rows copied from ``template`` in one INSERT … SELECT over generate_series, with
    the columns a list filters or sorts on spread like bench/seed_volume.py's; then VACUUM
    ANALYZE (autocommit: the test runs outside a transaction)."""
    bounds, state_case = 0, []
    for state, share in ACTIVE_MIX:
        bounds += share
        state_case.append(f"WHEN g %% 100 < {bounds} THEN '{state}'")
    minutes = "(g || ' minutes')::interval"
    overrides = {
        "reference": "'P-' || g",
        "state": f"CASE WHEN g > {ACTIVE} THEN (CASE WHEN g %% 33 = 0 THEN 'cancelled' "
        f"ELSE 'closed' END) {' '.join(state_case)} END",
        "assignee_id": f"CASE WHEN g <= {ACTIVE} AND g %% 100 < 15 THEN NULL "
        f"ELSE (ARRAY{owners}::bigint[])[1 + g %% {len(owners)}] END",
        "client_id": f"(ARRAY{clients}::bigint[])[1 + g %% {len(clients)}]",
        "created_at": f"now() - {minutes} * 3",
        "gti_deadline": f"now() - {minutes} * 3 + interval '4 hours'",
        "gti_risk_at": f"now() - {minutes} * 3 + interval '3 hours'",
        "gti_met": f"CASE WHEN g > {ACTIVE} OR g %% 100 >= 35 THEN g %% 5 <> 0 END",
        "last_client_activity_at": f"CASE WHEN g %% 17 = 0 THEN now() - {minutes} END",
        "last_staff_reply_at": f"CASE WHEN g %% 34 = 0 THEN now() - {minutes} / 2 END",
    }
    q = connection.ops.quote_name
    columns = [f.column for f in Ticket._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(c, f"t.{q(c)}") for c in columns]
    # Column names come from the model and the expressions above; values are parameters.
    insert = (
        f"INSERT INTO tickets_ticket ({', '.join(q(c) for c in columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM tickets_ticket t, generate_series(1, %s) g "
        "WHERE t.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [TICKETS, template.pk])
    # From a connection of its own: run on the test's connection, VACUUM marked no page
    # all-visible (relallvisible 0), so the planner priced every index-only count as heap reads
    # and chose a sequential scan, which production's autovacuum never leaves it to.
    import psycopg

    with psycopg.connect(database_url(), autocommit=True) as other:
        other.execute("VACUUM ANALYZE tickets_ticket")


@pytest.fixture
def _tickets_truncated_after(transactional_db):
    """Torn down before the database flush (which needs transactional_db first): the flush's
    DELETE of 100,000 tickets checks every foreign key that refers to each row (~20 s), a
    TRUNCATE of the ticket table and the tables referring to it takes well under a second."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket CASCADE")


def next_link(response):
    found = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode())
    return html.unescape(found.group(1))


def ticket_statements(client, url: str) -> tuple[object, list[tuple[str, list]]]:
    """The page's reads of the ticket table, with their parameters: statements are bound
    server-side, so the SQL alone holds placeholders, not the values the plan depends on."""
    executed: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, url
    reads = [
        (sql, params)
        for sql, params in executed
        if "tickets_ticket" in sql and sql.lstrip("(").startswith("SELECT")
    ]
    return response, reads


@pytest.fixture
def _no_shared_counters():
    """The queue counters of 100,000 tickets are shared a few seconds (QUEUE_COUNTERS_SECONDS):
    each test starts and ends without them, so no other test reads them."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_no_shared_counters")
def test_no_list_statement_scans_the_ticket_table(client, technician, manager):
    owners = [technician.pk] + [TechnicianFactory().pk for _ in range(9)]
    template = make_ticket(client=ClientFactory())
    clients = [template.client_id] + [ClientFactory().pk for _ in range(5)]
    seed(template, owners, clients)
    team, mine = reverse("backoffice:team_queue"), reverse("home")
    dispatch = reverse("backoffice:dispatch")
    pages = {
        technician.user: [
            mine,
            team,
            f"{team}?sla=at_risk",
            f"{team}?sla=breached",
            f"{team}?awaiting=on",
            f"{team}?assignee=none",
            f"{team}?client={clients[1]}&urgency=critical",
            f"{team}?state=pending",
            f"{team}?sort=-created",
            f"{team}?sort=created",
            f"{team}?sort=urgency",
            reverse("backoffice:escalated_queue"),
            reverse("backoffice:ticket", args=["P-4242"]),
        ],
        manager.user: [dispatch],
    }
    plans = {}
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response, statements = ticket_statements(client, url)
            plans[url] = statements
            if url in (team, dispatch, f"{team}?sort=urgency", f"{team}?sort=-created"):
                # The next keyset page too (and back from it).
                after = f"{url.split('?')[0]}?{next_link(response)}"
                plans[after] = ticket_statements(client, after)[1]
                back = after.replace("after=", "before=")
                plans[back] = ticket_statements(client, back)[1]
    assert plans[team], "the team queue read no ticket?"
    offenders = {}
    with connection.cursor() as cursor:
        for url, statements in plans.items():
            for sql, params in statements:
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                if any(sign in plan for sign in FULL_SCANS):
                    offenders.setdefault(url, []).append(f"{sql}\n{plan}")
    assert not offenders, "\n\n".join(f"{u}:\n" + "\n".join(p) for u, p in offenders.items())
    # The guard sees a scan when there is one: a filter no index serves.
    with connection.cursor() as cursor:
        sql, params = Ticket.objects.filter(description__endswith="x").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        assert any(s in " ".join(r[0] for r in cursor.fetchall()) for s in FULL_SCANS)
