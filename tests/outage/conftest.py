"""Fixtures of the outage suite: a Redis of its own, Celery workers in subprocesses on the test
database, SMTP and HTTP sinks, and a clock shared by the test and its workers.

The workers are separate processes: they read the tables the test commits, so every test here is
``transaction=True`` on PostgreSQL (SQLite's test database cannot be shared between processes).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest
import time_machine
from django.db import connection

from tests.support.database import database_url

from .support import HttpSink, RedisServer, SmtpSink, Worker


@pytest.fixture(autouse=True)
def _needs_postgresql_and_redis():
    # CI (.ci/run) sets OCEANIS_REQUIRE_OUTAGE: there a missing piece fails, it is never skipped.
    unavailable = pytest.fail if os.environ.get("OCEANIS_REQUIRE_OUTAGE") else pytest.skip
    if connection.vendor != "postgresql":
        unavailable(
            "outage tests run Celery workers in subprocesses that must share the test database: "
            "PostgreSQL only (set DATABASE_URL=postgres://...)"
        )
    if shutil.which("redis-server") is None:
        unavailable("outage tests start their own redis-server, which is not installed")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.up()
    yield sink
    sink.down()


@pytest.fixture
def http_sink():
    sink = HttpSink()
    yield sink
    sink.close()


def _forget_connections(app):
    # Drop the app's references only: kombu's shared pools may still be used by other code.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(settings, redis_server):
    """This process publishes to the test's Redis, not eagerly (as gunicorn does).

    Through Django's settings, which the Celery app reads live: with Celery 5.6 an assignment to
    ``app.conf.broker_url`` is shadowed by the CELERY_-prefixed setting."""
    from oceanis.celery import app

    settings.CELERY_BROKER_URL = redis_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _forget_connections(app)
    assert (app.conf.broker_url, app.conf.task_always_eager) == (redis_server.url, False)
    yield app
    _forget_connections(app)


class Clock:
    """The test's clock, ticking from ``start``; the workers follow it through a file
    (tests/outage/worker_main.py), so both jump together."""

    def __init__(self, path: Path, start: dt.datetime):
        self.path = path
        self.offset = start.timestamp() - time.time()  # before travelling: the real time
        self.path.write_text(repr(self.offset))
        self.traveller = time_machine.travel(start, tick=True)
        self.coordinates = self.traveller.start()

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.path.write_text(repr(self.offset))
        self.coordinates.shift(seconds)
        time.sleep(0.5)  # the workers poll the file every 0.1 s

    def stop(self) -> None:
        self.traveller.stop()


@pytest.fixture
def clock_at(tmp_path):
    clocks = []

    def start(moment: dt.datetime) -> Clock:
        clocks.append(Clock(tmp_path / "clock", moment))
        return clocks[-1]

    yield start
    for clock in clocks:
        clock.stop()


@pytest.fixture
def workers(transactional_db, tmp_path, redis_server):
    """Start workers with ``workers(env_overrides)``; all are stopped before the test database is
    flushed (a worker holding a connection would block it)."""
    started: list[Worker] = []

    def start(env: dict[str, str], *, pool: str = "solo", clock: Clock | None = None) -> Worker:
        full = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis_server.url,
            "DEBUG": "true",
            "OCEANIS_VAR_DIR": str(tmp_path / "var"),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        full.pop("OUTAGE_CLOCK_FILE", None)
        if clock is not None:
            full["OUTAGE_CLOCK_FILE"] = str(clock.path)
        worker = Worker(full, tmp_path / f"worker{len(started)}.log", pool=pool)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()
        print(f"--- {worker.log_path.name} (last lines) ---\n{worker.tail()}")  # shown on failure
