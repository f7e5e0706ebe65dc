"""Home: the organisation's requests in progress."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from tickets.selectors import with_gti_status

from ..access import contact_required
from ..forms import HomeFilterForm
from ..selectors import counts_by_state, followed_requests, visible_sites

PAGE_SIZE = 50


@contact_required
def home(request):
    contact = request.contact
    sites = visible_sites(contact)
    form = HomeFilterForm(request.GET or None, sites=sites)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(followed_requests(contact, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "extranet/home.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "tickets": with_gti_status(page.object_list),
            "counts": counts_by_state(contact),
            "show_site": sites.count() > 1,
            "nav": "home",
        },
    )
