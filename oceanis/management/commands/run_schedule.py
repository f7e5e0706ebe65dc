"""``python manage.py run_schedule``: the periodic jobs of production, in one local process.

``make run`` starts it beside runserver (see ``oceanis/schedule.py`` for why not celery beat).
It also takes what requests hand over after their commit (``oceanis/handoff.py``): the readers of
ticket events (mails, staff notices, on-call, webhooks) run here, not in the request.
"""

from __future__ import annotations

import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oceanis.celery import app
from oceanis.handoff import Listener
from oceanis.niceness import lower_priority
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
        lower_priority()  # runserver beside it answers first (BACKGROUND_NICENESS)
        listener, thread, stopping = Listener(app), None, threading.Event()
        try:
            scheduler = EmbeddedScheduler(app, settings.CELERY_BEAT_SCHEDULE)
            self.stdout.write(
                f"Periodic jobs: the {len(scheduler.entries)} entries of CELERY_BEAT_SCHEDULE "
                f"(digest, GTI warnings, sweepers…) run in this process, {settings.CELERY_TIMEZONE}"
                " time."
            )
            parent = os.getppid()

            def should_stop() -> bool:
                # Orphaned (the shell running make was killed outright): stop, do not linger.
                return stopping.is_set() or os.getppid() != parent

            if settings.CELERY_TASK_ALWAYS_EAGER and listener.bind():
                self.stdout.write(
                    "Ticket events (mails, notices, on-call, webhooks) are handled here, "
                    "after the request that committed them."
                )
                thread = listener.start(should_stop=should_stop)
            scheduler.run_forever(should_stop=should_stop)
        except KeyboardInterrupt:
            pass
        finally:
            # The task in hand finishes (a mail is not cut mid-send); requests do the work
            # themselves again as soon as the socket is gone.
            stopping.set()
            if thread is not None:
                thread.join(timeout=10)
            listener.close()
            lock.release()
