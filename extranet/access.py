"""Who may enter the extranet: view decorators."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from backoffice.access import policy_required
from staff.policy import Action

from .selectors import contact_for


def contact_required(view):
    """Let in active client contacts only, with ``request.contact`` set.

    Anonymous users go to the extranet login, staff to the back-office, and an account with no
    active contact is refused (403). Pages speak the contact's language (French by default).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("extranet:login"))
        if user.is_staff:
            return redirect("home")
        contact = contact_for(user)
        if contact is None:
            raise PermissionDenied
        request.contact = contact
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # The contact's language unless they picked one with the switcher.
            translation.activate(contact.language)
            request.LANGUAGE_CODE = contact.language
        return view(request, *args, **kwargs)

    return wrapper


# Oceanis staff only (document upload); contacts get 403, anonymous users the extranet login.
staff_required = policy_required(Action.BACKOFFICE, login_url="extranet:login")
