"""Ticket creation over HTTP: latency one request at a time, and throughput with a broker.

    .venv/bin/python bench/create_bench.py [--database-url postgres://…/oceanis_bench_intake]
        [--sequential 300] [--tickets 2000] [--concurrency 8] [--paths inline,embedded,broker]
        [--worker-nice 10]

gunicorn with 2 sync workers on loopback, PostgreSQL, DEBUG off: the issue's setting for the peer
(django-helpdesk 2.6.1: sequential creation without a broker p50 53–57 ms, p95 67–81 ms; 17.5
tickets/s with the Redis broker). The peer is not installed here: compare with those figures.
Every ticket mails its client (the creation confirmation to the client's declared address), so
the notification pipeline has real work to do. Paths, each on a fresh gunicorn, same database:

* ``inline``: no broker and no ``run_schedule`` beside the server: every reader of the event
  (mails rendered and sent, staff notices, on-call, webhooks) runs inside the request, as before
  the embedded hand-off (the previous figure, measured in the same run);
* ``embedded``: what ``make run`` does, no broker, ``manage.py run_schedule`` beside the server:
  the request hands the committed event to it and returns; the bench then waits for every
  creation mail and prints how long after its request each one left;
* ``broker``: production, Redis broker (database 7 by default, flushed) and one Celery worker
  (``-c 2``) on the same two cores as gunicorn, PostgreSQL and the load generator;
  ``--concurrency`` connections at once. Production's settings: a mail leaves one grouping
  window (``NOTIFICATIONS_GROUPING_SECONDS``, 60 s) after its event, so the bench waits for them.
  Besides the request rate it prints the worker's: tickets per second from the first ticket's
  commit to the moment the last one's creation event was processed by the readers (its mails
  planned and its staff notices derived), i.e. end to end, and the worker's CPU per ticket (its
  processes' user + system time from /proc: unlike a rate, it does not depend on what else runs
  on the machine). The worker runs at nice
  10 (``BACKGROUND_NICENESS``, production's default; ``--worker-nice``, 0: same priority as
  gunicorn): web requests first, the background work on
  the CPU they leave over, as a deployment sharing its cores should run it; the backlog it
  builds during a burst is drained after it.

Sequential latencies use one connection, one request at a time, timed by the load generator
(connection set-up included: gunicorn's sync workers close after each answer). Every line ends
with the load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alerts_bench import Sender, encode, free_port, recreate_postgres, run, start_worker  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEER_P50_MS = (53, 57)  # django-helpdesk 2.6.1, from the issue (not measured here)
PEER_BROKER_RATE = 17.5


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def manage(env: dict, script: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def prepare(env: dict) -> str:
    """Migrate, create a client whose every ticket is mailed to an address, and a token."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return manage(
        env,
        "import datetime as dt\n"
        "from clients.models import Client, Contract\n"
        "from api.services import token_create\n"
        "c = Client.objects.create(name='Bench', code='bench',"
        " notification_recipients='support@bench.example')\n"
        "Contract.objects.create(client=c, name='Infogérance', hours_plan='24x7',"
        " start_date=dt.date(2020, 1, 1))\n"
        "print(token_create(name='bench', scopes=['tickets:write'])[1])\n",
    )


def mail_state(env: dict, since_id: int) -> dict:
    """Creation mails of the tickets above ``since_id``: how many left, and how long after the
    ticket's creation (the request's commit) each one did."""
    return json.loads(
        manage(
            env,
            "import json\n"
            "from notifications.models import Notification\n"
            "from tickets.models import Ticket\n"
            f"tickets = Ticket.objects.filter(pk__gt={since_id}).count()\n"
            f"rows = Notification.objects.filter(ticket_id__gt={since_id}, status='sent')"
            ".values_list('sent_at', 'ticket__created_at')\n"
            "lags = sorted((s - c).total_seconds() for s, c in rows)\n"
            "print(json.dumps({'tickets': tickets, 'sent': len(lags), 'lags': lags}))\n",
        )
    )


def drain_state(env: dict, since_id: int) -> dict:
    """Creation events of the tickets above ``since_id`` processed by the readers (mails
    planned, notices derived), and the seconds from the first ticket's commit to the last
    processing (database clock)."""
    return json.loads(
        manage(
            env,
            "import json\n"
            "from django.db.models import Count, Max, Min\n"
            "from notices.models import DerivedEvent\n"
            "from notifications.models import EventDispatch\n"
            "from tickets.models import Ticket\n"
            f"tickets = Ticket.objects.filter(pk__gt={since_id})\n"
            "first = tickets.aggregate(t=Min('created_at'))['t']\n"
            f"mine = dict(event__ticket_id__gt={since_id}, event__kind='created')\n"
            "planned = EventDispatch.objects.filter(**mine).aggregate(n=Count('pk'),"
            " t=Max('planned_at'))\n"
            "derived = DerivedEvent.objects.filter(**mine).aggregate(n=Count('pk'),"
            " t=Max('derived_at'))\n"
            "last = max([t for t in (planned['t'], derived['t']) if t] or [first])\n"
            "print(json.dumps({'tickets': tickets.count(),"
            " 'done': min(planned['n'], derived['n']),"
            " 'seconds': (last - first).total_seconds() if first else 0.0}))\n",
        )
    )


def wait_until(read, key: str, env: dict, since_id: int, timeout: float) -> dict:
    """Poll ``read(env, since_id)`` until its ``key`` covers every ticket, or the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        state = read(env, since_id)
        if state[key] >= state["tickets"] or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (a Celery worker and its pool),
    from /proc: what the work cost, whatever else runs on the machine (0.0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        pids.extend(int(child) for child in children)
    return total


def last_ticket_id(env: dict) -> int:
    return int(
        manage(
            env,
            "from tickets.models import Ticket\n"
            "print(Ticket.objects.order_by('-pk').values_list('pk', flat=True).first() or 0)\n",
        )
    )


def start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_healthy(port: int) -> None:
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def sequential(port: int, token: str, count: int, tag: str) -> list[float]:
    payloads = [
        {"client": "bench", "title": f"Demande {tag} {i}", "urgency": "slightly_blocking"}
        for i in range(count)
    ]
    requests = [encode(port, "/api/v1/tickets/", token, p) for p in payloads]
    sender = Sender(port)
    for request in requests[:10]:  # warm-up: imports, prepared statements, template caches
        sender.send(request)
    timings, codes = [], {}
    for request in requests[10:]:
        started = time.perf_counter()
        code = sender.send(request)
        timings.append((time.perf_counter() - started) * 1000)
        codes[code] = codes.get(code, 0) + 1
    if set(codes) != {201}:
        raise SystemExit(f"unexpected answers {codes}")
    return timings


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/oceanis_bench_intake"
    )
    parser.add_argument("--sequential", type=int, default=300)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--paths", default="inline,embedded,broker")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="niceness of the Celery worker (broker path); 0: same priority as gunicorn",
    )
    args = parser.parse_args()
    paths = args.paths.split(",")

    var = tempfile.mkdtemp(prefix="oceanis-create-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "OCEANIS_VAR_DIR": var,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",  # loopback HTTP: TLS ends at the proxy in production
        "API_THROTTLE_RATE": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL"):
        env.pop(name, None)
    recreate_postgres(args.database_url)
    token = prepare(env)
    gunicorn = [
        str(BIN / "gunicorn"),
        "oceanis.wsgi",
        "--workers",
        "2",
        "--log-level",
        "warning",
    ]
    print(f"ticket creation, POST /api/v1/tickets/, gunicorn 2 sync workers, PostgreSQL ({load()})")

    for path in paths:
        port = free_port()
        path_env = dict(env)
        helpers: list[subprocess.Popen] = []
        if path == "embedded":
            helpers.append(start([sys.executable, "manage.py", "run_schedule"], path_env))
        elif path in ("broker", "queued"):
            path_env["CELERY_BROKER_URL"] = args.broker
            if path == "broker":
                helpers.append(start_worker(path_env, args.worker_nice))
        server = start([*gunicorn, "--bind", f"127.0.0.1:{port}"], path_env)
        try:
            wait_healthy(port)
            time.sleep(2)  # the runner / worker finish starting
            before = last_ticket_id(env)
            if path in ("inline", "embedded"):
                timings = sequential(port, token, args.sequential, path)
                p50, p95 = percentile(timings, 50), percentile(timings, 95)
                note = "previous path, all in the request" if path == "inline" else "make run"
                print(
                    f"{path} ({note}), sequential, no broker: p50 {p50:.1f} ms, "
                    f"p95 {p95:.1f} ms over {len(timings)} requests; peer p50 "
                    f"{PEER_P50_MS[0]}–{PEER_P50_MS[1]} ms → "
                    f"{PEER_P50_MS[0] / p50:.1f}–{PEER_P50_MS[1] / p50:.1f}× ({load()})"
                )
            else:
                payloads = [
                    {"client": "bench", "title": f"Demande {i}", "urgency": "slightly_blocking"}
                    for i in range(args.tickets)
                ]
                elapsed, codes = run(port, token, "/api/v1/tickets/", payloads, args.concurrency)
                rate = args.tickets / elapsed
                if path == "queued":
                    print(
                        f"queued (Redis broker, nobody consuming: the requests alone), "
                        f"{args.concurrency} connections: {rate:,.0f} tickets/s ({elapsed:.1f} s, "
                        f"status {codes}) ({load()})",
                        flush=True,
                    )
                    continue
                print(
                    f"broker (Redis + Celery worker -c 2 nice {args.worker_nice} on the same "
                    f"cores), {args.concurrency} connections: {rate:,.0f} tickets/s "
                    f"({elapsed:.1f} s, status {codes}); peer {PEER_BROKER_RATE} → "
                    f"{rate / PEER_BROKER_RATE:.1f}× ({load()})"
                )
                drain = wait_until(drain_state, "done", env, before, timeout=600)
                cpu = cpu_seconds(helpers[0].pid)
                print(
                    f"  worker: {drain['done'] / max(drain['seconds'], 0.001):,.1f} tickets/s "
                    f"end to end ({drain['done']}/{drain['tickets']} creation events processed "
                    f"by the readers {drain['seconds']:.1f} s after the first ticket's commit; "
                    f"worker CPU so far {cpu * 1000 / max(drain['done'], 1):.1f} ms/ticket, "
                    f"mails not all sent yet) ({load()})",
                    flush=True,
                )
            if path != "inline":
                state = wait_until(mail_state, "sent", env, before, timeout=240)
                lags = state["lags"] or [0.0]
                cpu = ""
                if path == "broker":  # its mails sent too: the whole of the worker's work
                    per_ticket = cpu_seconds(helpers[0].pid) * 1000 / args.tickets
                    cpu = f", worker CPU {per_ticket:.1f} ms/ticket"
                print(
                    f"  creation mails sent: {state['sent']}/{state['tickets']}, after the "
                    f"ticket's commit: p50 {percentile(lags, 50):.2f} s, max {max(lags):.2f} s"
                    f"{cpu} ({load()})",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
            for helper in helpers:
                helper.terminate()
                helper.wait(timeout=30)
            if path in ("broker", "queued"):
                import redis

                redis.Redis.from_url(args.broker).flushdb()


if __name__ == "__main__":
    main()
