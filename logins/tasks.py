from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def clear_expired_sessions() -> int:
    """Daily: delete the sessions past their expiry (what ``manage.py clearsessions`` does)."""
    return services.sessions_clear_expired()
