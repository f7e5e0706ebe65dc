"""Back-office pages on a large database: the queues, dispatch and the ticket page.

    # HTTP against gunicorn (2 sync workers, DEBUG off, PostgreSQL), 100,000 tickets, and the
    # growth from 3,000 to 35,000 open tickets measured in the same run:
    .venv/bin/python bench/pages_bench.py --http --open 3000,35000 [--tickets 100000]

    # in-process (Django's test Client) on a database seeded beforehand:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oceanis_bench \\
        .venv/bin/python bench/pages_bench.py [--runs 60]

With ``--open`` each (tickets, open) pair gets its own database ``oceanis_bench_pages_t<tickets>
_o<open>`` on the server of ``--server``, seeded once by bench/seed_volume.py (kept for the next
run; ``--reseed`` starts again), migrated and vacuumed before measuring. Over HTTP the
databases each get their gunicorn, all started at once, and every page is requested on each in
turn (A B, B A, …), so a load swing of the shared machine falls on all of them alike and the
growth table compares them request by request; in process they are measured in alternation
(``--rounds``). Every figure is printed with its path (HTTP or
in-process), the open-ticket count and the machine's load average.

``--http`` starts gunicorn (2 sync workers, as ``docker-compose.yml``; no broker: these GETs
queue no task) with persistent database connections, logs a session in for each user and sends
plain HTTP/1.1 requests over loopback, one at a time, as a TLS proxy would forward them; the
time is from the request sent to the last byte received. Without it, the whole server side
(middleware, session, views, queries, templates) is timed in process, without network.
Targets: p95 < 100 ms for the queues and dispatch, < 50 ms for the ticket page, and no more than
10 % between 3,000 and 35,000 open tickets.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LIST_TARGET_MS, TICKET_TARGET_MS, GROWTH_TARGET = 100, 50, 1.10
# The measuring process signs the sessions it logs in with the server's key.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="requests per page (in all)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--http", action="store_true", help="over HTTP against gunicorn")
    parser.add_argument(
        "--open", default="", help="open-ticket counts to compare, e.g. 3000,35000 (seeds)"
    )
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in all (--open)")
    parser.add_argument("--rounds", type=int, default=3, help="alternations per database")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the measuring process (Django set up on one database) -----------------------------------


def scenarios(client_for) -> list[tuple[str, str, list[str], dict]]:
    """(name, username, URLs to cycle through, extra headers)."""
    import random

    from django.db.models import Count
    from django.urls import reverse

    from staff.models import Technician
    from tickets.models import OPEN_STATES, State, Ticket

    rng = random.Random(7)
    # The technician with the most open tickets: the heaviest "my queue".
    busiest = (
        Technician.objects.filter(tickets__state__in=OPEN_STATES)
        .annotate(n=Count("tickets"))
        .order_by("-n")
        .values_list("user__username", flat=True)
        .first()
    ) or "tech1"
    client_id = (
        Ticket.objects.filter(state__in=OPEN_STATES)
        .values("client")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("client", flat=True)
        .first()
    )
    # That client's most frequent urgency among its open tickets: a two-filter query that fills
    # a page at every backlog (the rarest one, "critical", gave 4 rows at 3,000 open and 25 at
    # 35,000, so the growth measured the rows rendered, not the backlog).
    urgency = (
        Ticket.objects.filter(state__in=OPEN_STATES, client=client_id)
        .values("urgency")
        .annotate(n=Count("pk"))
        .order_by("-n", "urgency")
        .values_list("urgency", flat=True)
        .first()
    )
    team = reverse("backoffice:team_queue")
    # Page 20 of the team queue: nineteen "Suivante" links from the first page.
    page, tech = team, client_for(busiest)
    for _ in range(19):
        found = re.search(r'href="\?([^"]*)" rel="next"', tech.get(page).content.decode())
        if not found:
            break
        page = f"{team}?{found.group(1).replace('&amp;', '&')}"
    ids = list(Ticket.objects.values_list("pk", flat=True))
    open_refs = list(
        Ticket.objects.filter(state__in=OPEN_STATES).values_list("reference", flat=True)[:2000]
    )
    closed_refs = list(
        Ticket.objects.filter(pk__in=rng.sample(ids, 40), state=State.CLOSED).values_list(
            "reference", flat=True
        )
    )
    ticket = [reverse("backoffice:ticket", args=[r]) for r in rng.sample(open_refs, 20)]
    ticket += [reverse("backoffice:ticket", args=[r]) for r in closed_refs[:20]]
    htmx = {"HX-Request": "true", "HX-Target": "queue-rows"}
    by_client = f"client={client_id}&urgency={urgency}"
    return [
        ("my queue", busiest, [reverse("home")], {}),
        ("team queue (default: active, GTI deadline)", busiest, [team], {}),
        ("team queue page 20", busiest, [page], {}),
        ("team queue at risk", busiest, [f"{team}?sla=at_risk"], {}),
        ("team queue breached", busiest, [f"{team}?sla=breached"], {}),
        ("team queue client + urgency", busiest, [f"{team}?{by_client}"], {}),
        ("team queue htmx refresh", busiest, [team], htmx),
        ("dispatch", "manager", [reverse("backoffice:dispatch")], {}),
        ("ticket page (open and closed)", busiest, ticket, {}),
    ]


class Server:
    """gunicorn on this database, as in production (2 sync workers, DEBUG off)."""

    def __init__(self, database_url: str | None = None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {
            **os.environ,
            # One directory for every run: its collected static files are kept.
            "OCEANIS_VAR_DIR": str(Path(tempfile.gettempdir()) / "oceanis-pages-bench"),
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "600",
        }
        env.pop("CELERY_BROKER_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        # DEBUG off serves hashed static files from the manifest, as production does.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "oceanis.wsgi", "--workers", "2", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def get(self, url: str, cookie: str, headers: dict) -> tuple[int, float]:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(
            "GET",
            url,
            headers={
                "Host": "localhost",
                "Cookie": f"sessionid={cookie}",
                "X-Forwarded-Proto": "https",  # behind the TLS proxy, as in production
                **headers,
            },
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, (time.perf_counter() - started) * 1000

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def measure_child(args) -> dict:
    """Measure every page on this process's database; JSON-able timings and query counts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")
    os.environ["SECRET_KEY"] = SECRET_KEY
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.test import Client

    from staff.models import MANAGER_GROUP, Technician

    if not Technician.objects.filter(user__groups__name=MANAGER_GROUP).exists():
        sys.exit("No manager found: seed the database first (bench/seed_volume.py).")
    settings.DEBUG = False
    clients: dict[str, Client] = {}

    def client_for(username: str) -> Client:
        if username not in clients:
            client = Client(HTTP_HOST="localhost", headers={"X-Forwarded-Proto": "https"})
            client.force_login(Technician.objects.get(user__username=username).user)
            # Staff owe a second factor at login: the measured sessions have given it.
            if apps.is_installed("identity"):
                from identity.services import VERIFIED_KEY

                session = client.session
                session[VERIFIED_KEY] = True
                session.save()
            clients[username] = client
        return clients[username]

    found = prepared(scenarios(client_for), client_for)
    if args.prepare:
        return found
    server = Server() if args.http else None
    load = [os.getloadavg()[0]]
    results = {}
    try:
        for page in found["pages"]:
            urls, headers, cookie = page["urls"], page["headers"], page["cookie"]
            client = client_for(page["username"])
            meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}

            def get(url, client=client, meta=meta, headers=headers, cookie=cookie):
                if server is None:
                    started = time.perf_counter()
                    status = client.get(url, **meta).status_code
                    return status, (time.perf_counter() - started) * 1000
                return server.get(url, cookie, headers)

            warm = urls[: args.warmup] if len(urls) > 1 else urls * args.warmup
            for url in warm * (2 if server else 1):  # both gunicorn workers
                assert get(url)[0] == 200, url
            timings = []
            for n in range(args.runs):
                status, ms = get(urls[n % len(urls)])
                assert status == 200, (urls[n % len(urls)], status)
                timings.append(ms)
            results[page["name"]] = {"timings": timings, "queries": page["queries"]}
    finally:
        if server:
            server.stop()
    load.append(os.getloadavg()[0])
    facts = {key: found[key] for key in ("database", "tickets", "open")}
    return {**facts, "load": load, "pages": results}


def prepared(plan, client_for) -> dict:
    """Each page's URLs, session cookie and statement count (in process), for the orchestrator
    to time over HTTP: the sessions live in the database, so they outlive this process."""
    from django.conf import settings
    from django.db import connection

    from tickets.models import ACTIVE_STATES, Ticket

    pages = []
    for name, username, urls, headers in plan:
        client = client_for(username)
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        client.get(urls[0], **meta)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert client.get(urls[0], **meta).status_code == 200, urls[0]
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        pages.append(
            {"name": name, "username": username, "urls": urls, "headers": headers,
             "cookie": cookie, "queries": len(queries)}
        )  # fmt: skip
    return {
        "database": connection.settings_dict["NAME"],
        "tickets": Ticket.objects.count(),
        # The seed's --open: open tickets and resolved ones not yet closed (the queues' rows).
        "open": Ticket.objects.filter(state__in=ACTIVE_STATES).count(),
        "pages": pages,
    }


# --- the orchestrating process ----------------------------------------------------------------


def ensure_database(args, open_count: int) -> str:
    """The URL of a database seeded with ``args.tickets`` tickets, ``open_count`` open."""
    import psycopg

    name = f"oceanis_bench_pages_t{args.tickets}_o{open_count}"
    url = f"{args.server}/{name}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and args.reseed:
            admin.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    seeded = 0
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('tickets_ticket')").fetchone()[0]:
            seeded = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]
    if seeded and seeded != args.tickets:  # an interrupted seed: start again
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        seeded = 0
    if not seeded:
        print(f"seeding {name} (bench/seed_volume.py)…", flush=True)
        subprocess.run(
            [sys.executable, "bench/seed_volume.py", "--tickets", str(args.tickets),
             "--open", str(open_count)],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
    # The code measured may carry migrations the seeded database has not seen yet.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a settled table
    return url


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def target_of(name: str) -> int:
    return TICKET_TARGET_MS if name.startswith("ticket page") else LIST_TARGET_MS


def report(runs: list[dict], path: str) -> bool:
    """Print each database's table and, with several, the growth table; True if on target."""
    merged: dict[str, dict] = {}
    for run in runs:
        fresh = {"tickets": run["tickets"], "open": run["open"], "load": [], "pages": {}}
        db = merged.setdefault(run["database"], fresh)
        db["load"] += run["load"]
        for name, page in run["pages"].items():
            slot = db["pages"].setdefault(name, {"timings": [], "queries": page["queries"]})
            slot["timings"] += page["timings"]
    ok = True
    for name, db in merged.items():
        print(
            f"\n{name}: {db['tickets']:,} tickets, {db['open']:,} open (resolved included) — "
            f"{path}; "
            f"load average {min(db['load']):.1f}–{max(db['load']):.1f} (2 cores)"
        )
        head = f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        print(f"{head} {'queries':>8} {'target':>7}")
        for page, data in db["pages"].items():
            p50, p95 = percentiles(data["timings"])
            target = target_of(page)
            ok &= p95 < target
            print(
                f"{page:<44} {p50:>8.1f} {p95:>8.1f} {max(data['timings']):>8.1f} "
                f"{data['queries']:>8} {'<' + str(target):>7}{'' if p95 < target else '  ABOVE'}"
            )
    if len(merged) > 1:
        dbs = list(merged.values())
        first, last = dbs[0], dbs[-1]
        print(
            f"\ngrowth, p50 ms (p95 ms): {first['open']:,} open → {last['open']:,} open "
            f"({first['tickets']:,} → {last['tickets']:,} tickets), same run, "
            f"{'request by request' if 'interleaved' in path else 'alternated'}"
        )
        for page in first["pages"]:
            cells, p50s = [], []
            for db in dbs:
                p50, p95 = percentiles(db["pages"][page]["timings"])
                cells.append(f"{p50:6.1f} ({p95:6.1f})")
                p50s.append(p50)
            ratio = p50s[-1] / p50s[0]
            verdict = "" if ratio <= GROWTH_TARGET else "  ABOVE"
            print(f"{page:<44} {'  '.join(cells)}   ×{ratio:.2f}{verdict}")
    return ok


def main(args) -> int:
    if args.child:
        print(json.dumps(measure_child(args)))
        return 0
    path = "HTTP, gunicorn 2 sync workers, loopback" if args.http else "in-process test Client"
    if not args.open:  # the database of DATABASE_URL, as it is
        runs = [measure_child(args)]
        return 0 if report(runs, path) else 1
    counts = [int(n) for n in args.open.split(",")]
    urls = [ensure_database(args, n) for n in counts]
    if args.http:
        runs = interleaved_http(args, urls)
        return 0 if report(runs, path + ", PostgreSQL, no broker, interleaved") else 1
    per_round = max(1, args.runs // args.rounds)
    command = [sys.executable, __file__, "--child", "--runs", str(per_round),
               "--warmup", str(args.warmup)] + (["--http"] if args.http else [])  # fmt: skip
    runs = []
    for round_number in range(args.rounds):
        for url in urls:
            print(f"round {round_number + 1}/{args.rounds}: {url.rsplit('/', 1)[1]}", flush=True)
            out = subprocess.run(
                command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                check=True, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return 0 if report(runs, path + ", PostgreSQL, no broker") else 1


def interleaved_http(args, urls: list[str]) -> list[dict]:
    """One gunicorn per database, all running at once, and the same page requested on each in
    turn (A B, then B A): a swing of the shared machine's load falls on every database alike,
    so the growth table compares them within each pair of requests rather than across runs
    minutes apart (which differed by 10–15 % for the same page)."""
    plans = []
    for url in urls:
        command = [sys.executable, __file__, "--child", "--prepare"]
        out = subprocess.run(
            command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
            check=True, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        plans.append(json.loads(out.stdout.strip().splitlines()[-1]))
    servers = [Server(url) for url in urls]
    load = [os.getloadavg()[0]]
    timings: list[dict[str, list[float]]] = [{} for _ in urls]
    try:
        for index, first in enumerate(plans[0]["pages"]):
            print(f"  {first['name']}", flush=True)
            pages = [plan["pages"][index] for plan in plans]
            for server, page in zip(servers, pages, strict=True):
                urls_ = page["urls"]
                warm = urls_[: args.warmup] if len(urls_) > 1 else urls_ * args.warmup
                for url in warm * 2:  # both gunicorn workers
                    assert server.get(url, page["cookie"], page["headers"])[0] == 200, url
            for n in range(args.runs):
                order = list(range(len(servers)))
                if n % 2:
                    order.reverse()
                for i in order:
                    page = pages[i]
                    url = page["urls"][n % len(page["urls"])]
                    status, ms = servers[i].get(url, page["cookie"], page["headers"])
                    assert status == 200, (url, status)
                    timings[i].setdefault(page["name"], []).append(ms)
    finally:
        for server in servers:
            server.stop()
    load.append(os.getloadavg()[0])
    return [
        {
            "database": plan["database"], "tickets": plan["tickets"], "open": plan["open"],
            "load": load,
            "pages": {
                page["name"]: {"timings": timings[i][page["name"]], "queries": page["queries"]}
                for page in plan["pages"]
            },
        }
        for i, plan in enumerate(plans)
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(parse_args()))
