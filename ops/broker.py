"""Whether the Celery broker answers: a connection with a short timeout, remembered a while."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from kombu import Connection

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0
# Prometheus scrapes every 15 to 60 s, possibly several servers at once: one check per process
# per this many seconds, so a dead broker costs a scrape at most TIMEOUT_SECONDS now and then.
CACHE_SECONDS = 10.0

_lock = threading.Lock()
_last: tuple[float, bool] | None = None


def broker_configured() -> bool:
    """False in the embedded mode: tasks run in process, there is no broker to watch."""
    return not settings.CELERY_TASK_ALWAYS_EAGER


def _check(url: str) -> bool:
    options = {"socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS}
    try:
        with Connection(url, connect_timeout=TIMEOUT_SECONDS, transport_options=options) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT_SECONDS
            )
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable", logged once per check
        logger.warning("Broker unreachable: %s", exc)
        return False
    return True


def broker_reachable(*, now: float | None = None) -> bool:
    global _last
    now = time.monotonic() if now is None else now
    with _lock:
        if _last is None or now - _last[0] >= CACHE_SECONDS:
            _last = (now, _check(settings.CELERY_BROKER_URL))
        return _last[1]


def forget() -> None:
    """Drop the remembered answer (tests, or after a configuration change)."""
    global _last
    with _lock:
        _last = None
