"""The embedded hand-off (``oceanis.handoff``): only in embedded mode, only to a runner of the
same database, only the tasks it may take; ``run_schedule`` listens and cleans up."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.db import connection

from oceanis import handoff
from oceanis.celery import app as celery_app
from oceanis.schedule import EmbeddedScheduler

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


class FakeTask:
    name = "tickets.tasks.announce_event"

    def __init__(self):
        self.delayed: list[tuple] = []

    def delay(self, *args):
        self.delayed.append(args)


@pytest.fixture
def var_dir(settings):
    path = Path(tempfile.mkdtemp(prefix="oceanis-ho-"))
    settings.VAR_DIR = path
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def listener(var_dir):
    listener = handoff.Listener(celery_app)
    assert listener.bind()
    yield listener
    listener.close()


def test_a_listening_runner_receives_the_task_instead_of_the_caller(listener):
    task = FakeTask()
    handoff.delay(task, 42)
    assert task.delayed == []
    message = json.loads(listener._sock.recv(handoff.MAX_DATAGRAM))
    assert message == {"task": "tickets.tasks.announce_event", "args": [42]}


def test_with_a_broker_the_task_goes_to_celery_even_if_a_runner_listens(listener, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    task = FakeTask()
    handoff.delay(task, 42)
    assert task.delayed == [(42,)]
    assert listener.serve_one() is False  # nothing was handed over


def test_with_no_runner_the_caller_runs_the_task(var_dir):
    task = FakeTask()
    handoff.delay(task, 7)
    assert task.delayed == [(7,)]


def test_a_runner_of_another_database_is_never_handed_anything(listener, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "another_database")
    assert handoff.socket_path() != listener.path
    task = FakeTask()
    handoff.delay(task, 7)
    assert task.delayed == [(7,)]


def test_the_socket_is_private_to_its_user(listener):
    assert listener.path.stat().st_mode & 0o777 == 0o600


def test_the_runner_refuses_other_tasks_and_garbage(listener, caplog, monkeypatch):
    import ops.tasks  # noqa: F401 - registers the task a hostile datagram names

    ran = []
    monkeypatch.setattr(
        celery_app.tasks["ops.tasks.record_worker_heartbeat"], "apply", lambda **kw: ran.append(kw)
    )
    with caplog.at_level(logging.WARNING, logger="oceanis.handoff"):
        listener.run(b'{"task": "ops.tasks.record_worker_heartbeat", "args": []}')
        listener.run(b"not json")
        listener.run(b'{"args": [1]}')
    assert ran == []
    assert len(caplog.records) == 3


def test_a_failing_task_is_logged_and_the_runner_goes_on(listener, caplog, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("reader exploded")

    monkeypatch.setattr(celery_app.tasks["tickets.tasks.announce_event"], "apply", boom)
    with caplog.at_level(logging.ERROR, logger="oceanis.handoff"):
        listener.run(b'{"task": "tickets.tasks.announce_event", "args": [1]}')
    assert "reader exploded" in caplog.text
    assert listener.handled == 1


def test_a_path_too_long_for_a_socket_disables_the_hand_off(settings):
    settings.VAR_DIR = Path(tempfile.gettempdir()) / ("x" * 120)
    assert handoff.hand_off("tickets.tasks.announce_event", (1,)) is False
    assert handoff.Listener(celery_app).bind() is False


def test_run_schedule_listens_beside_the_jobs_and_removes_its_socket_on_exit(var_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="oceanis.settings", OCEANIS_VAR_DIR=str(var_dir))
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "run_schedule"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline(), process.stdout.readline()]
        assert "after the request that committed them" in lines[1], lines
        (sock,) = var_dir.glob("handoff-*.sock")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    assert process.returncode == 0
    assert not sock.exists()


@celery_app.task(name="tests.oceanis.handoff_job_recording_an_event")
def job_recording_an_event():
    # Like sla-breach-warnings or the closure sweep: a job that records ticket events hands them
    # to its own process, then goes on writing.
    order.append("job starts")
    handoff.delay(celery_app.tasks["tickets.tasks.announce_event"], 7)
    threading.Event().wait(0.3)  # room for the listener to run the hand-off meanwhile
    order.append("job ends")


order: list[str] = []


def test_a_hand_off_from_a_periodic_job_waits_for_the_job_to_end(listener, monkeypatch):
    """Two writers in the runner at once fail on SQLite ("database is locked" at the first tick
    of a fresh ``make run``): the listener runs what a job handed over only once the job ends."""
    order.clear()
    monkeypatch.setattr(
        celery_app.tasks["tickets.tasks.announce_event"],
        "apply",
        lambda **kw: order.append("hand-off runs"),
    )
    serving = threading.Thread(target=listener.serve_one)
    serving.start()
    scheduler = EmbeddedScheduler(
        celery_app, {"job": {"task": job_recording_an_event.name, "schedule": crontab(minute="*")}}
    )
    scheduler._run(scheduler.entries[0])
    serving.join(timeout=5)
    assert order == ["job starts", "job ends", "hand-off runs"]
