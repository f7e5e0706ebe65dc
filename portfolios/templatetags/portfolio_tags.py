"""Template filters for the navigation: who sees the portfolio screens."""

from __future__ import annotations

from django import template

from staff import policy
from staff.policy import Action

register = template.Library()


@register.filter
def can_see_portfolios(request) -> bool:
    """The managers and the service managers (the group query is shared with the role's)."""
    return policy.allows(request.user, Action.PORTFOLIO_VIEW)


@register.filter
def can_assign_portfolios(request) -> bool:
    return policy.allows(request.user, Action.PORTFOLIO_ASSIGN)
