"""Planning: upcoming interventions, month grid, and the per-contact iCalendar feed."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from changes.selectors import planned_changes_for_client

from .. import selectors, services
from ..access import contact_required
from ..models import CalendarFeed


def _feed_context(request) -> dict:
    feed = CalendarFeed.objects.filter(contact=request.contact).first()
    return {"feed": feed}


# How far ahead the planning lists scheduled change windows.
CHANGES_HORIZON = timedelta(days=90)


@contact_required
def planning_list(request):
    today = timezone.localdate()
    now = timezone.now()
    return render(
        request,
        "extranet/planning.html",
        {
            "interventions": selectors.upcoming(request.contact),
            "changes": planned_changes_for_client(
                request.contact.client, now, now + CHANGES_HORIZON
            ),
            "today": today,
            "nav": "planning",
            **_feed_context(request),
        },
    )


@contact_required
def planning_month(request, year: int, month: int):
    if not selectors.month_in_range(year, month):
        raise Http404
    previous, following = selectors.adjacent_months(year, month)
    return render(
        request,
        "extranet/planning_month.html",
        {
            "weeks": selectors.month_grid(request.contact, year, month),
            "month_start": selectors.month_bounds(year, month)[0],
            "previous": previous,
            "following": following,
            "nav": "planning",
        },
    )


@contact_required
@require_POST
def feed_regenerate(request):
    """Issue a new secret feed URL (the previous one stops working) and show it once."""
    token = CalendarFeed.issue(request.contact)
    url = request.build_absolute_uri(reverse("extranet:planning_feed", args=[token]))
    return render(
        request,
        "extranet/planning_feed.html",
        {"feed_url": url, "nav": "planning"},
    )


@contact_required
@require_POST
def feed_revoke(request):
    services.feed_revoke(contact=request.contact)
    return render(request, "extranet/planning_feed.html", {"revoked": True, "nav": "planning"})


def planning_feed(request, token: str):
    """The .ics feed: the token is the credential (calendar apps cannot log in)."""
    contact = services.feed_contact(token)
    if contact is None:
        raise Http404
    body = selectors.feed_text(contact, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="oceanis-interventions.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
