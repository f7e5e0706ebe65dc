"""Embedded scheduler: runs ``CELERY_BEAT_SCHEDULE`` in process when there is no broker.

Production runs ``celery beat`` beside a worker. ``make run`` has neither Redis nor a worker, so
``manage.py run_schedule`` plays both parts: it reads the same schedule, asks Celery's own
schedule objects (``crontab``, ``timedelta``) whether each entry is due, and runs due tasks with
``Task.apply()`` in this process. ``celery beat`` with eager tasks was the alternative; it was
not kept because it takes no lock (two ``make run`` would both send the 17:00 digest), its shelve
state replays on start what fell due while ``make run`` was stopped (a morning start would send a
digest at 09:00), and its service loop is hard to drive from a test. This is a thin loop
over Celery's own schedule objects, so cron semantics and time zones stay Celery's.

Catch-up follows beat's rule: an entry remembers when it last ran, so after the machine slept
through several runs it is due once, not once per missed run. Entries start as if they had just
run, so a start at 17:05 does not send that day's digest (beat does the same on a fresh start).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from celery import Celery
from celery.beat import ScheduleEntry
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

# The loop never sleeps longer than this, so a dead parent, a wall-clock jump (suspend, NTP) or
# a stop request is noticed within it.
MAX_SLEEP_SECONDS = 1.0

# One task at a time in the runner process: the periodic jobs (main thread) and the hand-offs
# (oceanis.handoff's thread) take it around each task. A job that records ticket events hands
# them to this very process; run side by side, two SQLite writers whose deferred transactions read
# before they write fail at once with "database is locked" (WAL cannot upgrade a stale snapshot,
# the busy timeout does not apply). Serialised, a hand-off waits for the job to end, as it would
# wait for a worker slot in production (Celery, PostgreSQL: not concerned).
RUN_LOCK = threading.Lock()


class ScheduleAlreadyRunning(Exception):
    """Another process holds the schedule lock of this var directory."""


@dataclass
class ScheduleLock:
    """An exclusive ``flock`` on a file: the kernel releases it when the holder dies, so a crash
    or ``kill -9`` never leaves a stale lock behind."""

    path: Path
    _fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise ScheduleAlreadyRunning(
                f"the periodic jobs already run in process {holder} (lock {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ScheduleLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _release_stale_connections() -> None:
    """Between jobs, as Django does around a request: drop a connection that broke or outlived
    CONN_MAX_AGE. Not inside an atomic block (a test's transaction), which closing would end."""
    if not connection.in_atomic_block:
        close_old_connections()


class EmbeddedScheduler:
    """Runs the entries of a beat schedule that are due, each in this process."""

    def __init__(self, app: Celery, beat_schedule: Mapping[str, Mapping]):
        # Imports every app's tasks module. Not loader.import_default_modules(): through Celery's
        # Django fixup that calls django.setup() again, which resets the logging configuration.
        app.autodiscover_tasks(force=True)
        now = app.now()
        self.app = app
        self.entries: list[ScheduleEntry] = []
        for name, spec in beat_schedule.items():
            if spec["task"] not in app.tasks:
                # A typo in one entry must not keep the other jobs from running.
                logger.error("Periodic job %s: unknown task %s, skipped", name, spec["task"])
                continue
            self.entries.append(
                ScheduleEntry(
                    name=name,
                    task=spec["task"],
                    schedule=spec["schedule"],
                    args=spec.get("args", ()),
                    kwargs=spec.get("kwargs", {}),
                    relative=spec.get("relative", False),
                    last_run_at=now,
                    app=app,
                )
            )

    def tick(self) -> float:
        """Run every due entry once; return the seconds until the next one is due."""
        next_in = float("inf")
        for index, entry in enumerate(self.entries):
            due, remaining = entry.is_due()
            if due:
                self._run(entry)
                # Stamped after the run: a job slower than its period is skipped, not piled up.
                entry = self.entries[index] = entry._next_instance()
                remaining = entry.is_due()[1]
            next_in = min(next_in, remaining)
        return next_in

    def _run(self, entry: ScheduleEntry) -> None:
        task = self.app.tasks[entry.task]
        started = time.monotonic()
        try:
            with RUN_LOCK:
                _release_stale_connections()
                task.apply(args=entry.args, kwargs=entry.kwargs, throw=True)
        except Exception:
            logger.exception("Periodic job %s (%s) failed", entry.name, entry.task)
        else:
            logger.debug(
                "Periodic job %s ran in %.0f ms", entry.name, (time.monotonic() - started) * 1000
            )
        finally:
            _release_stale_connections()

    def run_forever(self, *, should_stop: Callable[[], bool]) -> None:
        # A wait on an event rather than a sleep: the loop's idle time is interruptible, and no
        # process of this project sleeps its way through a schedule (checked by a grep in CI).
        idle = threading.Event()
        while not should_stop():
            idle.wait(max(0.0, min(self.tick(), MAX_SLEEP_SECONDS)))
