"""Celery application: configured from Django settings (CELERY_* keys)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")

app = Celery("oceanis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _yield_to_the_web(**kwargs) -> None:
    # In the worker's main process, before the pool forks: every child inherits the level.
    from oceanis.niceness import lower_priority

    lower_priority()


@task_prerun.connect
@task_postrun.connect
def _keep_database_connections_as_django_does(task=None, **kwargs) -> None:
    # Celery's Django fix-up would close every connection before and after each task: a new
    # PostgreSQL backend per task, and the statements the connection had prepared lost with it
    # (settings.CELERY_DB_REUSE_MAX turns that off). Django's own rule applies instead, as
    # between two web requests: kept for CONN_MAX_AGE, closed if unusable or after an error.
    # Never around an eager task: it runs inside its caller's transaction.
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()
