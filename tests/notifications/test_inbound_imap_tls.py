"""``fetch_mail`` against a real IMAPS server on loopback: the certificate is verified (system CA
store, or the private CA of ``IMAP_SSL_CAFILE``) before the password leaves, and a silent server
times out instead of hanging the poller."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
import trustme
from django.core.management import CommandError, call_command
from django.db import connections

from notifications.models import InboundMessage
from tickets.models import Ticket

from .corpus import raw
from .imap_server import ImapsServer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _eventually(condition, seconds: float = 5):
    """The server thread records what happened a moment after the client gave up."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def _server(ca, *names: str, hostnames=("127.0.0.1", "localhost")) -> ImapsServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hostnames).configure_cert(context)
    return ImapsServer(context, [raw(name) for name in names]).start()


@pytest.fixture
def imaps(ca):
    server = _server(ca, "05-new-request-plain.eml")
    yield server
    server.stop()


@pytest.fixture
def imap_settings(settings, imaps):
    settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.1", imaps.port
    settings.IMAP_USER, settings.IMAP_PASSWORD = "support@oceanis.fr", "mot-de-passe-imap"
    settings.IMAP_FOLDER, settings.IMAP_DONE_FOLDER = "INBOX", ""
    settings.IMAP_SSL_CAFILE, settings.IMAP_TIMEOUT_SECONDS = "", 5
    return settings


@pytest.fixture
def cafile(ca, tmp_path):
    path = tmp_path / "oceanis-private-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_a_certificate_the_system_does_not_trust_is_refused_before_the_password(
    imap_settings, imaps, acme
):
    with pytest.raises(CommandError, match="certificat du serveur non reconnu") as refused:
        call_command("fetch_mail")
    assert "IMAP_SSL_CAFILE" in str(refused.value)
    assert _eventually(lambda: imaps.handshake_errors)  # the client hung up during TLS setup
    assert imaps.logins == [] and imaps.commands == []
    assert InboundMessage.objects.count() == 0 and imaps.seen == set()


def test_a_server_certified_by_the_ca_of_imap_ssl_cafile_is_accepted(
    imap_settings, imaps, acme, cafile
):
    imap_settings.IMAP_SSL_CAFILE = cafile
    out = StringIO()
    call_command("fetch_mail", stdout=out)
    assert imaps.logins == [("support@oceanis.fr", "mot-de-passe-imap")]
    assert "1 message(s) relevé(s) (processed : 1)." in out.getvalue()
    message = InboundMessage.objects.get()
    assert (message.source, message.status) == ("imap", "processed")
    assert message.raw == raw("05-new-request-plain.eml")  # the exact bytes, kept
    assert Ticket.objects.get().contact == acme.marie
    assert imaps.seen == {"1"} and imaps.commands[-1] == "LOGOUT"


def test_a_certificate_for_another_host_name_is_refused_even_from_the_trusted_ca(
    imap_settings, ca, cafile, acme
):
    impostor = _server(ca, "05-new-request-plain.eml", hostnames=("imap.autre-domaine.example",))
    try:
        imap_settings.IMAP_PORT, imap_settings.IMAP_SSL_CAFILE = impostor.port, cafile
        with pytest.raises(CommandError, match="certificat du serveur non reconnu"):
            call_command("fetch_mail")
        assert impostor.logins == [] and InboundMessage.objects.count() == 0
    finally:
        impostor.stop()


def test_a_server_that_never_answers_times_out(imap_settings, acme):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the connection is accepted by the kernel, then nothing is ever sent
    try:
        imap_settings.IMAP_PORT = silent.getsockname()[1]
        imap_settings.IMAP_TIMEOUT_SECONDS = 0.5
        outcome = []

        def poll():
            try:
                call_command("fetch_mail")
            except CommandError as exc:
                outcome.append(str(exc))
            finally:
                connections.close_all()

        # In a thread so that a missing timeout fails the test instead of hanging the suite.
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        poller.join(timeout=10)
        assert not poller.is_alive(), "fetch_mail hung on a silent server"
        assert outcome and outcome[0].startswith("Connexion IMAP impossible")
    finally:
        silent.close()


def test_the_command_exits_non_zero_with_the_reason_on_an_untrusted_server(imaps, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="oceanis.settings",
        IMAP_HOST="127.0.0.1",
        IMAP_PORT=str(imaps.port),
        IMAP_USER="support@oceanis.fr",
        IMAP_PASSWORD="mot-de-passe-imap",
        IMAP_TIMEOUT_SECONDS="5",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "fetch_mail"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "certificat du serveur non reconnu" in result.stderr
    assert imaps.logins == []
