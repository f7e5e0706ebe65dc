"""Fixtures of the notification tests: eager Celery, no grouping unless a test asks, a real SMTP
server on loopback, people and a ticket."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller

from clients.models import Contact
from notifications.models import KnownMessageId
from tests.factories import (
    ContactFactory,
    ContractFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tickets.models import Ticket

from .corpus import CLIENT_THREAD_ID, REFERENCE, STAFF_THREAD_ID

ACME_DOMAIN = "acme-industrie.fr"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_celery_without_grouping(settings):
    """Tasks run inline and mails leave at once; grouping tests set the window themselves."""
    from oceanis.celery import app

    settings.NOTIFICATIONS_GROUPING_SECONDS = 0
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


class Recorder:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that a test can stop and start again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.recorder = Recorder()
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            time.sleep(0.05)

    @property
    def envelopes(self):
        return self.recorder.envelopes


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def contract_with_recipients(db):
    return ContractFactory(
        client__name="Acme Industrie",
        client__notification_recipients="dsi@acme.test; Marie.Dupont@acme.test",
        notification_recipients="direction@acme.test\ndsi@ACME.test",
    )


@pytest.fixture
def contact(contract_with_recipients):
    return ContactFactory(
        client=contract_with_recipients.client,
        first_name="Marie",
        last_name="Dupont",
        email="marie.dupont@acme.test",
    )


@pytest.fixture
def english_contact(contract_with_recipients):
    return ContactFactory(
        client=contract_with_recipients.client,
        first_name="John",
        last_name="Smith",
        email="john.smith@acme.test",
        language=Contact.Language.EN,
    )


@pytest.fixture
def tech(db):
    return TechnicianFactory(
        user__username="jmartin", user__first_name="Julien", user__last_name="Martin"
    )


@pytest.fixture
def boss(db):
    return make_manager("chef")


# --- inbound mail: the client and the ticket of the raw email corpus ---------------------


@pytest.fixture
def acme(db):
    contract = ContractFactory(client__name="Acme Industrie", client__code="acme")
    client = contract.client
    client.marie = ContactFactory(
        client=client,
        first_name="Marie",
        last_name="Dupont",
        email="marie.dupont@acme-industrie.fr",
    )
    client.jerome = ContactFactory(
        client=client,
        first_name="Jérôme",
        last_name="Bernard",
        email="jerome.bernard@acme-industrie.fr",
    )
    return client


@pytest.fixture
def ticket_123(acme):
    """Acme's ticket OC-2026-000123, with a client mail and a staff warning already sent."""
    ticket = make_ticket(client=acme, contact=acme.marie, title="Imprimante bloquée")
    Ticket.objects.filter(pk=ticket.pk).update(reference=REFERENCE)  # the corpus' reference
    ticket.refresh_from_db()
    KnownMessageId.objects.create(
        message_id=CLIENT_THREAD_ID, ticket=ticket, direction="out", audience="client"
    )
    KnownMessageId.objects.create(
        message_id=STAFF_THREAD_ID, ticket=ticket, direction="out", audience="staff"
    )
    return ticket


@pytest.fixture
def julien(db):
    return TechnicianFactory(user__username="jmartin", user__email="jmartin@oceanis.fr")


@pytest.fixture
def other_client(db):
    contract = ContractFactory(client__name="Autre client", client__code="autre")
    ContactFactory(client=contract.client, email="eve@autre-client.fr")
    return contract.client
