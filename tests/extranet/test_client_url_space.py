"""Every client-facing page lives in the extranet's URL space; the old addresses redirect."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.extranet.test_security import org_client_pages


def _routes(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def _is_client_page(callback) -> bool:
    # ``extranet.access.contact_required`` is what makes a page a client page; ``wraps`` copies
    # names, so look at the code of each layer of decorators.
    while callback is not None:
        code = getattr(callback, "__code__", None)
        if code is not None and code.co_qualname.startswith("contact_required."):
            return True
        callback = getattr(callback, "__wrapped__", None)
    return False


def test_every_client_page_is_under_the_extranet_prefix():
    client_pages = [
        (route, cb) for route, cb in _routes(get_resolver().url_patterns) if _is_client_page(cb)
    ]
    modules = {cb.__module__ for _, cb in client_pages}
    assert {"incidents.views_client", "projects.client_views"} <= modules
    assert len(client_pages) >= 15
    outside = [route for route, _ in client_pages if not route.startswith("extranet/")]
    assert outside == []


@pytest.mark.django_db
def test_the_old_client_page_addresses_redirect_to_the_extranet(contact_client, org_a):
    org_client_pages(org_a)
    incident, project = org_a.incident.pk, org_a.project.pk
    moved = {
        "/incidents/client/": reverse("extranet:incidents"),
        f"/incidents/client/{incident}/rapport/": reverse(
            "extranet:incident_report", args=[incident]
        ),
        f"/incidents/client/{incident}/rapport.pdf": f"/extranet/incidents/{incident}/rapport.pdf",
        "/projects/client/": "/extranet/projets/",
        f"/projects/client/{project}/?tab=docs": f"/extranet/projets/{project}/?tab=docs",
    }
    for old, new in moved.items():
        response = contact_client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
        assert contact_client.get(new).status_code == 200, new
