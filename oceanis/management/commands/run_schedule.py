"""``python manage.py run_schedule``: the periodic jobs of production, in one local process.

``make run`` starts it beside runserver (see ``oceanis/schedule.py`` for why not celery beat).
"""

from __future__ import annotations

import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oceanis.celery import app
from oceanis.schedule import EmbeddedScheduler, ScheduleAlreadyRunning, ScheduleLock


def _stop(signum, frame):
    # Ctrl+C and the recipe's trap arrive together: the second one must not interrupt the exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Runs the jobs of CELERY_BEAT_SCHEDULE in this process when they are due (embedded "
        "mode, no broker). One instance per var directory."
    )

    def handle(self, *args, **options):
        lock = ScheduleLock(settings.VAR_DIR / "run_schedule.lock")
        try:
            lock.acquire()
        except ScheduleAlreadyRunning as exc:
            raise CommandError(f"Not starting: {exc}.") from exc
        # Started with `&` by make's shell, this process inherits an ignored SIGINT: handle it so
        # that Ctrl+C stops it together with runserver; SIGTERM (the recipe's trap) likewise.
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        try:
            scheduler = EmbeddedScheduler(app, settings.CELERY_BEAT_SCHEDULE)
            self.stdout.write(
                f"Periodic jobs: the {len(scheduler.entries)} entries of CELERY_BEAT_SCHEDULE "
                f"(digest, GTI warnings, sweepers…) run in this process, {settings.CELERY_TIMEZONE}"
                " time."
            )
            parent = os.getppid()
            # Orphaned (the shell running make was killed outright): stop rather than linger.
            scheduler.run_forever(should_stop=lambda: os.getppid() != parent)
        except KeyboardInterrupt:
            pass
        finally:
            lock.release()
