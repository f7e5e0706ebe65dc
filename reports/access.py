"""Who may see reports, exports and billing: the centre manager and the deputy (staff.policy)."""

from __future__ import annotations

from backoffice.access import policy_required
from staff import policy
from staff.policy import Action


def can_see_reports(user) -> bool:
    """Staff with the manager role; technicians, integrations and client contacts never."""
    return policy.allows(user, Action.REPORTS)


# Anonymous → login page; authenticated without the manager role → 403.
manager_required = policy_required(Action.REPORTS)
