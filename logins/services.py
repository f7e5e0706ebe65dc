"""Writes of the logins app: recording a login, ending sessions.

A session ends by losing its row in the session store (``logins.backends.db``): its next
request finds no session and is anonymous, whatever process serves it. Each end is logged
with its reason (``logins`` logger); the row itself is gone, so the list shows open sessions
only.
"""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest
from django.utils import timezone

from .backends.db import IP, SEEN, STARTED, USER_AGENT
from .models import LoginSession

logger = logging.getLogger("logins")


class EndReason:
    REVOKED = "revoked"  # by the user, from their sessions page
    OTHERS_REVOKED = "others_revoked"  # "end all my other sessions"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a secret
    CREDENTIALS_CHANGED = "credentials_changed"  # a second factor added, removed or reset
    IDLE = "idle"
    ADMIN = "admin"


def session_record_login(*, request: HttpRequest) -> None:
    """Note in the new session when and from where it was opened (copied to its row on save)."""
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now
    request.session[IP] = request.META.get("REMOTE_ADDR") or None
    request.session[USER_AGENT] = request.headers.get("User-Agent", "")[:300]


def _end(sessions, *, reason: str, by=None) -> int:
    ended = list(sessions.values_list("pk", "user_id"))
    if ended:
        LoginSession.objects.filter(pk__in=[pk for pk, _ in ended]).delete()
    for pk, user_id in ended:
        logger.info(
            "session ended",
            extra={"session_id": pk, "user_id": user_id, "reason": reason, "by": by and by.pk},
        )
    return len(ended)


def session_revoke(
    *, user, session_id: int, keep_key: str | None = None, reason: str = EndReason.REVOKED
) -> bool:
    """End one of ``user``'s sessions (never the one keyed ``keep_key``); False when ``user``
    has no such session."""
    sessions = LoginSession.objects.filter(user=user, pk=session_id)
    if keep_key:
        sessions = sessions.exclude(session_key=keep_key)
    return bool(_end(sessions, reason=reason, by=user))


def sessions_end_others(*, user, request: HttpRequest | None, reason: str) -> int:
    """End every session of ``user`` but the request's own (all of them without a request)."""
    sessions = LoginSession.objects.filter(user=user)
    current = getattr(getattr(request, "session", None), "session_key", None)
    if request is not None and getattr(request, "user", None) == user and current:
        sessions = sessions.exclude(session_key=current)
    return _end(sessions, reason=reason, by=getattr(request, "user", None))


def sessions_end(*, sessions, by, reason: str = EndReason.ADMIN) -> int:
    """End the given sessions (the admin's action)."""
    return _end(sessions, reason=reason, by=by)


def sessions_clear_expired() -> int:
    """Delete the rows of sessions past their expiry date (nobody can use them any more)."""
    deleted, _ = LoginSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
