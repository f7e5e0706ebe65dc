"""On-call pages (staff): who is on call, the coming weeks, the pages report; the signed
acknowledgement link (no login) and the per-technician iCalendar feed (secret token)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.access import staff_required
from staff.models import Technician

from . import feeds
from .filters import PageFilter
from .links import AckLinkError, AckLinkExpired, read_ack_token
from .models import AckVia, CalendarFeed, Page
from .selectors import active_rotation, covered_contracts, on_call_at, schedule
from .services.paging import PageAckError, page_acknowledge
from .triggers import oceanis_open

DEFAULT_WEEKS, MAX_WEEKS = 12, 52
PAGES_PER_SCREEN = 50


def _own_feed(user) -> CalendarFeed | None:
    technician = Technician.objects.filter(user=user).first()
    if technician is None:
        return None
    return technician.oncall_feeds.filter(revoked_at__isnull=True).first()


@require_GET
@staff_required
def now(request):
    """Who is on call right now, and the coming weeks."""
    current = on_call_at()
    rotation = current.rotation if current else active_rotation()
    weeks = schedule(rotation, weeks=6) if rotation else []
    feed = _own_feed(request.user)
    return render(
        request,
        "oncall/now.html",
        {
            "nav": "now",
            "current": current,
            "rotation": rotation,
            "weeks": weeks,
            "desk_open": oceanis_open(timezone.now()),
            "now": timezone.now(),
            "feed": feed,
            "has_technician": Technician.objects.filter(user=request.user).exists(),
            "covered": covered_contracts(),
        },
    )


@require_GET
@staff_required
def calendar(request):
    """The coming weeks (``?weeks=`` 1..52), overrides shown inside each week."""
    try:
        count = int(request.GET.get("weeks", DEFAULT_WEEKS))
    except ValueError:
        count = DEFAULT_WEEKS
    count = min(max(count, 1), MAX_WEEKS)
    rotation = active_rotation()
    weeks = schedule(rotation, weeks=count) if rotation else []
    now_ = timezone.now()
    return render(
        request,
        "oncall/calendar.html",
        {"nav": "calendar", "rotation": rotation, "weeks": weeks, "count": count, "now": now_},
    )


@require_GET
@staff_required
def page_list(request):
    """Every page with its outcome: acknowledged by whom, 1-hour commitment met or missed."""
    pages = Page.objects.select_related(
        "ticket__client", "target__user", "acknowledged_by"
    ).order_by("-raised_at", "-pk")
    filters = PageFilter(request.GET, pages)
    pages = filters.qs
    outcome = filters.form.cleaned_data.get("outcome") or ""
    totals = Page.objects.aggregate(
        total=Count("pk"),
        met=Count("pk", filter=Q(intervention_met=True)),
        missed=Count("pk", filter=Q(intervention_met=False)),
    )
    screen = Paginator(pages, PAGES_PER_SCREEN).get_page(request.GET.get("page"))
    return render(
        request,
        "oncall/page_list.html",
        {
            "nav": "pages",
            "screen": screen,
            "totals": totals,
            "outcome": outcome,
            "filter_errors": filters.errors,
        },
    )


@require_GET
@staff_required
def page_detail(request, pk: int):
    page = get_object_or_404(
        Page.objects.select_related(
            "ticket__client",
            "target__user",
            "backup__user",
            "escalation_contact__user",
            "acknowledged_by",
            "rotation",
        ),
        pk=pk,
    )
    attempts = page.attempts.select_related("technician__user")
    return render(
        request, "oncall/page_detail.html", {"nav": "pages", "page": page, "attempts": attempts}
    )


@require_POST
@staff_required
def page_ack(request, pk: int):
    """The back-office "Acquitter" button: acknowledges as the logged-in staff member."""
    page = get_object_or_404(Page, pk=pk)
    try:
        result = page_acknowledge(page=page, by=request.user, via=AckVia.BUTTON)
    except PageAckError as exc:
        messages.error(request, str(exc))
    else:
        if result.acknowledged_now:
            messages.success(request, _("Appel acquitté : la demande est prise en charge."))
        else:
            messages.info(request, _("Cet appel était déjà acquitté."))
    return redirect("oncall:page_detail", pk=page.pk)


@require_http_methods(["GET", "POST"])
def ack_link(request, token: str):
    """The link in the page message: GET shows a confirmation, POST acknowledges.

    No login: the signed token names the page and the technician it was sent to, and expires.
    GET never changes anything (mail scanners follow links).
    """
    try:
        claim = read_ack_token(token)
    except AckLinkExpired:
        return render(request, "oncall/ack_invalid.html", {"expired": True}, status=410)
    except AckLinkError:
        return render(request, "oncall/ack_invalid.html", {"expired": False}, status=400)
    page = Page.objects.select_related("ticket__client").filter(pk=claim.page_id).first()
    technician = Technician.objects.select_related("user").filter(pk=claim.technician_id).first()
    if page is None or technician is None or not technician.user.is_active:
        raise Http404
    context = {"page": page, "technician": technician, "token": token}
    if request.method == "POST":
        try:
            result = page_acknowledge(page=page, by=technician.user, via=AckVia.LINK)
        except PageAckError as exc:
            return render(
                request, "oncall/ack_done.html", {**context, "error": str(exc)}, status=409
            )
        page = result.page
        return render(
            request,
            "oncall/ack_done.html",
            {**context, "page": page, "already": not result.acknowledged_now},
        )
    return render(request, "oncall/ack_confirm.html", context)


# --- iCalendar feed --------------------------------------------------------------------------


@require_GET
def ical_feed(request, token: str):
    """The technician's on-call and backup stretches, past month to six months ahead."""
    feed = feeds.feed_for_token(token)
    if feed is None:
        raise Http404
    body = feeds.feed_text(feed.technician, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="astreinte.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@staff_required
@never_cache
def feed_create(request):
    """Create (or replace: the previous address stops working) the user's own feed, and show
    its address once: only a hash of the token is kept."""
    technician = Technician.objects.filter(user=request.user).first()
    if technician is None:
        messages.error(request, _("Seuls les techniciens ont un calendrier d'astreinte."))
        return redirect("oncall:now")
    _feed, token = feeds.feed_rotate(technician)
    return render(
        request,
        "oncall/feed_created.html",
        {"nav": "now", "feed_url": request.build_absolute_uri(feeds.feed_path(token))},
    )


@require_POST
@staff_required
def feed_revoke(request):
    technician = Technician.objects.filter(user=request.user).first()
    if technician is not None and feeds.feed_revoke(technician):
        messages.success(request, _("Adresse iCalendar révoquée."))
    return redirect(reverse("oncall:now") + "#ical")
