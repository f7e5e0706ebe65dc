"""Request latency for ``/metrics``."""

from __future__ import annotations

import time

from .metrics import REQUEST_DURATION

# Anything else is counted as "other": a client inventing methods must not create series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "<unresolved>"


class RequestMetricsMiddleware:
    """Times every request and labels it by view name (the URL pattern's name, never the path:
    paths carry references and ids, one series each would be unbounded)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        REQUEST_DURATION.labels(
            match.view_name if match is not None else UNRESOLVED,
            request.method if request.method in METHODS else "other",
            str(response.status_code),
        ).observe(time.perf_counter() - started)
        return response
