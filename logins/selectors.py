"""Reads of the logins app: a user's open sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import LoginSession
from .useragent import summary


def open_sessions(user) -> QuerySet[LoginSession]:
    """The user's sessions not yet expired, most recently active first."""
    return LoginSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by(
        "-last_seen_at", "-started_at", "-pk"
    )


@dataclass(frozen=True)
class SessionRow:
    id: int
    current: bool
    device: str
    ip: str | None
    started_at: datetime | None
    last_seen_at: datetime | None


def session_rows(user, *, current_key: str | None) -> list[SessionRow]:
    """The user's open sessions as the list page shows them, the current one first.

    Only the columns the page needs are read: the session data (and its key) stay in the store."""
    rows = [
        SessionRow(
            id=row["pk"],
            current=row["session_key"] == current_key,
            device=summary(row["user_agent"]),
            ip=row["ip"],
            started_at=row["started_at"],
            last_seen_at=row["last_seen_at"],
        )
        for row in open_sessions(user).values(
            "pk", "session_key", "user_agent", "ip", "started_at", "last_seen_at"
        )
    ]
    return sorted(rows, key=lambda row: not row.current)
