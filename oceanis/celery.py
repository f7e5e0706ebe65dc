"""Celery application: configured from Django settings (CELERY_* keys)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")

app = Celery("oceanis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _yield_to_the_web(**kwargs) -> None:
    # In the worker's main process, before the pool forks: every child inherits the level.
    from oceanis.niceness import lower_priority

    lower_priority()
