"""Global search: by reference, title, client or contact."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone

from clients.models import Client, Contact
from tickets.models import Ticket

from ..access import staff_required
from .paging import paginate
from .queues import decorate, row_loader

PAGE_SIZE = 25
# "OC-2026-000123", or its number with or without the year: "2026-000123", "000123", "123".
REFERENCE = re.compile(r"^(?:OC-)?(?:(\d{4})-)?(\d{1,6})$", re.IGNORECASE)


MAX_WORDS = 5


def search_q(query: str) -> Q:
    """Every word must match the reference, the title, the client or the contact.

    Matching clients and contacts (small tables) are looked up first and passed as id lists:
    with literal lists PostgreSQL estimates the ticket side well and can combine indexes,
    where a subquery made it scan every ticket.
    """
    condition = Q()
    for word in query.split()[:MAX_WORDS]:
        clients = list(
            Client.objects.filter(Q(name__icontains=word) | Q(code__icontains=word)).values_list(
                "pk", flat=True
            )
        )
        contacts = list(
            Contact.objects.filter(
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(email__icontains=word)
            ).values_list("pk", flat=True)
        )
        match = Q(reference__icontains=word) | Q(title__icontains=word)
        if clients:
            match |= Q(client_id__in=clients)
        if contacts:
            match |= Q(contact_id__in=contacts)
        condition &= match
    return condition


def exact_reference(query: str) -> str | None:
    """A full reference typed as is (case-insensitive), e.g. "oc-2026-000123"."""
    match = REFERENCE.match(query.strip())
    if match and match.group(1) and len(match.group(2)) == 6:
        return f"OC-{match.group(1)}-{match.group(2)}"
    return None


@staff_required
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    reference = exact_reference(query)
    if reference and Ticket.objects.filter(reference=reference).exists():
        return redirect("backoffice:ticket", reference=reference)
    page = None
    rows = []
    if query:
        ordered = Ticket.objects.filter(search_q(query)).order_by("-created_at", "-pk")
        page = paginate(request, ordered, row_loader(request.user), PAGE_SIZE)
        rows = decorate(page.object_list, timezone.now())
    return render(
        request,
        "backoffice/search.html",
        {"query": query, "page": page, "rows": rows, "querystring": urlencode({"q": query})},
    )
