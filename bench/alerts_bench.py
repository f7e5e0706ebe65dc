"""Alert intake and ticket creation throughput over HTTP: gunicorn, 2 workers, loopback.

    .venv/bin/python bench/alerts_bench.py [--database-url postgres://…/oceanis_bench]
        [--alerts 10000] [--fingerprints 50] [--batch 100] [--tickets 1000] [--concurrency 8]

Without --database-url it uses PostgreSQL at postgres://postgres@127.0.0.1:5432/
oceanis_bench_alerts (dropped and recreated), as in production. The alert intake keeps its
production rate limit (60,000/minute per token, never reached here: its cost is measured); the
ticket API's (1,200/minute) is raised, as this measures creation capacity, not the limiter.
Prints:

* alerts/s, one alert per request (the storm: N alerts over F fingerprints, as monitoring tools
  that post each alert separately do), with the events and tickets it produced;
* alerts/s in Alertmanager-style grouped webhooks of --batch alerts;
* tickets/s created through POST /api/v1/tickets/.

Celery tasks triggered by the requests (webhooks, mails, on-call) go to a Redis broker as in
production (database 14 by default, flushed afterwards) and one Celery worker (``-c 2``) runs
them on the same two cores, as in production (``--no-worker``: nobody consumes them, which
flatters the figures); ``--broker ""`` runs them eagerly. The worker runs at nice
10 (``BACKGROUND_NICENESS``, production's default; ``--worker-nice``, 0: same priority): web
requests first, the background work on the CPU they
leave over, as a deployment sharing its cores should run it. The
rate-limit counters are shared in Redis as in production (``--cache``, database 13, flushed
afterwards); ``--cache ""`` keeps them per process.

The load generator runs on the same two cores as gunicorn, PostgreSQL and Redis: it sends
pre-encoded requests over raw sockets and prints its own CPU per request, so what it takes from
the server is visible (``http.client`` took about 0.67 ms per request, four times as much).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict) -> str:
    """Migrate, create a 24x7 client with a mapped host range and a staff token."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    script = (
        "import datetime as dt\n"
        "from clients.models import Client, Contract\n"
        "from api.services import token_create\n"
        "c = Client.objects.create(name='Bench', code='bench')\n"
        "Contract.objects.create(client=c, name='Infogérance', hours_plan='24x7',"
        " start_date=dt.date(2020, 1, 1))\n"
        "print(token_create(name='bench', scopes=['alerts:write', 'tickets:write'])[1])\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def encode(port: int, path: str, token: str, payload) -> bytes:
    """One complete HTTP/1.1 request, built before the clock starts."""
    body = json.dumps(payload).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Sender:
    """A lean load generator: it shares the machine's two cores with the server, so each
    request costs it one ``sendall`` and a few ``recv`` of pre-encoded bytes. The connection is
    kept when the server allows it (gthread workers) and reopened when it answers ``close``.
    """

    def __init__(self, port: int):
        self.port = port
        self.sock = None

    def send(self, request: bytes) -> int:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before the response headers")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (ln.partition(b":") for ln in lines[1:])
        }
        length = int(headers.get(b"content-length", b"-1"))
        close = headers.get(b"connection", b"").lower() == b"close"
        if length < 0:  # no length: the body runs to the end of the connection
            close = True
            while chunk := self.sock.recv(65536):
                body += chunk
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed in the middle of the body")
            body += chunk
        if close:
            self.sock.close()
            self.sock = None
        return status


def run(port: int, token: str, path: str, payloads: list, concurrency: int) -> tuple[float, dict]:
    """Send every payload over ``concurrency`` connections; (elapsed, {status: count})."""
    requests = iter([encode(port, path, token, p) for p in payloads])
    lock = threading.Lock()
    summary: dict[int, int] = {}

    def worker():
        sender, codes = Sender(port), []
        while True:
            with lock:
                request = next(requests, None)
            if request is None:
                break
            codes.append(sender.send(request))
        if sender.sock is not None:
            sender.sock.close()
        return codes

    cpu = time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = [pool.submit(worker) for _ in range(concurrency)]
        for future in results:
            for code in future.result():
                summary[code] = summary.get(code, 0) + 1
    elapsed = time.perf_counter() - started
    run.client_cpu_ms = (time.process_time() - cpu) / len(payloads) * 1000
    return elapsed, summary


def start_worker(env: dict, niceness: int) -> subprocess.Popen:
    """One Celery worker (``-c 2``, as docker-compose.yml) at this nice level."""
    command = [str(BIN / "celery"), "-A", "oceanis", "worker", "-c", "2", "-l", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env={**env, "BACKGROUND_NICENESS": str(niceness)})


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def count(env: dict) -> dict:
    script = (
        "import json\n"
        "from alerts.models import Event\n"
        "from tickets.models import Ticket\n"
        "print(json.dumps({'events': Event.objects.count(), 'tickets': Ticket.objects.count(),"
        " 'alerts': sum(Event.objects.values_list('count', flat=True))}))\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/oceanis_bench_alerts"
    )
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--fingerprints", type=int, default=50)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="gunicorn threads per worker (gthread): overlaps database waits such as commits",
    )
    parser.add_argument(
        "--broker",
        default="redis://127.0.0.1:6379/14",
        help="Celery broker the API enqueues to (its queues are flushed after the run); "
        "empty: tasks run eagerly inside the requests",
    )
    parser.add_argument(
        "--cache",
        default="redis://127.0.0.1:6379/13",
        help="CACHE_URL of the servers (rate-limit counters shared in Redis, as in production; "
        "flushed afterwards); empty: per-process memory",
    )
    parser.add_argument(
        "--worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run a Celery worker (-c 2) beside gunicorn, as production does (with --broker)",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="niceness of the Celery worker (web requests first, background work on the CPU "
        "left over); 0: same priority as gunicorn",
    )
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="oceanis-bench-")
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
    env["CACHE_URL"] = args.cache
    if args.broker:
        # Production path: the request thread only enqueues (webhooks, mails, on-call).
        env["CELERY_BROKER_URL"] = args.broker
    else:
        env.pop("CELERY_BROKER_URL", None)
    if args.database_url.startswith("postgres"):
        recreate_postgres(args.database_url)
    token = prepare(env)
    worker = None
    if args.broker and args.worker:
        worker = start_worker(env, args.worker_nice)
    running = f"running (nice {args.worker_nice})" if worker else "none"
    print(
        f"gunicorn 2 sync workers, PostgreSQL, broker {args.broker or 'none (eager)'}, "
        f"Celery worker {running} ({load()})"
    )

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "oceanis.wsgi",
            "--workers",
            "2",
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")

        severities = ["critical", "major", "warning", "minor", "info"]
        storm = [
            {
                "host": f"host{i % args.fingerprints}",
                "service": "ping",
                "severity": severities[(i % args.fingerprints) % len(severities)],
                "summary": "Hôte injoignable",
                "client": "bench",
            }
            for i in range(args.alerts)
        ]
        elapsed, codes = run(port, token, "/api/v1/alerts/", storm, args.concurrency)
        after = count(env)
        print(f"storm: {args.alerts} alerts over {args.fingerprints} fingerprints, one per request")
        print(f"  {args.alerts / elapsed:,.0f} alerts/s ({elapsed:.1f} s) status {codes}", end="")
        print(f"; load generator {run.client_cpu_ms:.2f} ms CPU/request")
        print(f"  -> {after['events']} events, {after['tickets']} tickets", end="")
        print(f", {after['alerts']} alerts counted ({load()})")

        groups = [
            {
                "version": "4",
                "receiver": "oceanis",
                "alerts": [
                    {
                        "status": "firing",
                        "labels": {
                            "alertname": "Load",
                            "instance": f"am{(g * args.batch + i) % 500}:9100",
                            "severity": "warning",
                            "client": "bench",
                        },
                    }
                    for i in range(args.batch)
                ],
            }
            for g in range(max(args.alerts // args.batch, 1))
        ]
        total = len(groups) * args.batch
        elapsed, codes = run(port, token, "/api/v1/alerts/", groups, args.concurrency)
        print(f"grouped: {total} alerts in {len(groups)} Alertmanager webhooks of {args.batch}")
        print(f"  {total / elapsed:,.0f} alerts/s ({elapsed:.1f} s) status {codes} ({load()})")

        tickets = [
            {"client": "bench", "title": f"Demande {i}", "urgency": "slightly_blocking"}
            for i in range(args.tickets)
        ]
        elapsed, codes = run(port, token, "/api/v1/tickets/", tickets, args.concurrency)
        print(f"tickets: {args.tickets} created via POST /api/v1/tickets/")
        print(f"  {args.tickets / elapsed:,.0f} tickets/s ({elapsed:.1f} s) status {codes}", end="")
        print(f"; load generator {run.client_cpu_ms:.2f} ms CPU/request ({load()})")
        print("targets: ≥ 500 alerts/s one per request, ≥ 1,000 alerts/s grouped")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        import redis

        if args.broker:
            redis.Redis.from_url(args.broker).flushdb()  # nobody consumes the bench's tasks
        if args.cache.startswith("redis"):
            redis.Redis.from_url(args.cache).flushdb()


if __name__ == "__main__":
    main()
