"""Which macros a user is offered and may manage."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from staff import policy
from staff.policy import technician_of

from .models import Macro, Scope


def macros_for(user) -> QuerySet[Macro]:
    """Active macros offered on the ticket page: the user's own, and the team macros of their
    team (or of every team)."""
    technician = technician_of(user)
    team_filter = Q(team="")
    if technician is not None:
        team_filter |= Q(team=technician.team)
    return Macro.objects.filter(is_active=True).filter(
        Q(scope=Scope.PERSONAL, owner=user) | (Q(scope=Scope.TEAM) & team_filter)
    )


def manageable_macros(user) -> QuerySet[Macro]:
    """The management list: one's own personal macros, and every team macro (managers edit
    them, everyone reads them)."""
    return Macro.objects.filter(
        Q(scope=Scope.PERSONAL, owner=user) | Q(scope=Scope.TEAM)
    ).select_related("owner")


def may_edit(user, macro: Macro) -> bool:
    if macro.scope == Scope.TEAM:
        return policy.is_manager_role(user)
    return macro.owner_id == user.pk
