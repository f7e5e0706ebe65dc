"""Periodic job of the operator's view: the worker heartbeat."""

from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from .services import WORKER_HEARTBEAT, heartbeat_record


@shared_task(bind=True, ignore_result=True)
def record_worker_heartbeat(self) -> None:
    """Every minute (beat, or run_schedule in the embedded mode). Its age on ``/metrics`` says
    whether the whole chain works: beat sends, the broker carries, a worker runs the task."""
    heartbeat_record(
        name=WORKER_HEARTBEAT,
        now=timezone.now(),
        host=self.request.hostname or socket.gethostname(),
    )
