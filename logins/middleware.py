"""Idle timeout and "last activity" of logged-in sessions.

Both read the instant of the session's last activity kept in the session itself (written by the
login receiver), so a request costs no query of its own: the session is loaded anyway, and it is
written back at most once a minute to move that instant (and the row's "dernière activité").
Requests a page makes by itself (htmx polling, marked ``X-Oceanis-Background`` by
``behaviours.js``) are not activity: an open tab does not keep an idle session alive.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .backends.db import SEEN
from .services import EndReason

logger = logging.getLogger("logins")

SEEN_RESOLUTION = 60  # seconds: how stale "last activity" may be before it is written again
BACKGROUND_HEADER = "X-Oceanis-Background"


def duration_label(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": max(minutes, 1)}


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen = request.session.get(SEEN) if hasattr(request, "session") else None
        if isinstance(seen, int | float):
            now = time.time()
            timeout = settings.SESSION_IDLE_TIMEOUT
            if timeout and now - seen > timeout:
                return self.idle_logout(request, timeout)
            if now - seen >= SEEN_RESOLUTION and not request.headers.get(BACKGROUND_HEADER):
                request.session[SEEN] = int(now)
        return self.get_response(request)

    def idle_logout(self, request, timeout: int):
        user = request.user
        staff = bool(getattr(user, "is_staff", False))
        logger.info(
            "session ended",
            extra={"user_id": getattr(user, "pk", None), "reason": EndReason.IDLE},
        )
        logout(request)  # flushes the session: its row goes with it
        if request.path.startswith("/api/"):
            return self.get_response(request)  # anonymous now: the API answers in its own words
        messages.info(
            request,
            _("Votre session a été fermée après %(duration)s d'inactivité. Reconnectez-vous.")
            % {"duration": duration_label(timeout)},
        )
        login_url = reverse("login") if staff else reverse("extranet:login")
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(login_url)
        return redirect_to_login(request.get_full_path(), login_url)
