"""The bell, the notices page, marking read and the delivery preference (staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from staff.models import is_staff_member

from . import selectors, services, wording
from .filters import NoticeFilter
from .forms import PreferenceForm
from .services import delivery_of

PAGE_SIZE = 30


@require_GET
def bell(request):
    """The bell with the unread count: one query; htmx swaps it in every few seconds.

    A session that expired answers 401 rather than the login redirect: htmx would follow it
    and swap the login page into the top bar (it swaps nothing on a 4xx)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    if not is_staff_member(request.user):
        raise PermissionDenied
    return render(
        request, "notices/_bell.html", {"notice_unread": selectors.unread_count(request.user)}
    )


@staff_required
@require_GET
def notice_list(request):
    filters = NoticeFilter(request.GET, selectors.notices_of(request.user))
    rows = filters.qs
    unread_only = bool(filters.form.cleaned_data.get("unread"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {"notice": n, "title": wording.title(n), "text": wording.text(n)} for n in page.object_list
    ]
    delivery = delivery_of([request.user.pk])[request.user.pk]
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "items": items,
            "unread_only": unread_only,
            "filter_errors": filters.errors,
            "form": PreferenceForm(initial={"delivery": delivery}),
        },
    )


@staff_required
@require_GET
def notice_open(request, pk: int):
    """Follow a notice's link: it is read from now on."""
    notice = selectors.notice_of(request.user, pk)
    if notice is None:
        raise Http404
    services.notice_mark_read(notice=notice)
    target = notice.url if notice.url else "notices:list"
    if notice.url and not url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
        target = "notices:list"
    return redirect(target)


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notices:list")


@staff_required
@require_POST
def notice_read(request, pk: int):
    notice = selectors.notice_of(request.user, pk)
    if notice is None:
        raise Http404
    services.notice_mark_read(notice=notice)
    return _back(request)


@staff_required
@require_POST
def notices_read_all(request):
    count = services.notices_mark_all_read(user=request.user)
    messages.success(
        request, _("%(count)s notification(s) marquée(s) comme lue(s).") % {"count": count}
    )
    return _back(request)


@staff_required
@require_POST
def preference(request):
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une façon d'être prévenu."))
        return redirect("notices:list")
    services.notice_preference_set(user=request.user, delivery=form.cleaned_data["delivery"])
    messages.success(request, _("Préférence enregistrée."))
    return redirect("notices:list")
