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
per request and atomic increments (on Redis, batched per process under high limits: see
``_window_hit``).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .models import ApiToken

# Atomic on the Redis server, one round trip: add the requests this process let through since
# its last call (ARGV[4]), read both windows, count this request if allowed. Kept two windows
# (ttl): the next window still reads this one as its "previous".
_REDIS_HIT = """
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[4]) > 0 then
  current = redis.call('INCRBY', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
if previous * tonumber(ARGV[2]) + current >= tonumber(ARGV[1]) then
  return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, current, previous}
"""
# A process may let through this share of a limit per Redis call: 60 of the alerts' 60,000 a
# minute; under 2,000 every request goes to Redis.
BATCH_SHARE = 1_000
_redis_scripts: dict[str, object] = {}
_local: dict[str, list] = {}  # per process and credential: see _window_hit
_local_lock = threading.Lock()


def _redis_script(location: str):
    """The hit script bound to a client of this Redis (one connection pool per process)."""
    script = _redis_scripts.get(location)
    if script is None:
        import redis

        script = _redis_scripts[location] = redis.Redis.from_url(location).register_script(
            _REDIS_HIT
        )
    return script


def _window_hit(base, current_key, previous_key, *, limit, remaining, ttl):
    """(allowed, current count, previous count); a request is counted only when allowed.

    With the Redis cache (production, ``CACHE_URL``) the counters are shared by every process.
    Calling Redis at each request cost a fifth of the alert intake's throughput, so a process
    batches: under a high limit it lets up to ``limit // BATCH_SHARE`` requests through on its
    last reading plus its own count, then adds them in its next call. The limit may be exceeded
    by that batch per process (60 alerts in 60,000); under 2,000 every request goes to Redis.
    Other caches (local memory: one process) go through Django's cache API.
    """
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return _cache_api_hit(current_key, previous_key, limit=limit, remaining=remaining, ttl=ttl)
    batch = limit // BATCH_SHARE
    with _local_lock:
        # [window key, requests let through since the last reading, current, previous, read]
        state = _local.get(base)
        if state is not None and state[0] == current_key and state[4] and state[1] < batch - 1:
            _key, pending, current, previous, _read = state
            if previous * remaining + current + pending < limit:
                state[1] += 1
                return True, current + pending + 1, previous
        pending = state[1] if state is not None and state[0] == current_key else 0
        # While this thread asks Redis, the others of the process ask too (no local decision).
        _local[base] = [current_key, 0, 0, 0, False]
    prefix = config.get("KEY_PREFIX", "")
    keys = [f"{prefix}:oceanis:{current_key}", f"{prefix}:oceanis:{previous_key}"]
    allowed, current, previous = _redis_script(config["LOCATION"])(
        keys=keys, args=[limit, remaining, ttl, pending]
    )
    with _local_lock:
        state = _local.get(base)  # keep what another thread let through meanwhile
        meanwhile = state[1] if state is not None and state[0] == current_key else 0
        _local[base] = [current_key, meanwhile, int(current), int(previous), True]
    return bool(allowed), int(current), int(previous)


def _cache_api_hit(current_key, previous_key, *, limit, remaining, ttl):
    counts = cache.get_many([current_key, previous_key])
    current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
    if previous * remaining + current >= limit:
        return False, current, previous
    if not cache.add(current_key, 1, timeout=ttl):
        try:
            cache.incr(current_key)
        except ValueError:  # expired between add and incr: start the window again
            cache.add(current_key, 1, timeout=ttl)
    return True, current + 1, previous


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
        elapsed = (now % duration) / duration
        allowed, current, previous = _window_hit(
            base, current_key, previous_key, limit=limit, remaining=1 - elapsed, ttl=2 * duration
        )
        if not allowed:
            self._wait = self._retry_after(limit, duration, current, previous, elapsed)
        return allowed

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
