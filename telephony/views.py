"""Staff screens of the telephony: the live call card polled by every back-office page, the
call log (per client, per ticket), and "this call is about that open ticket"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from staff.models import is_staff_member
from tickets.models import Ticket

from .filters import CallLogFilter
from .models import Call
from .selectors import call_card, call_log, live_call_for
from .services import call_link_ticket

PAGE_SIZE = 50


@require_GET
def live_card(request):
    """The answering technician's card for the call they are on (empty when none).

    Polled by htmx from the shared layout: an expired session answers 401 (htmx swaps nothing
    on a 4xx) instead of the login page it would swap into the top bar."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    if not is_staff_member(request.user):
        raise PermissionDenied
    call = live_call_for(request.user)
    card = call_card(call) if call is not None else None
    return render(request, "telephony/_call_card.html", {"card": card, "polled": True})


@staff_required
@require_GET
def calls(request):
    """Every call, newest first; ``?client=<code>`` and ``?ticket=<reference>`` narrow it."""
    filterset = CallLogFilter(request.GET or None, queryset=call_log())
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else call_log()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(
        request,
        "telephony/call_log.html",
        {
            "filter": filterset,
            "page": page,
            "calls": page.object_list,
            "querystring": querystring.urlencode(),
        },
    )


@staff_required
@require_POST
def call_report(request, pk: int, reference: str):
    """The call is about this open ticket: attach it and open the ticket's report form."""
    call = get_object_or_404(Call, pk=pk)
    ticket = get_object_or_404(Ticket, reference=reference)
    if call.client_id is not None and ticket.client_id != call.client_id:
        raise PermissionDenied
    call_link_ticket(call=call, ticket=ticket)
    return redirect(reverse("backoffice:ticket", args=[ticket.reference]) + "#entry-title")
