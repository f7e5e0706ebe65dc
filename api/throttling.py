"""Rate limiting per credential (token, else user, else address), answered with a 429 JSON body.

Rates come from ``settings.API_THROTTLE_RATES`` read at request time (DRF's own throttles freeze
theirs at import), keyed by the view's ``throttle_scope``. Counters live in the default cache:
per process with the local-memory cache, shared once a shared cache (Redis) is configured.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class CredentialRateThrottle(SimpleRateThrottle):
    default_scope = "api"

    def __init__(self):
        # The scope is only known per view: rates are resolved in allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None) or self.default_scope
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self):
        return getattr(settings, "API_THROTTLE_RATES", {}).get(self.scope)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"
