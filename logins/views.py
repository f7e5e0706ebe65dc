"""A person's own sessions: the list, ending one, ending all the others.

The staff pages (``/sessions/``) and the extranet's (``client_views``, ``/extranet/sessions/``)
differ only by who may enter and the template: both list and end the request's user's sessions
only, so an id of anybody else's session answers 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backoffice.access import staff_required

from . import services
from .middleware import duration_label
from .selectors import session_rows


def sessions_page(request, *, template: str, extra: dict | None = None):
    rows = session_rows(request.user, current_key=request.session.session_key)
    timeout = settings.SESSION_IDLE_TIMEOUT
    idle = duration_label(timeout) if timeout else ""
    return render(request, template, {"sessions": rows, "idle": idle, **(extra or {})})


def revoke(request, session_id: int, *, back: str):
    # The current session is ended by logging out, not from the list (its row would vanish
    # under the response that still has to save it).
    current = request.session.session_key
    if not services.session_revoke(user=request.user, session_id=session_id, keep_key=current):
        raise Http404
    messages.success(request, _("La session a été fermée."))
    return HttpResponseRedirect(back)


def revoke_others(request, *, back: str):
    ended = services.sessions_end_others(
        user=request.user, request=request, reason=services.EndReason.OTHERS_REVOKED
    )
    if ended:
        messages.success(
            request,
            ngettext(
                "%(count)d autre session a été fermée.",
                "%(count)d autres sessions ont été fermées.",
                ended,
            )
            % {"count": ended},
        )
    else:
        messages.info(request, _("Aucune autre session n'était ouverte."))
    return HttpResponseRedirect(back)


@staff_required
def my_sessions(request):
    return sessions_page(request, template="logins/sessions.html")


@staff_required
@require_POST
def session_revoke(request, session_id: int):
    return revoke(request, session_id, back=reverse("logins:sessions"))


@staff_required
@require_POST
def sessions_revoke_others(request):
    return revoke_others(request, back=reverse("logins:sessions"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page (old password, new one twice, the validators): saving the new password ends
    every session of the account (``receivers``), and update_session_auth_hash() then keeps this
    one under a fresh key."""

    template_name = "logins/password_change.html"
    success_url = reverse_lazy("logins:sessions")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Votre mot de passe a été changé ; vos autres sessions ont été fermées."),
        )
        return response


password_change = staff_required(PasswordChangeView.as_view())
