"""Who may use the RUN-process screens (incidents, problems, changes, shifts).

Staff pages: Oceanis staff only (client contacts get 403, anonymous users the login page).
Client pages use the extranet's own ``contact_required`` (active contacts only, with
``request.contact`` set); everything they read is filtered on ``request.contact.client`` so
another client's ids answer 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from staff.models import Technician, is_manager, is_staff_member


def staff_required(view):
    """Logged-in Oceanis staff only; anybody else authenticated gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def technician_of(user) -> Technician | None:
    """The staff profile of a user, or None (a superuser may have none)."""
    try:
        return user.technician
    except Technician.DoesNotExist:
        return None


def user_is_manager(request) -> bool:
    """``staff.models.is_manager`` once per request."""
    if not hasattr(request, "_run_is_manager"):
        request._run_is_manager = is_staff_member(request.user) and is_manager(request.user)
    return request._run_is_manager
