"""Embedded mode runs the periodic jobs of production: due entries run in process, on Celery's
own schedule objects, one failure never stops the others, and only one scheduler per var dir."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from oceanis.celery import app as celery_app
from oceanis.schedule import EmbeddedScheduler, ScheduleAlreadyRunning, ScheduleLock
from tests.factories import ContactFactory, ContractFactory, make_ticket

PARIS = ZoneInfo("Europe/Paris")
ROOT = Path(__file__).resolve().parents[2]
# Each run closes stale database connections, as Django does around a request.
pytestmark = pytest.mark.django_db
calls: list[str] = []


@celery_app.task(name="tests.oceanis.schedule_probe")
def probe(label="probe"):
    calls.append(label)


@celery_app.task(name="tests.oceanis.schedule_boom")
def boom():
    calls.append("boom")
    raise RuntimeError("job exploded")


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def minutely(task, **kwargs):
    return {"task": task.name, "schedule": crontab(minute="*"), **kwargs}


def test_a_minutely_job_runs_once_each_minute():
    with time_machine.travel(paris(2026, 12, 2, 10, 0, 30), tick=False) as clock:
        scheduler = EmbeddedScheduler(celery_app, {"probe": minutely(probe)})
        assert scheduler.tick() <= 30
        assert calls == []
        clock.move_to(paris(2026, 12, 2, 10, 1, 0))
        scheduler.tick()
        assert calls == ["probe"]
        clock.move_to(paris(2026, 12, 2, 10, 1, 59))
        scheduler.tick()
        assert calls == ["probe"]
        clock.move_to(paris(2026, 12, 2, 10, 2, 0, 100))
        scheduler.tick()
        assert calls == ["probe", "probe"]


def test_args_and_kwargs_of_an_entry_reach_the_task():
    with time_machine.travel(paris(2026, 12, 2, 10, 0, 30), tick=False) as clock:
        scheduler = EmbeddedScheduler(
            celery_app, {"probe": minutely(probe, kwargs={"label": "with-kwargs"})}
        )
        clock.move_to(paris(2026, 12, 2, 10, 1, 0))
        scheduler.tick()
    assert calls == ["with-kwargs"]


def test_a_timedelta_entry_runs_at_its_interval():
    with time_machine.travel(paris(2026, 12, 2, 10, 0, 0), tick=False) as clock:
        entry = {"task": probe.name, "schedule": dt.timedelta(seconds=30)}
        scheduler = EmbeddedScheduler(celery_app, {"probe": entry})
        clock.move_to(paris(2026, 12, 2, 10, 0, 29))
        scheduler.tick()
        assert calls == []
        clock.move_to(paris(2026, 12, 2, 10, 0, 30))
        scheduler.tick()
        assert calls == ["probe"]


def test_after_a_long_sleep_missed_runs_are_caught_up_once_not_once_per_miss():
    daily = {"task": probe.name, "schedule": crontab(hour=17, minute=0), "args": ("daily",)}
    with time_machine.travel(paris(2026, 12, 2, 16, 0, 30), tick=False) as clock:
        scheduler = EmbeddedScheduler(
            celery_app, {"minutely": minutely(probe, args=("minutely",)), "daily": daily}
        )
        clock.move_to(paris(2026, 12, 2, 19, 40, 10))  # the laptop slept through 17:00
        scheduler.tick()
        assert sorted(calls) == ["daily", "minutely"]
        scheduler.tick()
        clock.move_to(paris(2026, 12, 2, 19, 40, 50))
        scheduler.tick()
        assert sorted(calls) == ["daily", "minutely"]
        clock.move_to(paris(2026, 12, 2, 19, 41, 0))
        scheduler.tick()
        assert sorted(calls) == ["daily", "minutely", "minutely"]


def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    schedule = {"boom": minutely(boom), "probe": minutely(probe)}
    with time_machine.travel(paris(2026, 12, 2, 10, 0, 30), tick=False) as clock:
        scheduler = EmbeddedScheduler(celery_app, schedule)
        clock.move_to(paris(2026, 12, 2, 10, 1, 0))
        with caplog.at_level(logging.ERROR, logger="oceanis.schedule"):
            scheduler.tick()
        assert calls == ["boom", "probe"]
        failure = next(r for r in caplog.records if r.name == "oceanis.schedule")
        assert "boom" in failure.getMessage() and "job exploded" in caplog.text
        # Not retried in a loop: it waits for its next run like the others.
        scheduler.tick()
        assert calls == ["boom", "probe"]
        clock.move_to(paris(2026, 12, 2, 10, 2, 0))
        scheduler.tick()
        assert calls == ["boom", "probe", "boom", "probe"]


def test_an_entry_naming_an_unknown_task_is_reported_and_the_others_run(caplog):
    schedule = {"typo": {"task": "tests.oceanis.no_such_task", "schedule": crontab(minute="*")}}
    schedule["probe"] = minutely(probe)
    with time_machine.travel(paris(2026, 12, 2, 10, 0, 30), tick=False) as clock:
        with caplog.at_level(logging.ERROR, logger="oceanis.schedule"):
            scheduler = EmbeddedScheduler(celery_app, schedule)
        assert "tests.oceanis.no_such_task" in caplog.text
        clock.move_to(paris(2026, 12, 2, 10, 1, 0))
        scheduler.tick()
    assert calls == ["probe"]


def test_every_entry_of_the_production_schedule_runs_in_embedded_mode(caplog):
    with caplog.at_level(logging.ERROR, logger="oceanis.schedule"):
        scheduler = EmbeddedScheduler(celery_app, django_settings.CELERY_BEAT_SCHEDULE)
    assert caplog.text == ""
    assert [e.name for e in scheduler.entries] == list(django_settings.CELERY_BEAT_SCHEDULE)


def test_the_production_schedule_sends_the_digest_at_17_paris_time(mailoutbox, caplog):
    contract = ContractFactory()
    contact = ContactFactory(client=contract.client)
    with time_machine.travel(paris(2026, 12, 2, 10, 0), tick=False):
        ticket = make_ticket(client=contract.client, contact=contact, title="Serveur de fichiers")
    digest_subject = f"[{ticket.reference}] Suivi du 2 décembre 2026"

    def digests():
        return [m for m in mailoutbox if m.subject.startswith(digest_subject)]

    with time_machine.travel(paris(2026, 12, 2, 16, 58, 30), tick=False) as clock:
        scheduler = EmbeddedScheduler(celery_app, django_settings.CELERY_BEAT_SCHEDULE)
        clock.move_to(paris(2026, 12, 2, 16, 59, 0))  # the minutely jobs run, not the digest
        scheduler.tick()
        clock.move_to(paris(2026, 12, 2, 16, 59, 59))
        scheduler.tick()
        assert digests() == []
        clock.move_to(paris(2026, 12, 2, 17, 0, 0))  # 16:00 UTC in winter
        scheduler.tick()
        assert [m.to for m in digests()] == [[contact.email]]
        clock.move_to(paris(2026, 12, 2, 17, 1, 0))
        scheduler.tick()
        assert len(digests()) == 1
    # Every job of production ran at 16:59, 17:00 and 17:01 without failing.
    assert [r.getMessage() for r in caplog.records if r.name == "oceanis.schedule"] == []


def test_a_second_scheduler_on_the_same_var_dir_is_refused(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with (
        ScheduleLock(tmp_path / "run_schedule.lock"),
        pytest.raises(CommandError, match="already run in process"),
    ):
        call_command("run_schedule")
    # Released with its holder (flock): the next one may start.
    lock = ScheduleLock(tmp_path / "run_schedule.lock")
    lock.acquire()
    with pytest.raises(ScheduleAlreadyRunning):
        ScheduleLock(tmp_path / "run_schedule.lock").acquire()
    lock.release()


def test_embedded_mode_queues_tasks_without_kombu_warning_about_a_missing_broker(tmp_path):
    # Eager apply_async borrows a producer; without a broker URL kombu fell back to AMQP and
    # printed "No hostname was supplied" in `make run`. Checked in a fresh process: kombu's
    # connection pool is per process, and this one may already hold a producer.
    script = (
        "import django; django.setup()\n"
        "from oceanis.celery import app\n"
        "@app.task(name='tests.oceanis.embedded_probe')\n"
        "def probe(): return 42\n"
        "assert probe.delay().get() == 42\n"
        "assert probe.apply_async(countdown=5).get() == 42\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="oceanis.settings", OCEANIS_VAR_DIR=str(tmp_path))
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "No hostname was supplied" not in result.stderr + result.stdout
