"""The client's side of steering committees, mounted under ``/extranet/comites/``.

Every read is filtered on ``request.contact.client``: another organisation's committee answers
404. Every contact of the organisation reads them (a committee is not tied to a site).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from extranet.access import contact_required

from .selectors import committee_detail, committees_of


@contact_required
def client_committees(request):
    client = request.contact.client
    return render(
        request,
        "portfolios/client_committees.html",
        {"client": client, "committees": committees_of(client), "nav": "committees"},
    )


@contact_required
def client_committee(request, pk: int):
    committee = committee_detail(pk, client=request.contact.client)
    if committee is None:
        raise Http404
    return render(
        request,
        "portfolios/client_committee.html",
        {"committee": committee, "client": committee.client, "nav": "committees"},
    )
