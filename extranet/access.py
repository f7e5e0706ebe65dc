"""Who may enter the extranet: view decorators."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from .scoping import contact_for


def contact_required(view):
    """Let in active client contacts only, with ``request.contact`` set.

    Anonymous users go to the extranet login, staff to the back-office, and an account with no
    active contact is refused (403).
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
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Oceanis staff only (document upload); contacts get 403, anonymous users the login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("extranet:login"))
        if not user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
