import os
import time

import pytest

pytestmark = pytest.mark.django_db


def test_too_many_requests_get_429_json_with_retry_after(staff_api, settings):
    settings.API_THROTTLE_RATES = {"api": "3/minute", "alerts": "100/minute"}
    codes = [staff_api.get("/api/v1/tickets/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = staff_api.get("/api/v1/tickets/")
    assert response.json()["error"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


def test_each_token_has_its_own_budget(staff_api, acme_api, settings):
    settings.API_THROTTLE_RATES = {"api": "2/minute"}
    for _ in range(2):
        staff_api.get("/api/v1/tickets/")
    assert staff_api.get("/api/v1/tickets/").status_code == 429
    assert acme_api.get("/api/v1/tickets/").status_code == 200


def test_budget_slides_back_progressively_after_a_full_window(staff_api, settings, monkeypatch):
    from api.throttling import CredentialRateThrottle

    settings.API_THROTTLE_RATES = {"api": "4/minute"}
    clock = [6_000_000.0]  # the start of a minute window
    monkeypatch.setattr(CredentialRateThrottle, "timer", staticmethod(lambda: clock[0]))
    assert [staff_api.get("/api/v1/tickets/").status_code for _ in range(5)][-2:] == [200, 429]
    clock[0] += 60  # next window: the previous 4 still weigh 4 × (1 - 0)
    refused = staff_api.get("/api/v1/tickets/")
    assert refused.status_code == 429
    # 4 × (1 - e) < 4 - 0 as soon as e > 0; Retry-After says so in whole seconds.
    assert 1 <= int(refused["Retry-After"]) <= 2
    clock[0] += 30  # half-way: the previous window weighs 2, room for 2 more
    codes = [staff_api.get("/api/v1/tickets/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    clock[0] += 60 * 2  # two windows later nothing is left of them
    assert [staff_api.get("/api/v1/tickets/").status_code for _ in range(4)] == [200] * 4


def test_counters_are_small_integers_whatever_the_rate(staff_api, settings, monkeypatch):
    from django.core.cache import cache

    from api.throttling import CredentialRateThrottle

    settings.API_THROTTLE_RATES = {"api": "60000/minute"}
    monkeypatch.setattr(CredentialRateThrottle, "timer", staticmethod(lambda: 6_000_030.0))
    for _ in range(20):
        staff_api.get("/api/v1/tickets/")
    # One integer for the current minute (window 100,000), not a list of 20 request times.
    assert cache.get(f"throttle:api:60:token:{staff_api.token.pk}:100000") == 20


REDIS = os.environ.get("CELERY_TEST_BROKER_URL", "")


@pytest.mark.skipif(
    not REDIS.startswith("redis://"),
    reason="CELERY_TEST_BROKER_URL is not set: no Redis (CI sets redis://127.0.0.1:6379/15)",
)
def test_web_processes_share_one_budget_through_redis(staff_api, settings):
    """Production sets CACHE_URL=redis://…: a limit holds across processes, not per process."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": f"throttle-test-{os.getpid()}-{time.time()}",  # no clear(): no FLUSHDB
        }
    }
    settings.API_THROTTLE_RATES = {"api": "3/minute"}
    assert staff_api.get("/api/v1/tickets/").status_code == 200
    # Another process has its own memory but the same Redis: simulate it by a fresh handle.
    assert type(caches["default"]).__name__ == "RedisCache", caches["default"]
    del caches["default"]
    codes = [staff_api.get("/api/v1/tickets/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.skipif(
    not REDIS.startswith("redis://"),
    reason="CELERY_TEST_BROKER_URL is not set: no Redis (CI sets redis://127.0.0.1:6379/15)",
)
@pytest.mark.parametrize("limit,batch", [(1_500, 1), (6_000, 6)])
def test_a_high_limit_is_counted_in_batches_and_still_holds(settings, monkeypatch, limit, batch):
    """Two processes share the limit: each calls Redis once per ``batch`` requests, and
    together they let through the limit plus at most one batch each. The local states are keyed
    by the credential's base key: two bases over the same Redis keys act as two processes."""
    from api import throttling

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": f"batch-test-{os.getpid()}-{time.time()}",
        }
    }
    monkeypatch.setattr(throttling, "_local", {})
    real, calls = throttling._redis_script, []

    def counting(location):
        script = real(location)

        def call(**kwargs):
            calls.append(kwargs["args"][3])
            return script(**kwargs)

        return call

    monkeypatch.setattr(throttling, "_redis_script", counting)
    allowed = 0
    for i in range(limit + 100):
        ok, _current, _previous = throttling._window_hit(
            f"process{i % 2}", "w:1", "w:0", limit=limit, remaining=1.0, ttl=120
        )
        allowed += ok
    assert limit <= allowed <= limit + 2 * batch
    assert len(calls) <= limit // batch + 100 + 4  # refusals always ask Redis
