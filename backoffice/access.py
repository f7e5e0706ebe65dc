"""Who may enter the back-office: Oceanis staff only; dispatch for the manager and deputy.

Client contacts (never ``is_staff``) get 403 on every back-office URL; anonymous visitors are sent
to the login page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from staff.models import Technician, is_manager, is_staff_member


def user_is_manager(request) -> bool:
    """``staff.models.is_manager`` computed once per request (templates ask it too)."""
    if not hasattr(request, "_backoffice_is_manager"):
        request._backoffice_is_manager = is_staff_member(request.user) and is_manager(request.user)
    return request._backoffice_is_manager


def technician_of(user) -> Technician | None:
    """The staff profile of a user, or None (a superuser may have none)."""
    try:
        return user.technician
    except Technician.DoesNotExist:
        return None


def staff_required(view):
    """Logged-in Oceanis staff only; anybody else authenticated gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    """The centre manager or the deputy only (dispatch, reassignment)."""

    @wraps(view)
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not user_is_manager(request):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
