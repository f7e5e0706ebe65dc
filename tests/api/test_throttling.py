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
