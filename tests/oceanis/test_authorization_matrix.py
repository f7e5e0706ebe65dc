"""Every staff URL and every API route × every kind of caller → the answer staff.policy promises.

The staff URLs are walked from ``oceanis.urls`` (back-office, incidents, changes, shifts, on-call,
projects, reports, notices): a new URL is covered automatically and a new kind of URL parameter
fails until it gets a value below. The API routes are walked from the OpenAPI schema the same way.
Objects are addressed with ids that do not exist, so the answer is the door's own (login, 403,
then 404): the per-object rules (a colleague's ticket) are proven with real tickets further down.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.scopes import ALL_SCOPES, CLIENT_SCOPES, INTEGRATION_SCOPES
from api.services import token_create
from tests.factories import (
    ContactFactory,
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    UserFactory,
    make_manager,
    make_ticket,
)
from tickets.models import State, Ticket

# Not staff pages: public, token-, network- or signature-authenticated (/metrics: see
# tests/oceanis/test_metrics.py), client pages, admin, API.
NOT_STAFF = re.compile(
    r"^(healthz|metrics|favicon|set_language|login|logout|admin:.*|api:.*|extranet:.*|"
    r"notifications:inbound-mail|oncall:(ack_link|ical_feed|api_now_moved|api_page_ack_moved)|"
    r"incidents:client_.*|projects:client_.*|satisfaction:(rate|extranet_rate)|"
    # single sign-on: the login's own doors, proven in tests/sso/
    r"sso:.*|"
    # passkey ceremonies: JSON endpoints, proven in tests/identity/test_passkeys.py
    r"otp_webauthn:.*)$"
)
# The manager and the deputy only (staff.policy: DISPATCH, REPORTS, SHIFT_PLAN, CALENDARS_MANAGE),
# and the portfolio screens, which service managers share (tests/portfolios prove their side).
MANAGER_ONLY = re.compile(
    r"^(backoffice:dispatch.*|reports:.*|shifts:(assign|unassign)|calendars:.*|portfolios:.*|"
    r"identity:(team|reset))$"
)
# Polled by htmx: an expired session gets 401 (htmx would swap a login page in the top bar).
HTMX_FRAGMENTS = {"notices:bell", "triage:counter", "telephony:card"}
MISSING = {
    "pk": 999999,
    "ticket_pk": 999999,
    "event_pk": 999999,
    "client_pk": 999999,
    "problem_pk": 999999,
    "article_id": 999999,
    "call_id": 999999,
    "session_id": 999999,
    "reference": "OC-2099-999999",
    "action": "take_in_charge",
    "key": "inconnu",
    "fmt": "csv",
}
STAFF_ROLES = ("technician", "manager", "deputy")
OUTSIDERS = ("contact", "site_contact", "integration_account")


def walk(patterns, namespace="", prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield name, entry.pattern


def staff_urls() -> list[tuple[str, str]]:
    urls = []
    for name, pattern in walk(get_resolver().url_patterns):
        if NOT_STAFF.match(name):
            continue
        kwargs = {}
        for param in pattern.converters:
            assert param in MISSING, f"URL parameter {param!r} of {name} has no value here"
            kwargs[param] = MISSING[param]
        urls.append((name, reverse(name, kwargs=kwargs)))
    return sorted(urls)


STAFF_URLS = staff_urls()


def test_the_walk_finds_every_area_of_the_staff_side():
    names = {name for name, _ in STAFF_URLS}
    for area in ("backoffice:", "incidents:", "changes:", "shifts:", "oncall:", "projects:"):
        assert any(n.startswith(area) for n in names), area
    assert {"home", "reports:index", "notices:list"} <= names
    assert len(STAFF_URLS) >= 80


@pytest.fixture
def people(db):
    client = ContractFactory().client
    site, other_site = SiteFactory(client=client), SiteFactory(client=client)
    contact = ContactFactory(client=client, user=UserFactory(username="contact"))
    site_contact = ContactFactory(
        client=client,
        site=site,
        visibility="site",
        user=UserFactory(username="agence"),
    )
    token, _raw = token_create(name="Supervision", scopes=INTEGRATION_SCOPES)
    assert other_site.pk
    return {
        "anonymous": None,
        "contact": contact.user,
        "site_contact": site_contact.user,
        "integration_account": token.user,
        "technician": TechnicianFactory(user__username="tech").user,
        "manager": make_manager().user,
        "deputy": make_manager("deputy", deputy=True).user,
    }


def browser_as(user) -> Client:
    browser = Client()
    if user is not None:
        browser.force_login(user)
    return browser


def answers(browser: Client, url: str) -> tuple[int, int, str, str]:
    get, post = browser.get(url), browser.post(url)
    return get.status_code, post.status_code, get.get("Location", ""), post.get("Location", "")


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", STAFF_URLS)
def test_every_staff_url_answers_each_caller_as_the_policy_says(people, name, url):
    # Anonymous: the login page (or 405 for the method the view does not take), never content.
    get, post, get_to, post_to = answers(browser_as(None), url)
    if name in HTMX_FRAGMENTS:
        assert (get, post) == (401, 405), name
    else:
        assert {get, post} <= {302, 405} and 302 in (get, post), (name, get, post)
        assert all(to.startswith("/login/") for to in (get_to, post_to) if to), (name, get_to)

    # Client contacts (site-restricted or not) and integration accounts: refused (the home page
    # sends them to the extranet).
    for role in OUTSIDERS:
        get, post, get_to, _ = answers(browser_as(people[role]), url)
        if name == "home":
            assert get == 302 and get_to == "/extranet/", (role, get)
            continue
        assert {get, post} <= {403, 405} and 403 in (get, post), (name, role, get, post)

    # Staff: technicians are refused the manager's pages only; the manager and deputy never.
    for role in STAFF_ROLES:
        get, post, get_to, post_to = answers(browser_as(people[role]), url)
        if role == "technician" and MANAGER_ONLY.match(name):
            assert {get, post} <= {403, 405} and 403 in (get, post), (name, role, get, post)
            continue
        assert 403 not in (get, post) and max(get, post) < 500, (name, role, get, post)
        assert "/login/" not in get_to + post_to, (name, role)


# --- the per-object rules, through the back-office and the API -----------------------------


@pytest.fixture
def desk(db):
    acme = ContractFactory(client__code="acme").client
    alice = TechnicianFactory(user__username="alice")
    bob = TechnicianFactory(user__username="bob")
    return {
        "acme": acme,
        "alice": alice,
        "bob": bob,
        "manager": make_manager(),
        "deputy": make_manager("deputy", deputy=True),
        "own": make_ticket(client=acme, assignee=alice),
        "colleagues": make_ticket(client=acme, assignee=bob),
        "unassigned": make_ticket(client=acme),
    }


# (who, which ticket) → may take it in charge (back-office button and POST, API)
TAKE_MATRIX = [
    ("alice", "own", True),
    ("alice", "unassigned", True),
    ("alice", "colleagues", False),
    ("manager", "colleagues", True),
    ("deputy", "colleagues", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize("who,which,allowed", TAKE_MATRIX)
def test_taking_in_charge_follows_the_policy_in_the_back_office(desk, who, which, allowed):
    ticket: Ticket = desk[which]
    user = desk[who].user
    browser = browser_as(user)
    page = browser.get(reverse("backoffice:ticket", args=[ticket.reference])).content.decode()
    action_url = reverse("backoffice:ticket_action", args=[ticket.reference, "take_in_charge"])
    assert (action_url in page) is allowed
    response = browser.post(action_url)
    ticket.refresh_from_db()
    assert (ticket.state == State.IN_PROGRESS) is allowed, response.status_code
    if not allowed:
        # Refused with the policy's reason, shown on the ticket page; nothing recorded.
        assert response.status_code == 302
        shown = browser.get(response["Location"]).content.decode()
        assert "seuls ce technicien, le responsable du centre" in shown
        assert ticket.taken_in_charge_at is None and ticket.assignee == desk["bob"]


@pytest.mark.django_db
@pytest.mark.parametrize("who,which,allowed", TAKE_MATRIX)
def test_taking_in_charge_follows_the_policy_in_the_api(desk, who, which, allowed):
    from rest_framework.test import APIClient

    ticket: Ticket = desk[which]
    api = APIClient()
    api.force_login(desk[who].user)
    response = api.post(f"/api/v1/tickets/{ticket.reference}/take/")
    assert response.status_code == (200 if allowed else 403), response.json()
    ticket.refresh_from_db()
    assert (ticket.taken_in_charge_at is not None) is allowed


# --- every API route -----------------------------------------------------------------------


def api_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI schema, ids that do not exist."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        concrete = re.sub(r"\{reference\}", "OC-2099-999999", path)
        concrete = re.sub(r"\{[^}]+\}", "999999", concrete)
        for method in item:
            if method in ("get", "post", "patch", "delete", "put"):
                operations.append((method, concrete))
    return sorted(operations)


# The on-call rota (a plain Django view under /api/v1/oncall/) is not in the schema.
ONCALL_API = [("get", "/api/v1/oncall/now")]
API_OPERATIONS = api_operations() + ONCALL_API
PUBLIC_API = re.compile(r"^/api/v1/(schema|docs|redoc)/")


def test_the_api_walk_finds_every_route_group():
    paths = {path for _, path in API_OPERATIONS}
    for group in ("tickets", "clients", "sites", "contacts", "contracts", "technicians"):
        assert any(p.startswith(f"/api/v1/{group}/") for p in paths), group
    assert any(p.startswith("/api/v1/webhooks/") for p in paths)
    assert "/api/v1/alerts/" in paths


@pytest.fixture
def callers(people, db):
    from rest_framework.test import APIClient

    client = ContactFactory._meta.model.objects.get(user=people["contact"]).client
    _t, staff_raw = token_create(name="Intégration", scopes=ALL_SCOPES - {"notifications:read"})
    _t, client_raw = token_create(name="Outil client", scopes=CLIENT_SCOPES, client=client)

    def session(role):
        api = APIClient()
        if people[role] is not None:
            api.force_login(people[role])
        return api

    def bearer(raw):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return {
        "anonymous": session("anonymous"),
        "contact": session("contact"),
        "site_contact": session("site_contact"),
        "technician": session("technician"),
        "manager": session("manager"),
        "staff_token": bearer(staff_raw),
        "client_token": bearer(client_raw),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("method,path", API_OPERATIONS)
def test_every_api_route_answers_each_caller_as_the_policy_says(callers, method, path):
    def call(who):
        response = getattr(callers[who], method)(path, {}, format="json")
        assert response.status_code < 500, (who, method, path, response.status_code)
        return response.status_code

    if PUBLIC_API.match(path):
        assert call("anonymous") == 200
        return
    # Nobody gets in without credentials; the error is 401 (with the Bearer challenge) or 403.
    assert call("anonymous") in (401, 403), (method, path)
    if path.startswith("/api/v1/technicians/"):
        # Oceanis-only data: client contacts and client tokens are refused.
        for who in ("contact", "site_contact", "client_token"):
            assert call(who) == 403, (who, method, path)
    workflow = re.search(r"/(take|assign|pending|resume|resolve|close|cancel|escalate)/$", path)
    if workflow or (method == "patch" and path.startswith("/api/v1/tickets/")):
        for who in ("contact", "site_contact", "client_token"):
            assert call(who) == 403, (who, method, path)
    if path.startswith(("/api/v1/me/", "/api/v1/oncall/")):
        # One's own notices, the on-call rota and acknowledgements: never a client.
        for who in ("contact", "site_contact", "client_token"):
            assert call(who) == 403, (who, method, path)
    # Staff and the integration token pass the door: what remains is the object (404) or the
    # input (400), never a refusal of the caller.
    for who in ("technician", "manager", "staff_token"):
        if path.startswith("/api/v1/me/") and who == "staff_token":
            continue  # personal notices need a person, not an integration
        if path.startswith("/api/v1/webhooks") and who == "technician":
            continue  # webhooks: see test_webhook_management_follows_the_policy
        assert call(who) != 403, (who, method, path)


@pytest.mark.django_db
def test_webhook_management_follows_the_policy(callers, people):
    from rest_framework.test import APIClient

    technician = people["technician"]
    _t, acting_raw = token_create(name="Poste tech", scopes=ALL_SCOPES, acting_as=technician)
    acting = APIClient()
    acting.credentials(HTTP_AUTHORIZATION=f"Bearer {acting_raw}")
    # Oceanis-wide subscriptions receive every client's events: the manager, the deputy and
    # integrations manage them; a technician (by session or by a token acting as them) cannot.
    for who, api, expected in (
        ("technician", callers["technician"], 403),
        ("acting_as_technician", acting, 403),
        ("manager", callers["manager"], 200),
        ("staff_token", callers["staff_token"], 200),
        ("client_token", callers["client_token"], 200),
    ):
        response = api.get("/api/v1/webhooks/")
        assert response.status_code == expected, (who, response.json())
    refused = callers["technician"].post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/x"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"


@pytest.mark.django_db
def test_the_admins_ticket_actions_obey_the_policy_too(client, desk):
    from django.contrib import admin
    from django.contrib.auth.models import Permission

    take = admin.site._registry[Ticket].actions[0].__name__
    alice = desk["alice"].user
    # A technician whose group was (wrongly) given the ticket admin still cannot take over.
    alice.user_permissions.add(*Permission.objects.filter(content_type__app_label="tickets"))
    client.force_login(alice)
    ticket = desk["colleagues"]
    response = client.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": take, "_selected_action": [ticket.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "seuls ce technicien, le responsable du centre" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.taken_in_charge_at is None and ticket.assignee == desk["bob"]
