"""The extranet's "Mes sessions" (``/extranet/sessions/``, included by the extranet's URLconf):
the same list and actions as the staff page, for the logged-in contact's own sessions."""

from __future__ import annotations

from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from extranet.access import contact_required

from .views import PasswordChangeView, revoke, revoke_others, sessions_page


@contact_required
def my_sessions(request):
    return sessions_page(request, template="logins/client_sessions.html", extra={"nav": "sessions"})


@contact_required
@require_POST
def session_revoke(request, session_id: int):
    return revoke(request, session_id, back=reverse("extranet:sessions"))


@contact_required
@require_POST
def sessions_revoke_others(request):
    return revoke_others(request, back=reverse("extranet:sessions"))


class ClientPasswordChangeView(PasswordChangeView):
    template_name = "logins/client_password_change.html"
    success_url = reverse_lazy("extranet:sessions")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "nav": "sessions"}


password_change = contact_required(ClientPasswordChangeView.as_view())
