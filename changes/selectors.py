"""Reads about problems and changes.

Public entry point for the extranet planning:
``planned_changes_for_client(client, start, end)``: the scheduled (or since carried out) changes
concerning a client whose window overlaps [start, end).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet

from clients.models import Client

from .models import ChangeRequest, Problem

# What a client's planning shows: confirmed windows, and the ones already carried out.
PLANNING_STATES = (
    ChangeRequest.State.SCHEDULED,
    ChangeRequest.State.IMPLEMENTED,
    ChangeRequest.State.REVIEWED,
    ChangeRequest.State.CLOSED,
)


def planned_changes_for_client(
    client: Client, start: datetime, end: datetime
) -> QuerySet[ChangeRequest]:
    """Changes concerning ``client`` whose planned window overlaps [start, end), soonest first.

    Only scheduled changes and those carried out since appear (never drafts, pending approval
    or refused ones). For the client, show ``title``, ``planned_start``, ``planned_end``,
    ``client_notice`` and ``get_change_type_display`` — nothing else is meant for clients.
    One query.
    """
    return ChangeRequest.objects.filter(
        affected_clients=client,
        state__in=PLANNING_STATES,
        planned_start__lt=end,
        planned_end__gt=start,
    ).order_by("planned_start", "pk")


def problem_list() -> QuerySet[Problem]:
    """The back-office list with counts and owner (one query)."""
    return (
        Problem.objects.select_related("owner__user")
        .annotate(
            incident_count=Count("incidents", distinct=True),
            ticket_count=Count("tickets", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def change_list() -> QuerySet[ChangeRequest]:
    """The back-office list with requester and client count (one query)."""
    return (
        ChangeRequest.objects.select_related("requested_by")
        .annotate(client_count=Count("affected_clients", distinct=True))
        .order_by("-created_at", "-pk")
    )


def changes_awaiting_approval(user) -> QuerySet[ChangeRequest]:
    """Submitted changes this user may approve (same rule as ``services.can_approve``)."""
    from staff import policy

    qs = ChangeRequest.objects.filter(state=ChangeRequest.State.SUBMITTED).exclude(
        requested_by=user
    )
    if not policy.is_staff_role(user):
        return qs.none()
    if not policy.is_manager_role(user):
        qs = qs.filter(approvers__user=user).exclude(change_type=ChangeRequest.Type.EMERGENCY)
    return qs.select_related("requested_by").distinct().order_by("planned_start", "pk")
