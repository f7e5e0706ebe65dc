"""Who may see reports, exports and billing (staff.policy): the centre manager and the deputy;
a service manager sees the service report, its exports and the monthly PDFs of the clients of
their portfolio, never the whole centre, the team or billing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from backoffice.access import policy_required
from portfolios.selectors import visible_clients
from staff import policy
from staff.policy import Action


def can_see_reports(user) -> bool:
    """Staff with the manager role; technicians, integrations and client contacts never."""
    return policy.allows(user, Action.REPORTS)


# Anonymous → login page; authenticated without the manager role → 403.
manager_required = policy_required(Action.REPORTS)
# The managers, and service managers (each view then checks the client: ``check_client``).
client_reports_required = policy_required(Action.PORTFOLIO_VIEW)


def limit_to_portfolio(form, user) -> None:
    """A service manager picks among the clients of their portfolio only."""
    if can_see_reports(user):
        return
    field = form.fields["client"]
    field.queryset = visible_clients(user)
    field.required = True
    field.empty_label = None


def check_client(user, client) -> None:
    """The whole centre and any client for the managers; a portfolio's client otherwise."""
    if can_see_reports(user):
        return
    if client is None:
        raise PermissionDenied(_("Le rapport du centre entier est réservé aux responsables."))
    policy.check(user, Action.PORTFOLIO_VIEW, client)
