"""The one set of view decorators of the staff screens, built on ``staff.policy``.

Every staff page (back-office, incidents, changes, shifts, on-call, projects, reports, the
extranet's document upload) is wrapped in ``policy_required(Action.…)``: anonymous visitors are
sent to the login page, anybody else the policy refuses gets 403 with the policy's reason.
Client contacts and integration accounts never reach a staff page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login

from staff import policy
from staff.policy import Action, technician_of

__all__ = [
    "Action",
    "manager_required",
    "policy_required",
    "staff_required",
    "technician_of",
    "user_is_manager",
]


def policy_required(action: Action, *, login_url: str | None = None):
    """Let the request through when the policy allows ``action`` (no object) to its user."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            policy.check(request.user, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# Oceanis staff only (every back-office and RUN/BUILD screen).
staff_required = policy_required(Action.BACKOFFICE)
# The centre manager or the deputy only (dispatch, team board).
manager_required = policy_required(Action.DISPATCH)


def user_is_manager(request) -> bool:
    """The manager or deputy role (cached on the request's user by the policy)."""
    return policy.is_manager_role(request.user)
