"""Celery application: configured from Django settings (CELERY_* keys)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")

app = Celery("oceanis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
