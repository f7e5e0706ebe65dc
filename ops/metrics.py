"""Prometheus metrics: what processes count (request latency, alert intake) and what is read
from the database and the broker at scrape time (outboxes, GTI watch, heartbeat, broker).

Counted metrics live in each process. gunicorn runs several: with ``PROMETHEUS_MULTIPROC_DIR``
set (``gunicorn.conf.py`` sets it) prometheus_client keeps them in per-process files of that
directory and a scrape adds up every process's files, so whichever worker answers reports the
whole server. Without it (runserver, tests) they are this process's own.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from . import broker

logger = logging.getLogger(__name__)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # A process started without gunicorn's config (a Celery worker importing the intake) must not
    # fail on a directory that only gunicorn creates.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Our own registry, not prometheus_client's global one: its process and GC collectors describe
# one process and would mislead next to the summed figures of a multi-process server.
COUNTED = CollectorRegistry(auto_describe=True)

REQUEST_DURATION = Histogram(
    "oceanis_http_request_duration_seconds",
    "Time to answer an HTTP request, by view, method and status code.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=COUNTED,
)
ALERTS_RECEIVED = Counter(
    "oceanis_alerts_received",
    "Monitoring alerts received by the intake: accepted, or rejected for want of a client.",
    ["outcome"],
    registry=COUNTED,
)


def alerts_received(*, accepted: int, rejected: int) -> None:
    if accepted:
        ALERTS_RECEIVED.labels("accepted").inc(accepted)
    if rejected:
        ALERTS_RECEIVED.labels("rejected").inc(rejected)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class StateCollector:
    """Reads the state of the service desk at each scrape (nothing of it is kept in memory)."""

    def describe(self):
        return []  # collected on demand only: registering must not query the database

    def collect(self):
        # Imported here: the app registry is ready by the first scrape, not at import time.
        from .selectors import gti_watch, heartbeat_age_seconds, outbox_stats
        from .services import WORKER_HEARTBEAT

        if broker.broker_configured():
            yield _gauge(
                "oceanis_broker_up",
                "1 when the Celery broker accepts a connection, 0 otherwise.",
                float(broker.broker_reachable()),
            )
        now = timezone.now()
        try:
            outboxes = outbox_stats(now=now)
            gti = gti_watch(now=now)
            heartbeat = heartbeat_age_seconds(name=WORKER_HEARTBEAT, now=now)
        except DatabaseError as exc:
            # The other figures (latency, broker) matter most exactly when the database fails.
            logger.warning("Metrics: database unavailable: %s", exc)
            yield _gauge("oceanis_database_up", "1 when the database answers.", 0.0)
            return
        yield _gauge("oceanis_database_up", "1 when the database answers.", 1.0)
        families = {
            "pending": GaugeMetricFamily(
                "oceanis_outbox_pending", "Deliveries waiting to be sent.", labels=["channel"]
            ),
            "sending": GaugeMetricFamily(
                "oceanis_outbox_sending",
                "Deliveries claimed by a worker (lease running).",
                labels=["channel"],
            ),
            "failed": GaugeMetricFamily(
                "oceanis_outbox_failed",
                "Deliveries given up (dead letters), until their retention ends.",
                labels=["channel"],
            ),
            "oldest_pending_age_seconds": GaugeMetricFamily(
                "oceanis_outbox_oldest_pending_age_seconds",
                "Age of the oldest delivery still waiting (0 when none waits).",
                labels=["channel"],
            ),
        }
        for channel, figures in sorted(outboxes.items()):
            for key, family in families.items():
                family.add_metric([channel], float(figures[key]))
        yield from families.values()
        yield _gauge(
            "oceanis_tickets_gti_at_risk",
            "Open tickets not yet taken in charge with at least 75 % of their GTI consumed.",
            gti["at_risk"],
        )
        yield _gauge(
            "oceanis_tickets_gti_breached",
            "Open tickets whose GTI is breached (deadline passed, or taken in charge late).",
            gti["breached"],
        )
        yield _gauge(
            "oceanis_worker_heartbeat_age_seconds",
            "Seconds since a worker last ran the every-minute heartbeat job (+Inf: never).",
            heartbeat,
        )


def exposition() -> bytes:
    """The text a scrape returns."""
    registry = CollectorRegistry(auto_describe=False)
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(COUNTED)
    registry.register(StateCollector())
    return generate_latest(registry)
