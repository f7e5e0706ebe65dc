"""Which clients get a monthly report (the monthly task's list)."""

from __future__ import annotations

from django.db.models import Q

from clients.models import Client

from ..periods import Period


def clients_to_report(period: Period):
    """Active clients with a contract in force during the period or tickets created in it."""
    in_force = Q(contracts__start_date__lte=period.end) & (
        Q(contracts__end_date__isnull=True) | Q(contracts__end_date__gte=period.start)
    )
    created = Q(tickets__created_at__gte=period.start_at, tickets__created_at__lt=period.end_at)
    return (
        Client.objects.filter(is_active=True)
        .filter(pk__in=Client.objects.filter(in_force | created).values("pk"))
        .order_by("name")
    )
