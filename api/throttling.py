"""Rate limiting per credential (token, else user, else address), answered with a 429 JSON body.

Rates come from ``settings.API_THROTTLE_RATES`` read at request time (DRF's own throttles freeze
theirs at import), keyed by the view's ``throttle_scope``. Counters live in the default cache:
per process with the local-memory cache, shared by every process once ``CACHE_URL`` points to
Redis (as in production).

DRF's ``SimpleRateThrottle`` keeps a list of every request time of the window and rewrites it at
each request: at the alert rate (60,000/minute) that is a list of tens of thousands of floats
pickled twice per request. This one keeps two integer counters per credential (the current and
the previous fixed window) and estimates the sliding window as ``previous × (part of it still
inside the window) + current``, the approximation Cloudflare and Nginx-style limiters use: O(1)
per request, atomic increments, and never more than the rate once the window has slid.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .models import ApiToken


class CredentialRateThrottle(BaseThrottle):
    default_scope = "api"
    timer = time.time

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None) or self.default_scope
        rate = getattr(settings, "API_THROTTLE_RATES", {}).get(scope)
        self._wait = None
        if rate is None:
            return True
        limit, duration = SimpleRateThrottle.parse_rate(None, rate)
        now = self.timer()
        window = int(now // duration)
        base = self.cache_key(request, scope, duration)
        current_key, previous_key = f"{base}:{window}", f"{base}:{window - 1}"
        counts = cache.get_many([current_key, previous_key])
        current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
        elapsed = (now % duration) / duration
        if previous * (1 - elapsed) + current >= limit:
            self._wait = self._retry_after(limit, duration, current, previous, elapsed)
            return False
        # Kept two windows: the next window still reads this one as its "previous".
        if not cache.add(current_key, 1, timeout=2 * duration):
            try:
                cache.incr(current_key)
            except ValueError:  # expired between add and incr: start the window again
                cache.add(current_key, 1, timeout=2 * duration)
        return True

    def wait(self):
        return self._wait

    @staticmethod
    def _retry_after(limit, duration, current, previous, elapsed) -> float:
        """Seconds until the estimate drops below the limit (at worst, the next window's)."""
        if current < limit and previous:
            # previous × (1 - e) + current < limit  ⇔  e > 1 - (limit - current) / previous
            needed = 1 - (limit - current) / previous
            return max((needed - elapsed) * duration, 1.0)
        # The current window alone is full: the next one starts with it as its previous.
        next_needed = 1 - (limit - 0) / current if current else 0
        return max((1 - elapsed + max(next_needed, 0)) * duration, 1.0)

    @staticmethod
    def cache_key(request, scope: str, duration: int) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{BaseThrottle().get_ident(request)}"
        return f"throttle:{scope}:{duration}:{ident}"
