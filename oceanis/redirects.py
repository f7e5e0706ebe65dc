"""Old addresses that moved: they answer a redirect to the new URL, query string kept.

A page answers a 301 (browsers and bookmarks follow it with a GET); an API path a 308, which
keeps the method and the body, so that an integration's POST to an old path still reaches the new
one. The old API path is CSRF-exempt: the new view applies its own rule to the repeated request.
"""

from __future__ import annotations

from django.http.response import HttpResponseRedirectBase
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView


class HttpResponsePermanentRedirectKeepMethod(HttpResponseRedirectBase):
    status_code = 308


def moved(pattern_name: str):
    """A page's view redirecting (301) to ``pattern_name`` with the same URL arguments."""
    return RedirectView.as_view(pattern_name=pattern_name, permanent=True, query_string=True)


def api_moved(pattern_name: str):
    """A view redirecting (308) to ``pattern_name`` with the same URL arguments."""

    @csrf_exempt
    def view(request, *args, **kwargs):
        url = reverse(pattern_name, args=args, kwargs=kwargs)
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirectKeepMethod(f"{url}?{query}" if query else url)

    return view
