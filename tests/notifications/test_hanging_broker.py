"""A broker that accepts connections and never answers does not hold the request that publishes:
the publish gives up after the socket timeout, the row stays in the database for the sweeper."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from notifications import tasks
from tests.notifications.test_celery_worker import _forget_connections


@pytest.fixture
def silent_broker():
    """A TCP server that accepts and then says nothing (a half-open or frozen Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_a_silent_broker_delays_a_publish_by_seconds_not_forever(settings, silent_broker, caplog):
    settings.CELERY_BROKER_URL = silent_broker
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_timeout": 1.0,
        "socket_connect_timeout": 1.0,
    }
    _forget_connections()
    try:
        started = time.monotonic()
        tasks.schedule([(1, "dsi@acme.test")])  # logs the failure, raises nothing
        elapsed = time.monotonic() - started
    finally:
        _forget_connections()
    assert elapsed < 10, elapsed  # two tries of about a second each, not a hang
    assert "Could not queue notification delivery 1/dsi@acme.test" in caplog.text
