"""Token scopes: every route asks for one scope, and a token without it gets 403."""

import pytest
from rest_framework.test import APIClient

from api.auth import InsufficientScope, TokenScopeRequired
from api.models import ApiToken, WebhookSubscription
from api.scopes import ALL_SCOPES, CLIENT_SCOPES, INTEGRATION_SCOPES, TokenScope
from api.services import token_create, token_set_scopes
from knowledge.models import Visibility
from knowledge.services import article_create
from tests.api.conftest import bearer
from tests.factories import (
    ContactFactory,
    SiteFactory,
    TechnicianFactory,
    UserFactory,
    make_manager,
    make_ticket,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

READ = TokenScope.TICKETS_READ
WRITE = TokenScope.TICKETS_WRITE
WORKFLOW = TokenScope.TICKETS_WORKFLOW
DIRECTORY = TokenScope.DIRECTORY_READ
WEBHOOKS = TokenScope.WEBHOOKS_MANAGE
NOTIFICATIONS = TokenScope.NOTIFICATIONS_READ

# The promise, route by route (the README's table of scopes is this table).
ROUTES = {
    ("get", "/api/v1/tickets/"): READ,
    ("get", "/api/v1/tickets/{reference}/"): READ,
    ("get", "/api/v1/tickets/{reference}/timeline/"): READ,
    ("get", "/api/v1/tickets/{reference}/sla/"): READ,
    ("post", "/api/v1/tickets/"): WRITE,
    ("patch", "/api/v1/tickets/{reference}/"): WRITE,
    ("post", "/api/v1/tickets/{reference}/timeline/"): WRITE,
    ("post", "/api/v1/tickets/{reference}/take/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/assign/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/pending/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/resume/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/resolve/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/close/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/reopen/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/cancel/"): WORKFLOW,
    ("post", "/api/v1/tickets/{reference}/escalate/"): WORKFLOW,
    ("get", "/api/v1/tickets/{reference}/links/"): READ,
    ("post", "/api/v1/tickets/{reference}/links/"): WRITE,
    ("post", "/api/v1/tickets/{reference}/merge/"): WORKFLOW,
    ("post", "/api/v1/alerts/"): TokenScope.ALERTS_WRITE,
    ("get", "/api/v1/webhooks/"): WEBHOOKS,
    ("post", "/api/v1/webhooks/"): WEBHOOKS,
    ("get", "/api/v1/webhooks/{id}/"): WEBHOOKS,
    ("patch", "/api/v1/webhooks/{id}/"): WEBHOOKS,
    ("delete", "/api/v1/webhooks/{id}/"): WEBHOOKS,
    ("get", "/api/v1/webhooks/{id}/deliveries/"): WEBHOOKS,
    ("post", "/api/v1/webhooks/{id}/ping/"): WEBHOOKS,
    ("get", "/api/v1/clients/"): DIRECTORY,
    ("get", "/api/v1/clients/{code}/"): DIRECTORY,
    ("get", "/api/v1/sites/"): DIRECTORY,
    ("get", "/api/v1/sites/{id}/"): DIRECTORY,
    ("get", "/api/v1/contacts/"): DIRECTORY,
    ("get", "/api/v1/contacts/{id}/"): DIRECTORY,
    ("get", "/api/v1/contracts/"): DIRECTORY,
    ("get", "/api/v1/contracts/{id}/"): DIRECTORY,
    ("get", "/api/v1/technicians/"): DIRECTORY,
    ("get", "/api/v1/technicians/{id}/"): DIRECTORY,
    ("get", "/api/v1/me/notifications/"): NOTIFICATIONS,
    ("post", "/api/v1/me/notifications/{id}/read/"): NOTIFICATIONS,
    ("post", "/api/v1/me/notifications/read-all/"): NOTIFICATIONS,
    ("post", "/api/v1/oncall/pages/{id}/ack/"): TokenScope.ONCALL_WRITE,
    ("post", "/api/v1/calls/"): TokenScope.CALLS_WRITE,
    ("get", "/api/v1/search/"): READ,
    ("get", "/api/v1/kb/articles/"): READ,
    ("get", "/api/v1/kb/articles/{id}/"): READ,
}


@pytest.fixture
def world(acme, monkeypatch):
    """One object behind every path parameter, all of ACME's."""
    monkeypatch.setattr("api.services.webhooks.post_signed", lambda *args, **kwargs: (204, ""))
    site = SiteFactory(client=acme)
    subscription = WebhookSubscription.objects.create(
        name="Facturation",
        url="https://hooks.example.com/oceanis",
        events=["ticket.created"],
        client=acme,
    )
    return {
        "reference": make_ticket(client=acme).reference,
        "code": acme.code,
        "site": site.pk,
        "contact": ContactFactory(client=acme, site=site).pk,
        "contract": acme.contracts.first().pk,
        "technician": TechnicianFactory().pk,
        "webhook": subscription.pk,
        "notice": 999_999,  # an unknown notice answers 404: past the scope gate
        "page": 999_999,  # likewise an unknown on-call page
        "article": article_create(
            by=None, title="Imprimante", body="Redémarrer.", visibility=Visibility.ALL_CLIENTS
        ).pk,
    }


def _url(path: str, world: dict) -> str:
    resource = path.split("/")[3]
    ids = {
        "sites": "site",
        "contacts": "contact",
        "contracts": "contract",
        "technicians": "technician",
        "webhooks": "webhook",
        "me": "notice",
        "oncall": "page",
        "kb": "article",
    }
    url = path.format(
        reference=world["reference"], code=world["code"], id=world.get(ids.get(resource))
    )
    # The search answers 400 without a query: give it one so a GET can pass the gate.
    return f"{url}?q=imprimante" if resource == "search" else url


def _call(api: APIClient, method: str, path: str, world: dict):
    return getattr(api, method)(_url(path, world), {}, format="json")


def _staff_token(name: str, scopes, *, personal: bool = False) -> APIClient:
    """A staff-wide token; acting for a technician when personal (notifications are theirs)."""
    person = TechnicianFactory().user if personal else None
    _token, raw = token_create(name=name, scopes=scopes, acting_as=person)
    return bearer(raw)


def _refused_for_scope(response, scope: str) -> bool:
    body = response.json()
    return (
        response.status_code == 403
        and body["error"] == "insufficient_scope"
        and scope in body["detail"]
        and body["fields"] == {}
    )


@pytest.mark.parametrize(("method", "path"), list(ROUTES), ids=[" ".join(r) for r in ROUTES])
def test_a_staff_token_with_the_routes_scope_passes_the_gate(method, path, world):
    scope = ROUTES[method, path]
    api = _staff_token("Intégration", [scope], personal=scope == NOTIFICATIONS)
    response = _call(api, method, path, world)
    assert response.status_code != 401
    if response.status_code == 403:
        assert response.json()["error"] != "insufficient_scope", response.json()
    if method == "get":
        assert response.status_code == 200, response.json()


@pytest.mark.parametrize(("method", "path"), list(ROUTES), ids=[" ".join(r) for r in ROUTES])
def test_a_staff_token_with_every_other_scope_gets_403_naming_the_missing_one(method, path, world):
    scope = ROUTES[method, path]
    personal = scope == NOTIFICATIONS
    others = (ALL_SCOPES if personal else INTEGRATION_SCOPES) - {scope}
    response = _call(_staff_token("Intégration", others, personal=personal), method, path, world)
    assert _refused_for_scope(response, scope), response.json()


CLIENT_ROUTES = [route for route, scope in ROUTES.items() if scope in CLIENT_SCOPES]


@pytest.mark.parametrize(
    ("method", "path"), CLIENT_ROUTES, ids=[" ".join(r) for r in CLIENT_ROUTES]
)
def test_a_client_token_is_gated_by_its_scopes_too(method, path, world, acme):
    scope = ROUTES[method, path]
    _token, lacking = token_create(name="Sans", client=acme, scopes=CLIENT_SCOPES - {scope})
    assert _refused_for_scope(_call(bearer(lacking), method, path, world), scope)
    _token, holding = token_create(name="Avec", client=acme, scopes=[scope])
    response = _call(bearer(holding), method, path, world)
    assert response.status_code != 401
    if response.status_code == 403:  # e.g. the staff directory: refused for being a client
        assert response.json()["error"] == "permission_denied", response.json()


def test_scopes_only_narrow_a_client_token_never_widen_it(world, acme, globex):
    """Even holding every scope, a client token stays out of Oceanis-only actions and data."""
    _token, raw = token_create(name="Outil ACME", client=acme, scopes=CLIENT_SCOPES)
    api = bearer(raw)
    take = api.post(f"/api/v1/tickets/{world['reference']}/take/")
    assert take.status_code == 403 and take.json()["error"] == "permission_denied"
    assert api.get("/api/v1/technicians/").status_code == 403
    other = make_ticket(client=globex)
    assert api.get(f"/api/v1/tickets/{other.reference}/").status_code == 404


def test_every_operation_of_the_schema_documents_its_scope_and_no_route_is_left_out():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    documented = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            documented[method, path] = operation.get("x-token-scope")
            assert f"`{operation.get('x-token-scope')}`" in operation["description"], path
            refusal = operation["responses"]["403"]["content"]["application/json"]
            codes = {example["value"]["error"] for example in refusal["examples"].values()}
            assert "insufficient_scope" in codes, (method, path)
    assert documented == ROUTES


def test_a_session_is_not_limited_by_scopes(world):
    """Scopes concern tokens: a technician's session keeps its user's rights."""
    api = APIClient()
    api.force_login(TechnicianFactory().user)
    assert api.get("/api/v1/tickets/").status_code == 200
    assert api.get("/api/v1/technicians/").status_code == 200


def test_a_route_declaring_no_scope_refuses_every_token(rf):
    class Undeclared:
        action = None

    request = rf.get("/")
    request.auth = ApiToken(scopes=sorted(ALL_SCOPES))
    with pytest.raises(InsufficientScope):
        TokenScopeRequired().has_permission(request, Undeclared())


# --- on-call routes (outside /api/v1/, same tokens) ---------------------------------------------


@pytest.fixture
def site_urls(settings):
    settings.ROOT_URLCONF = "oceanis.urls"


def test_who_is_on_call_asks_for_oncall_read(site_urls):
    lacking = _staff_token("Standard", INTEGRATION_SCOPES - {TokenScope.ONCALL_READ})
    response = lacking.get("/api/v1/oncall/now")
    assert _refused_for_scope(response, "oncall:read")
    holding = _staff_token("Standard 2", [TokenScope.ONCALL_READ])
    assert holding.get("/api/v1/oncall/now").status_code == 200


def test_acknowledging_a_page_asks_for_oncall_write(site_urls):
    lacking = _staff_token("Téléphonie", INTEGRATION_SCOPES - {TokenScope.ONCALL_WRITE})
    assert _refused_for_scope(lacking.post("/api/v1/oncall/pages/999999/ack/"), "oncall:write")
    holding = _staff_token("Téléphonie 2", [TokenScope.ONCALL_WRITE])
    response = holding.post("/api/v1/oncall/pages/999999/ack/")
    assert response.status_code == 404  # past the gate: the page is unknown


def test_the_on_call_routes_are_never_open_to_a_client_token(acme):
    with pytest.raises(Exception, match="réservée aux jetons Oceanis"):
        token_create(name="Outil ACME", client=acme, scopes=[TokenScope.ONCALL_READ])


# --- what may be granted ------------------------------------------------------------------------


def test_a_token_needs_at_least_one_known_scope():
    with pytest.raises(Exception, match="au moins une portée"):
        token_create(name="Vide", scopes=[])
    with pytest.raises(Exception, match="Portée inconnue : tickets:admin"):
        token_create(name="Inconnue", scopes=["tickets:read", "tickets:admin"])


def test_personal_notifications_need_a_token_acting_for_a_person():
    with pytest.raises(Exception, match="--acting-as"):
        token_create(name="Téléphonie", scopes=[NOTIFICATIONS])


def test_scopes_are_stored_once_in_the_catalogue_order():
    token, _raw = token_create(name="Facturation", scopes=[WRITE, READ, WRITE])
    assert token.scopes == ["tickets:read", "tickets:write"]


def test_a_staff_wide_token_runs_as_an_integration_account_never_as_a_manager(acme):
    make_manager()
    token, raw = token_create(name="Téléphonie", scopes=[WRITE])
    assert token.user.username == "api-telephonie"
    assert not token.user.is_staff and not token.user.is_superuser
    assert not token.user.has_usable_password()
    created = bearer(raw).post(
        "/api/v1/tickets/", {"client": "acme", "title": "Appel", "urgency": "critical"}
    )
    assert created.status_code == 201
    assert Ticket.objects.get(reference=created.json()["reference"]).created_by == token.user


def test_a_token_acting_as_a_technician_makes_the_request_theirs(acme):
    person = TechnicianFactory().user
    _token, raw = token_create(name="Poste de Léa", scopes=[WRITE], acting_as=person)
    created = bearer(raw).post(
        "/api/v1/tickets/", {"client": "acme", "title": "Appel", "urgency": "critical"}
    )
    assert Ticket.objects.get(reference=created.json()["reference"]).created_by == person


def test_a_token_acting_for_someone_who_left_the_staff_stops_working(world):
    person = TechnicianFactory().user
    _token, raw = token_create(name="Poste de Léa", scopes=[READ], acting_as=person)
    api = bearer(raw)
    assert api.get("/api/v1/tickets/").status_code == 200
    person.is_staff = False
    person.save()
    refused = api.get("/api/v1/tickets/")
    assert refused.status_code == 401 and refused.json()["error"] == "not_authenticated"


def test_acting_as_needs_an_active_staff_member_and_no_client(acme):
    contact = ContactFactory(client=acme, user=UserFactory())
    with pytest.raises(Exception, match="intervenant Oceanis actif"):
        token_create(name="Contact", scopes=[READ], acting_as=contact.user)
    person = TechnicianFactory().user
    person.is_active = False
    with pytest.raises(Exception, match="intervenant Oceanis actif"):
        token_create(name="Parti", scopes=[READ], acting_as=person)
    person.is_active = True
    with pytest.raises(Exception, match="Un jeton client ne peut pas agir"):
        token_create(name="Mixte", scopes=[READ], client=acme, acting_as=person)


def test_a_service_account_never_borrows_a_persons_login():
    UserFactory(username="api-standard", is_staff=True)
    with pytest.raises(Exception, match="compte d'une personne"):
        token_create(name="Standard", scopes=[READ])


def test_a_token_gains_a_scope_on_its_next_request_after_a_change(world):
    token, raw = token_create(name="Facturation", scopes=[READ])
    api = bearer(raw)
    assert _refused_for_scope(api.get("/api/v1/clients/"), "directory:read")
    token_set_scopes(token=token, scopes=[READ, DIRECTORY])
    assert api.get("/api/v1/clients/").status_code == 200
    token_set_scopes(token=token, scopes=[DIRECTORY])
    assert _refused_for_scope(api.get("/api/v1/tickets/"), "tickets:read")
