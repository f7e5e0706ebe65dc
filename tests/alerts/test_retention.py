"""The rejected-alerts log keeps refused payloads ALERTS_REJECTED_RETENTION_DAYS, then prunes."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts import tasks
from alerts.models import RejectedAlert

pytestmark = pytest.mark.django_db


def _rejected(days_ago: float, now) -> RejectedAlert:
    return RejectedAlert.objects.create(
        received_at=now - dt.timedelta(days=days_ago), body="{}", reason="test"
    )


def test_rejected_alerts_older_than_the_retention_are_deleted_in_batches(settings, monkeypatch):
    settings.ALERTS_REJECTED_RETENTION_DAYS = 30
    monkeypatch.setattr(tasks, "PRUNE_BATCH", 2)
    now = timezone.now()
    old = [_rejected(31 + i, now) for i in range(5)]
    kept = [_rejected(29, now), _rejected(0, now)]
    assert tasks.prune_rejected_alerts(now=now) == len(old)
    assert set(RejectedAlert.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert tasks.prune_rejected_alerts(now=now) == 0


def test_the_nightly_task_is_scheduled_and_registered(settings):
    from oceanis.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["alerts-rejected-retention"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert tasks.prune_rejected_alerts_task.delay().get() == 0
