"""Until a session has given its second factor, it reaches only the pages that ask for it.

Staff (back-office, admin) are sent to ``identity:verify`` or ``identity:totp_add``, client
contacts to the extranet's equivalents; the API answers 403 in its JSON error shape to a session
(a request with a Bearer token is the token's business, not the session's). What a session owes
is noted at login (``services.session_on_login``), so this costs no query per request.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .selectors import ENROL, NOTHING
from .services import session_owes

# Views an unverified session may still reach: logging in and out, the language, the
# verification and enrolment pages themselves and the passkey ceremonies they call.
EXEMPT = frozenset(
    {
        "login",
        "logout",
        "admin:login",
        "admin:logout",
        "set_language",
        "healthz",
        "metrics",
        "favicon",
        "identity:verify",
        "identity:totp_add",
        "identity:recovery_codes",
        "extranet:login",
        "extranet:logout",
        "extranet:security_verify",
        "extranet:security_totp",
        "extranet:security_codes",
    }
)
# A session still owing its factor may switch to single sign-on, which vouches for it.
EXEMPT_NAMESPACES = ("otp_webauthn:", "sso:")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in EXEMPT or name.startswith(EXEMPT_NAMESPACES):
            return None
        api = request.path_info.startswith("/api/")
        if api and request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        owed = session_owes(request)
        if owed == NOTHING:
            return None
        if api:
            from api.errors import error_body

            body = error_body(
                "second_factor_required",
                _("Double authentification requise : validez votre second facteur sur le site."),
            )
            return JsonResponse(body, status=403)
        staff = request.user.is_staff
        if owed == ENROL:
            target = reverse("identity:totp_add" if staff else "extranet:security_totp")
        else:
            target = reverse("identity:verify" if staff else "extranet:security_verify")
        if request.headers.get("HX-Request"):
            # A fragment polled from the verification page itself (the bell): like an expired
            # session's, answered 401 and left unswapped; redirecting would reload that page.
            return HttpResponse(status=401)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
