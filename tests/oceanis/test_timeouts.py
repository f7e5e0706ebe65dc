"""Web requests stop waiting on PostgreSQL after DB_LOCK_TIMEOUT_MS / DB_STATEMENT_TIMEOUT_MS and
answer 503 with Retry-After; /healthz answers while another session holds an application lock;
workers and commands keep PostgreSQL's defaults.

A second, real connection holds the lock (the reference counter's row, as in the incident where
a 75-second hold made two ticket creations fail at gunicorn's timeout and /healthz unavailable).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager, suppress

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from api.scopes import INTEGRATION_SCOPES
from api.services import token_create
from tests.factories import ContractFactory, TechnicianFactory
from tests.support.database import database_url
from tickets.models import ReferenceCounter, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="lock_timeout and statement_timeout are PostgreSQL's (CI runs it)",
    ),
]


def _sleep(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(3)")
    raise AssertionError("statement_timeout did not stop the statement")


urlpatterns = [path("api/v1/sleep/", _sleep), path("sleep/", _sleep)]


@pytest.fixture
def short_timeouts(settings):
    """200 ms limits on fresh connections; the process's connection options restored after."""
    saved = dict(connection.settings_dict.get("OPTIONS", {}))
    settings.DB_LOCK_TIMEOUT_MS = 200
    settings.DB_STATEMENT_TIMEOUT_MS = 1000
    connection.close()  # the next request connects with the web options
    yield
    connection.close()
    connection.settings_dict["OPTIONS"] = saved


@contextmanager
def counter_row_held():
    """Another session holds this year's reference-counter row, as a stuck transaction would."""
    year = timezone.localdate().year
    ReferenceCounter.objects.get_or_create(year=year)
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=False) as other:
        # Should the limits not work, PostgreSQL ends this session after 4 s: the test then
        # fails on its assertions instead of hanging.
        other.execute("SET idle_in_transaction_session_timeout = '4s'")
        other.execute(
            f"SELECT 1 FROM {ReferenceCounter._meta.db_table} WHERE year = %s FOR UPDATE",  # noqa: S608
            [year],
        )
        yield
        with suppress(psycopg.OperationalError):
            other.rollback()


def _staff_api() -> Client:
    _token, raw = token_create(name="Téléphonie", scopes=INTEGRATION_SCOPES)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_ticket_creation_waiting_on_the_counter_answers_503_json_with_retry_after(
    short_timeouts,
):
    ContractFactory(client__code="acme")
    api = _staff_api()
    with counter_row_held():
        started = time.monotonic()
        response = api.post(
            "/api/v1/tickets/",
            {"client": "acme", "title": "Imprimante", "urgency": "critical"},
            content_type="application/json",
        )
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["error"] == "database_busy"
    assert set(response.json()) == {"error", "detail", "fields"}
    assert response["Retry-After"] == "5"
    assert waited < 5  # the lock timeout, not gunicorn's 30 s
    assert not Ticket.objects.exists()
    # Once the lock is gone the same request goes through.
    again = api.post(
        "/api/v1/tickets/",
        {"client": "acme", "title": "Imprimante", "urgency": "critical"},
        content_type="application/json",
    )
    assert again.status_code == 201


def test_a_page_waiting_on_a_lock_gets_the_branded_503_page(short_timeouts):
    contract = ContractFactory()
    client = Client()
    client.force_login(TechnicianFactory().user)
    form = {
        "client": contract.client.pk,
        "channel": "phone",
        "kind": "request",
        "title": "Serveur de fichiers inaccessible",
        "description": "Appel",
        "urgency": "critical",
        "complexity": "standard",
        "technical_domain": "systems",
        "service_type": "fix",
    }
    with counter_row_held():
        response = client.post(reverse("backoffice:ticket_new"), form)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Oceanis" in body and "Réessayez dans quelques secondes" in body
    assert not Ticket.objects.exists()


def test_healthz_answers_while_another_session_holds_the_counter(short_timeouts):
    with counter_row_held():
        started = time.monotonic()
        response = Client().get("/healthz")
        assert time.monotonic() - started < 1
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_a_statement_running_too_long_is_stopped_and_answered_503(short_timeouts, settings):
    settings.ROOT_URLCONF = __name__
    client = Client()
    started = time.monotonic()
    api = client.get("/api/v1/sleep/")
    assert api.status_code == 503 and api.json()["error"] == "database_busy"
    page = client.get("/sleep/")
    assert page.status_code == 503 and "503" in page.content.decode()
    assert time.monotonic() - started < 3  # two statements stopped at 1 s, not slept 3 s each


def _show_timeouts(code: str) -> str:
    """lock_timeout and statement_timeout as a fresh process of the given kind sees them."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'oceanis.settings');"
        + code
        + "from django.db import connection;"
        "c = connection.cursor(); c.execute('SHOW lock_timeout'); a = c.fetchone()[0];"
        "c.execute('SHOW statement_timeout'); print(a, c.fetchone()[0])"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url("postgres"),
        "DB_LOCK_TIMEOUT_MS": "4000",
        "DB_STATEMENT_TIMEOUT_MS": "12000",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def test_web_processes_get_the_limits_and_workers_and_commands_do_not():
    web = "from django.core.wsgi import get_wsgi_application; get_wsgi_application();"
    worker = "django.setup();"  # a Celery worker or a management command: no HTTP handler
    assert _show_timeouts(web) == "4s 12s"
    assert _show_timeouts(worker) == "0 0"
