"""Server time of the back-office pages on a large database (seed it with bench/seed_volume.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oceanis_bench \\
        .venv/bin/python bench/pages_bench.py [--runs 60]

Requests go through Django's test Client in-process: the whole server side (middleware,
session, views, queries, templates) is timed, without network or browser. Each scenario is
warmed up, then requested --runs times; p50/p95/max are printed with the query count of one
request. Target: p95 < 100 ms for the queue, dispatch and ticket pages.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from staff.models import MANAGER_GROUP, Technician  # noqa: E402
from tickets.models import OPEN_STATES, State, Ticket  # noqa: E402

TARGET_MS = 100


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    return parser.parse_args(argv)


def login(username: str) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(Technician.objects.get(user__username=username).user)
    return client


def scenarios() -> list[tuple[str, Client, list[str]]]:
    """(name, logged-in client, URLs to cycle through)."""
    rng = random.Random(7)
    manager = login("manager")
    # The technician with the most open tickets: the heaviest "my queue".
    busiest = (
        Technician.objects.filter(tickets__state__in=OPEN_STATES)
        .annotate(n=Count("tickets"))
        .order_by("-n")
        .values_list("user__username", flat=True)
        .first()
    )
    tech = login(busiest or "tech1")
    client_id = (
        Ticket.objects.filter(state__in=OPEN_STATES)
        .values("client")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("client", flat=True)
        .first()
    )
    team = reverse("backoffice:team_queue")
    ids = list(Ticket.objects.values_list("pk", flat=True))
    open_refs = list(
        Ticket.objects.filter(state__in=OPEN_STATES).values_list("reference", flat=True)[:2000]
    )
    sample = rng.sample(ids, 40)
    closed_refs = list(
        Ticket.objects.filter(pk__in=sample, state=State.CLOSED).values_list("reference", flat=True)
    )
    ticket = [reverse("backoffice:ticket", args=[r]) for r in rng.sample(open_refs, 20)]
    ticket += [reverse("backoffice:ticket", args=[r]) for r in closed_refs[:20]]
    return [
        ("my queue", tech, [reverse("home")]),
        ("team queue (default: active, GTI deadline)", tech, [team]),
        ("team queue page 20", tech, [f"{team}?page=20"]),
        ("team queue at risk", tech, [f"{team}?sla=at_risk"]),
        ("team queue breached", tech, [f"{team}?sla=breached"]),
        ("team queue client + critical", tech, [f"{team}?client={client_id}&urgency=critical"]),
        ("team queue htmx refresh", tech, [team]),
        ("dispatch", manager, [reverse("backoffice:dispatch")]),
        ("ticket page (open and closed)", tech, ticket),
    ]


def measure(client: Client, urls: list[str], runs: int, warmup: int, htmx: bool) -> dict:
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-rows"} if htmx else {}
    for url in urls[:warmup] if len(urls) > 1 else urls * warmup:
        assert client.get(url, **headers).status_code == 200, url
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(urls[0], **headers)
    timings = []
    for n in range(runs):
        url = urls[n % len(urls)]
        start = time.perf_counter()
        response = client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
        "max": timings[-1],
        "queries": len(queries),
    }


def main(args) -> int:
    settings.DEBUG = False  # no query logging overhead in the measured requests
    total = Ticket.objects.count()
    active = Ticket.objects.filter(state__in=OPEN_STATES).count()
    print(
        f"{connection.vendor} {connection.settings_dict['NAME']}: {total} tickets "
        f"({active} open), {args.runs} runs per page\n"
    )
    print(f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    worst = 0.0
    for name, client, urls in scenarios():
        result = measure(client, urls, args.runs, args.warmup, htmx="htmx" in name)
        worst = max(worst, result["p95"])
        print(
            f"{name:<44} {result['p50']:>8.1f} {result['p95']:>8.1f} "
            f"{result['max']:>8.1f} {result['queries']:>8}"
        )
    verdict = "OK" if worst < TARGET_MS else "ABOVE TARGET"
    print(f"\nworst p95: {worst:.1f} ms (target < {TARGET_MS} ms): {verdict}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    if not Technician.objects.filter(user__groups__name=MANAGER_GROUP).exists():
        sys.exit("No manager found: seed the database first (bench/seed_volume.py).")
    sys.exit(main(parse_args()))
