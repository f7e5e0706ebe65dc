"""Who may see reports: Oceanis managers (and deputies) only."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from staff.models import is_manager, is_staff_member


def can_see_reports(user) -> bool:
    """Staff with the manager role; technicians and client contacts never."""
    return is_staff_member(user) and is_manager(user)


def manager_required(view):
    """Anonymous → login page; authenticated without the manager role → 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_see_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
