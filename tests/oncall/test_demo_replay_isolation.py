"""Replaying the demo pages switches Celery's eager mode off for its own duration only.

Under pytest-xdist a test that seeds the on-call demo may run before one that switches eager mode
off through Django's settings (the Celery worker and outage tests) in the same process."""

from __future__ import annotations

from django.test import override_settings

from oceanis.celery import app as celery_app
from oncall.management.demo_pages import steps_replayed_here


def test_after_a_replay_celery_follows_the_settings_again():
    with steps_replayed_here():
        assert celery_app.conf.task_always_eager is False
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        assert celery_app.conf.task_always_eager is False
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        assert celery_app.conf.task_always_eager is True
