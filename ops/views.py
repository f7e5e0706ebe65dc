"""``/metrics``: the Prometheus scrape endpoint, for the monitoring network or a token."""

from __future__ import annotations

import ipaddress
import secrets

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import exposition

# A request relayed by a reverse proxy shows the proxy's address, often loopback: with one of
# these headers the real client is unknown, so the network rule does not admit it.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _token_ok(request) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(given.strip().encode(), expected.encode())
    )


def _network_ok(request) -> bool:
    if any(header in request.META for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics(request):
    if not (_network_ok(request) or _token_ok(request)):
        if "Authorization" in request.headers:
            return HttpResponseForbidden(b"", content_type="text/plain")
        raise Http404  # from elsewhere, not even whether the endpoint exists
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
