"""Global search: a full reference opens the ticket; anything else searches the full text of
tickets (reports, notes and mails included), knowledge articles and problems (``search``)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.utils import timezone

from search.filters import filtered
from search.models import DocType
from search.selectors import Viewer
from search.selectors import search as full_text
from tickets.models import Ticket

from ..access import staff_required
from .queues import decorate, row_loader

PAGE_SIZE = 25
MAX_PAGE = 40  # beyond 1,000 results, refine the query
# "OC-2026-000123", or its number with or without the year: "2026-000123", "000123", "123".
REFERENCE = re.compile(r"^(?:OC-)?(?:(\d{4})-)?(\d{1,6})$", re.IGNORECASE)


def exact_reference(query: str) -> str | None:
    """A full reference typed as is (case-insensitive), e.g. "oc-2026-000123"."""
    match = REFERENCE.match(query.strip())
    if match and match.group(1) and len(match.group(2)) == 6:
        return f"OC-{match.group(1)}-{match.group(2)}"
    return None


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


@staff_required
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    reference = exact_reference(query)
    if reference and Ticket.objects.filter(reference=reference).exists():
        return redirect("backoffice:ticket", reference=reference)
    filterset, documents = filtered(request.GET)
    number = _page_number(request)
    rows, others, has_next = [], [], False
    if query:
        results = full_text(
            query,
            viewer=Viewer.for_staff(),
            documents=documents,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
        has_next = results.has_next and number < MAX_PAGE
        ticket_hits = {h.object_id: h for h in results.hits if h.doc_type == DocType.TICKET}
        others = [h for h in results.hits if h.doc_type != DocType.TICKET]
        if ticket_hits:
            # The ticket rows as every queue shows them (GTI, unread client activity), in rank
            # order, each with its snippet.
            loaded = row_loader(request.user).in_bulk(list(ticket_hits))
            rows = [loaded[pk] for pk in ticket_hits if pk in loaded]
            for ticket in rows:
                ticket.snippet = ticket_hits[ticket.pk].snippet
            rows = decorate(rows, timezone.now())
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "backoffice/search.html",
        {
            "query": query,
            "filter": filterset,
            "rows": rows,
            "others": others,
            "page_number": number,
            "previous_query": urlencode({**params, "page": number - 1}) if number > 1 else "",
            "next_query": urlencode({**params, "page": number + 1}) if has_next else "",
            "querystring": urlencode({"q": query}),
        },
    )
