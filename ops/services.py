"""Writes of the operator's view."""

from __future__ import annotations

from datetime import datetime

from .models import Heartbeat

WORKER_HEARTBEAT = "worker"


def heartbeat_record(*, name: str, now: datetime, host: str = "") -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now, "host": host[:255]})
