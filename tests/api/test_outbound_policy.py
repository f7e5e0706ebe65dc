"""One outbound address policy for every subscriber (staff included) and every gateway: only
globally routable addresses, embedded IPv4 unwrapped, the checked address is the one connected
to, and internal networks only where an administrator allowed them."""

import socket

import pytest

from api import tasks
from api.models import WebhookDelivery, WebhookSubscription
from oceanis import outbound
from tests.api.test_webhooks import receiver  # noqa: F401 - the loopback endpoint fixture
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"


@pytest.fixture(autouse=True)
def _no_allowed_network(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the production default


INTERNAL = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.10",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.100.100.200",  # a cloud metadata address inside CGNAT
    "0.0.0.0",  # noqa: S104 - a value under test, nothing binds to it
    "224.0.0.1",
    "::1",
    "fe80::1",
    "fc00::1",
    "fec0::1",  # deprecated site-local, still routed inside some networks
    "::ffff:127.0.0.1",  # IPv4-mapped
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo whose client is 10.0.0.1
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d70e::"]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_and_reserved_addresses_are_refused(address):
    assert not outbound.address_allowed(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_globally_routable_addresses_are_allowed(address):
    assert outbound.address_allowed(address)


def test_an_allowed_internal_network_serves_oceanis_integrations_never_a_client(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert outbound.address_allowed("10.20.3.4")
    assert not outbound.address_allowed("10.21.0.1")
    assert not outbound.address_allowed("10.20.3.4", for_client=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "https://100.100.100.200/latest/meta-data/",
        "https://[2002:a9fe:a9fe::]/hook",
        "https://[fec0::1]/hook",
        "gopher://93.184.215.14/hook",
    ],
)
def test_a_staff_subscription_cannot_target_an_internal_address_either(staff_api, url):
    response = staff_api.post(
        WEBHOOKS, {"name": "SSRF", "url": url, "events": ["ticket.closed"]}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()["fields"]
    assert not WebhookSubscription.objects.exists()


def test_a_ping_to_an_internal_address_never_connects(staff_api, settings, receiver):  # noqa: F811
    sub = WebhookSubscription.objects.create(name="Ancien", url=receiver.url, events=["ping"])
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the administrator withdrew the allowance
    answer = staff_api.post(f"{WEBHOOKS}{sub.pk}/ping/").json()
    assert answer["delivered"] is False and answer["response_status"] is None
    assert "interne" in answer["error"]
    assert receiver.requests == []


def test_a_delivery_to_a_no_longer_allowed_address_fails_without_connecting(
    settings,
    acme,
    receiver,  # noqa: F811
):
    WebhookSubscription.objects.create(name="CRM", url=receiver.url, events=["ticket.created"])
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    tasks.webhooks_fan_out(make_ticket(client=acme).events.get().pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status is None
    assert "interne" in delivery.last_error
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(
    monkeypatch,
    settings,
    receiver,  # noqa: F811
):
    """A name is resolved once, by the check: a DNS answer changed in between (rebinding)
    cannot send the request elsewhere, and the receiver still sees its own host name."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the receiver listens on loopback
    port = receiver.server.server_port
    real = socket.getaddrinfo
    answers = [[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]]

    def rebinding_dns(host, *args, **kwargs):
        if host == "hooks.example.test":
            if not answers:
                raise AssertionError("the HTTP client resolved the name a second time")
            return answers.pop()
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    response = outbound.post(
        f"http://hooks.example.test:{port}/hook", content=b"{}", headers={}, timeout=5
    )
    assert response.status_code == 200
    ((headers, body),) = receiver.requests
    assert headers["Host"] == f"hooks.example.test:{port}"
    assert body == b"{}"


def test_a_name_resolving_to_one_internal_address_among_public_ones_is_refused(monkeypatch):
    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    assert "interne" in outbound.problem("https://mixed.example.test/hook")
