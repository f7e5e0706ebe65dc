"""Malformed and hostile bodies sent to every write endpoint of the API: never a server error,
always the JSON error shape, and a refused request writes nothing.

The endpoints are read from the URL resolver (the ``api`` namespace, every method a view
implements that carries a body), so a new endpoint is fuzzed without editing this file; one
whose URL needs a parameter this file cannot fill fails the test instead of being skipped.
"""

from __future__ import annotations

import datetime as dt
import json
from unittest.mock import ANY

import pytest
from django.db.models import Max
from django.test import Client, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.models import Event, RejectedAlert
from api.models import WebhookDelivery, WebhookSubscription
from api.parsers import BodyError, loads
from api.scopes import ALL_SCOPES
from api.services import token_create
from notices.models import Notice, NoticeKind
from notices.services import Draft, notices_create
from oncall.models import Page, PageReason, PageTrigger
from tests.factories import ContactFactory, SiteFactory, make_manager, make_ticket
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")
# Field names the API reads in request bodies: a sprayed value reaches each of them.
FIELDS = (
    "client", "title", "description", "urgency", "kind", "channel", "contact", "site",
    "assignee", "technician", "technical_domain", "body", "public", "reason", "note", "level",
    "pending_on", "resolution", "url", "events", "name", "active", "summary", "severity",
    "host", "labels", "alerts", "fingerprint", "status",
)  # fmt: skip


def spray(value) -> bytes:
    return json.dumps(dict.fromkeys(FIELDS, value)).encode()


def spray_literal(literal: str) -> bytes:
    """A body whose every field is a JSON literal json.dumps would never write (1e400…)."""
    return ("{" + ", ".join(f'"{name}": {literal}' for name in FIELDS) + "}").encode()


def nested(depth: int, opening: str = "[", closing: str = "]") -> bytes:
    return (opening * depth + closing * depth).encode()


def form(value: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode(dict.fromkeys(FIELDS, value)).encode()


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
THIRTY_MB = b'{"title": "' + b"x" * (30 * 1024 * 1024) + b'"}'

PAYLOADS: dict[str, tuple[bytes, str]] = {
    "NUL escaped in every field": (spray("a\u0000b"), JSON),
    "NUL byte raw in a string": (b'{"title": "a\x00b", "body": "a\x00b", "reason": "\x00"}', JSON),
    "control character U+0001": (spray("a\u0001b"), JSON),
    "terminal escape sequence": (spray("\u001b[31mrouge\u001b[0m"), JSON),
    "DEL character": (spray("a\u007fb"), JSON),
    "lone surrogate": (spray("\ud800"), JSON),
    "NUL in a key": (b'{"ti\\u0000tle": "x", "bo\\u0000dy": "x"}', JSON),
    "1e400 everywhere": (spray_literal("1e400"), JSON),
    "-1e400 everywhere": (spray_literal("-1e400"), JSON),
    "1e300 everywhere": (spray_literal("1e300"), JSON),
    "2^64 everywhere": (spray_literal(str(2**64)), JSON),
    "-2^63-1 everywhere": (spray_literal(str(-(2**63) - 1)), JSON),
    "5000-digit integer": (spray_literal("9" * 5000), JSON),
    "NaN": (spray_literal("NaN"), JSON),
    "Infinity": (spray_literal("Infinity"), JSON),
    "100k nested arrays": (nested(100_000), JSON),
    "5k nested objects": (b'{"a":' * 5000 + b"1" + b"}" * 5000, JSON),
    "40 levels inside a field": (
        b'{"title": ' + nested(40) + b', "body": ' + nested(40) + b"}",
        JSON,
    ),
    "invalid UTF-8": (b'{"title": "\xff\xfe", "body": "\xc3"}', JSON),
    "UTF-16 body": (json.dumps({"title": "x"}).encode("utf-16"), JSON),
    "latin-1 announced": ('{"title": "Café"}'.encode("latin-1"), f"{JSON}; charset=latin-1"),
    "truncated JSON": (b'{"title": ', JSON),
    "empty body": (b"", JSON),
    "null": (b"null", JSON),
    "scalar": (b"42", JSON),
    "array": (b"[1, 2, 3]", JSON),
    "lists everywhere": (spray([[]]), JSON),
    "objects everywhere": (spray({"a": {"b": None}}), JSON),
    "booleans everywhere": (spray(True), JSON),
    "negative numbers everywhere": (spray(-1), JSON),
    "floats everywhere": (spray(1.5), JSON),
    "1 MB string everywhere": (json.dumps({"title": "x" * 1_000_000}).encode(), JSON),
    "30 MB body": (THIRTY_MB, JSON),
    "text/plain": (spray("x"), "text/plain"),
    "XML": (b"<ticket><title>x</title></ticket>", "application/xml"),
    "form with NUL": (form("a\x00b"), FORM),
    "form with 1e400": (form("1e400"), FORM),
    "multipart with NUL": (
        encode_multipart(BOUNDARY, dict.fromkeys(FIELDS, "a\x00b")),
        MULTIPART_CONTENT,
    ),
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def write_endpoints() -> list[tuple[str, str, list[str]]]:
    """(method, URL name, URL parameters) for every API view method that takes a body."""
    found = []
    for name, pattern in _walk(get_resolver("oceanis.urls").url_patterns):
        if not name.startswith("api:") or name == "api:not_found":
            continue
        callback = pattern.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view is None:  # a plain function view: whatever it allows, a POST must get JSON
            methods = ["post"]
        else:
            allowed = getattr(view, "http_method_names", WRITE_METHODS)
            actions = getattr(callback, "actions", None)
            implemented = actions.keys() if actions else [m for m in dir(view) if m in allowed]
            methods = [m for m in WRITE_METHODS if m in implemented and m in allowed]
        params = list(pattern.pattern.regex.groupindex)
        found += [(method, name, params) for method in methods]
    return found


@pytest.fixture
def world():
    manager = make_manager()
    ticket = make_ticket()
    SiteFactory(client=ticket.client)
    ContactFactory(client=ticket.client)
    _token, raw = token_create(name="Fuzz", scopes=sorted(ALL_SCOPES), acting_as=manager.user)
    subscription = WebhookSubscription.objects.create(
        name="Récepteur", url="http://127.0.0.1:9/hook", secret="s" * 32, events=["ticket.closed"]
    )
    notices_create(
        drafts=[
            Draft(
                recipient_id=manager.user.pk,
                kind=NoticeKind.ASSIGNED,
                source="fuzz",
                url="/",
                params={"reference": ticket.reference, "title": ticket.title},
            )
        ]
    )
    now = timezone.now()
    page = Page.objects.create(
        ticket=make_ticket(client=ticket.client),
        trigger=PageTrigger.CREATED,
        reason=PageReason.CONTRACT,
        raised_at=now,
        intervention_deadline=now + dt.timedelta(hours=1),
    )
    values = {
        "reference": ticket.reference,
        "api:webhook": subscription.pk,
        "api:my_notification": Notice.objects.get().pk,
        "api:oncall_page": page.pk,
    }
    return raw, values


def _url(name: str, params: list[str], values: dict) -> str:
    kwargs = {}
    for param in params:
        key = (
            param
            if param in values
            else next((k for k in values if name.startswith(k) and param == "pk"), None)
        )
        if key is None:
            pytest.fail(f"{name}: no value for URL parameter {param!r}; add one to world()")
        kwargs[param] = values[key]
    return reverse(name, kwargs=kwargs)


def _counts() -> dict[str, int]:
    return {
        "tickets": Ticket.objects.count(),
        "ticket events": TicketEvent.objects.count(),
        "last ticket event": TicketEvent.objects.aggregate(m=Max("pk"))["m"],
        "alert events": Event.objects.count(),
        "webhooks": WebhookSubscription.objects.count(),
        "webhook deliveries": WebhookDelivery.objects.count(),
    }


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_THROTTLE_RATES = {"api": "1000000/minute", "alerts": "1000000/minute"}


def test_every_write_endpoint_is_found():
    """The enumeration is what the fuzzing relies on: it must see the API's write routes."""
    found = {(method, name) for method, name, _params in write_endpoints()}
    assert {
        ("post", "api:ticket-list"),
        ("patch", "api:ticket-detail"),
        ("post", "api:ticket-take"),
        ("post", "api:ticket-timeline"),
        ("post", "api:alerts"),
        ("post", "api:webhook-list"),
        ("patch", "api:webhook-detail"),
        ("post", "api:my_notifications_read_all"),
        ("post", "api:oncall_page_ack"),
    } <= found
    assert len(PAYLOADS) >= 25


def test_hostile_bodies_never_cause_a_server_error_nor_a_partial_write(world, settings):
    settings.ROOT_URLCONF = "oceanis.urls"
    raw, values = world
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    failures, answered = [], 0
    for method, name, params in write_endpoints():
        url = _url(name, params, values)
        for label, (body, content_type) in PAYLOADS.items():
            before = _counts()
            response = client.generic(method.upper(), url, body, content_type=content_type)
            answered += 1
            problem = None
            if response.status_code >= 500:
                problem = "server error"
            elif "application/json" not in response.get("Content-Type", ""):
                problem = "not JSON"
            elif response.status_code >= 400:
                error = response.json()
                if set(error) != {"error", "detail", "fields"}:
                    problem = "not the error shape"
                elif _counts() != before:
                    problem = "refused but written"
            if problem:
                failures.append(
                    f"{method.upper()} {url} [{label}] {response.status_code} {problem}: "
                    f"{response.content[:300]!r}"
                )
    assert answered >= 25 * 15
    assert not failures, "\n".join(failures)


def test_a_refused_alert_body_is_kept_in_the_rejected_log(world, settings):
    """The alert intake logs what it refuses (except a body too large to read)."""
    settings.ROOT_URLCONF = "oceanis.urls"
    raw, _values = world
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for label in (
        "NUL byte raw in a string",
        "100k nested arrays",
        "invalid UTF-8",
        "1e400 everywhere",
    ):
        body, content_type = PAYLOADS[label]
        before = RejectedAlert.objects.count()
        response = client.post("/api/v1/alerts/", body, content_type=content_type)
        assert response.status_code == 400, (label, response.content)
        assert RejectedAlert.objects.count() == before + 1, label


# --- one error shape under /api/ -------------------------------------------------------------


def _boom(request):
    raise RuntimeError("boom")


class _Echo(APIView):
    permission_classes: list = []

    def post(self, request):
        return Response(request.data)


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("oncall/api/boom/", _boom),
    path("boom/", _boom),
    path("echo/", _Echo.as_view()),
]


def _shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail", "fields"} and body["error"] == code, body
    return body


def test_errors_under_the_api_are_json_for_every_status(world, settings):
    settings.ROOT_URLCONF = "oceanis.urls"
    raw, values = world
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    ticket = f"/api/v1/tickets/{values['reference']}/"
    _shape(api.get("/api/v1/nothing/here/"), 404, "not_found")
    _shape(api.post("/api/v1/nothing/", b"{}", content_type=JSON), 404, "not_found")
    _shape(api.delete(ticket), 405, "method_not_allowed")
    _shape(api.post("/api/v1/oncall/now", b"{}", content_type=JSON), 405, "method_not_allowed")
    _shape(
        api.post("/api/v1/tickets/", b"<x/>", content_type="application/xml"),
        415,
        "unsupported_media_type",
    )
    _shape(api.post("/api/v1/tickets/", b'{"title": ', content_type=JSON), 400, "malformed_request")
    _shape(api.post("/api/v1/tickets/", THIRTY_MB, content_type=JSON), 413, "payload_too_large")
    # Refused by Django before any view (an unknown Host): its HTML 400 becomes the JSON shape.
    _shape(api.get("/api/v1/tickets/", HTTP_HOST="evil.example"), 400, "malformed_request")


def test_the_body_limit_is_the_setting_and_is_checked_before_reading(world, settings):
    settings.ROOT_URLCONF = "oceanis.urls"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw, _values = world
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = json.dumps({"client": "acme", "title": "x" * 990, "urgency": "critical"}).encode()
    refused = _shape(
        api.post("/api/v1/tickets/", body, content_type=JSON), 413, "payload_too_large"
    )
    assert "1000" in refused["detail"]
    # A DRF view outside /api/ (no middleware check): its exception handler answers the same.
    settings.ROOT_URLCONF = __name__
    outside = Client().post("/echo/", body, content_type=JSON)
    _shape(outside, 413, "payload_too_large")


def test_an_unexpected_error_under_the_api_is_a_logged_json_500(settings, caplog):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    for url in ("/api/v1/boom/", "/oncall/api/boom/"):
        _shape(client.get(url), 500, "server_error")
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
    # Elsewhere the branded HTML page stays.
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_the_test_client_still_raises_an_api_view_error():
    """The JSON 500 sends Django's got_request_exception: tests see the traceback, as before."""
    with override_settings(ROOT_URLCONF=__name__), pytest.raises(RuntimeError, match="boom"):
        Client().get("/api/v1/boom/")


# --- the input rules, at their edges ------------------------------------------------------------


def test_nesting_is_accepted_to_32_levels_and_refused_beyond():
    assert loads(nested(32)) == json.loads(nested(32))
    with pytest.raises(BodyError, match="32 niveaux") as caught:
        loads(nested(33))
    assert caught.value.fields == {}


@pytest.mark.parametrize("literal", [str(2**63 - 1), str(-(2**63) + 1), "9.2e18", "-1.5"])
def test_numbers_within_the_bigint_range_are_accepted(literal):
    assert loads(f'{{"n": {literal}}}') == {"n": json.loads(literal)}


@pytest.mark.parametrize(
    "literal", [str(2**63), str(-(2**63)), "1e400", "-1e400", "9.3e18", "NaN", "-Infinity"]
)
def test_numbers_outside_are_refused_naming_the_field(literal):
    with pytest.raises(BodyError) as caught:
        loads(f'{{"payload": {{"items": [0, 1, {literal}]}}}}')
    assert list(caught.value.fields) == ["payload.items.2"]


def test_tab_and_line_breaks_are_text_other_control_characters_are_not():
    assert loads('{"body": "a\\tb\\r\\nc"}') == {"body": "a\tb\r\nc"}
    for character in ("\\u0000", "\\u0008", "\\u000b", "\\u001f", "\\u007f", "\\ud800"):
        with pytest.raises(BodyError) as caught:
            loads(f'{{"body": "x{character}y"}}')
        assert list(caught.value.fields) == ["body"], character


def test_a_refused_value_answers_400_invalid_naming_the_field_in_json_and_in_forms(world, settings):
    settings.ROOT_URLCONF = "oceanis.urls"
    raw, _values = world
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    as_json = api.post("/api/v1/tickets/", b'{"title": "x", "contact": 1e400}', content_type=JSON)
    assert _shape(as_json, 400, "invalid")["fields"] == {"contact": [ANY]}
    as_form = api.post("/api/v1/tickets/", b"title=a%00b", content_type=FORM)
    assert list(_shape(as_form, 400, "invalid")["fields"]) == ["title"]
    unread = api.post("/api/v1/tickets/", b"{}", content_type=JSON, CONTENT_LENGTH="99999999")
    _shape(unread, 413, "payload_too_large")  # an unread {} would have been a 400
