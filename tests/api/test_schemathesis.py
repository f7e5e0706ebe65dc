"""Schemathesis against the live schema, in process, with a staff token and a client token.

Every phase the engine has (examples, coverage, fuzzing, stateful links), every check, a fixed
seed and bounded examples: the API must answer exactly what its schema documents, for both kinds
of caller. Any failure fails the test and is printed the way `st run` prints it.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.utils import timezone
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.run import PhaseName
from schemathesis.engine.statistic import Statistic
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.transport.wsgi import WSGITransport

from api.scopes import ALL_SCOPES, CLIENT_SCOPES
from api.services import token_create
from tests.factories import ContactFactory, SiteFactory, TechnicianFactory, make_ticket

TESTING_PHASES = {
    PhaseName.EXAMPLES,
    PhaseName.COVERAGE,
    PhaseName.FUZZING,
    PhaseName.STATEFUL_TESTING,
}
SEED = 20261203
MAX_EXAMPLES = 30
MESSAGE_CHARS = 600


# Well-formed input the server may still refuse (400, the field named) for what no schema can
# state: a reference to an object that does not exist, a cursor it did not issue, a webhook
# address that does not resolve to a public host, an alert body of another monitoring tool.
SEMANTIC_FIELDS = {
    "POST /api/v1/tickets/": {"client", "contact", "site", "assignee"},
    "PATCH /api/v1/tickets/{reference}/": {"contact", "site"},
    "POST /api/v1/tickets/{reference}/assign/": {"technician"},
    "POST /api/v1/webhooks/": {"url", "client"},
    "PATCH /api/v1/webhooks/{id}/": {"url", "client"},
    "POST /api/v1/oncall/pages/{id}/ack/": {"technician"},
    "POST /api/v1/tickets/{reference}/links/": {"target"},
    "POST /api/v1/tickets/{reference}/merge/": {"target"},
}
SEMANTIC_ERRORS = {"POST /api/v1/alerts/": {"invalid_alert"}}


def _semantic_rejection(case, response) -> bool:
    if response.status_code != 400:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    label = case.operation.label
    if body.get("error") in SEMANTIC_ERRORS.get(label, ()):
        return True
    fields = set(body.get("fields") or ())
    allowed = SEMANTIC_FIELDS.get(label, set()) | {"cursor"}
    return bool(fields) and fields <= allowed


@schemathesis.check
def positive_data_accepted_unless_semantic(ctx, response, case):
    """``positive_data_acceptance``, except for the refusals listed above."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _semantic_rejection(case, response):
            return None
        raise


class _ThreadConnections:
    """The engine calls the app from its worker threads: each thread opens its own database
    connection and keeps it from one request to the next (opening one per request cost more
    than the request's queries); ``close`` shuts them all once the run is over, so none outlives
    the test (and blocks the flush)."""

    def __init__(self, app):
        self.app = app
        self.opened: list = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        try:
            return list(self.app(environ, start_response))
        finally:
            if threading.current_thread() is not threading.main_thread():
                self._remember(connections.all(initialized_only=True))

    def _remember(self, opened) -> None:
        with self.lock:
            for connection in opened:
                if connection not in self.opened:
                    # Closed from the test's thread once the engine's threads are done.
                    connection.inc_thread_sharing()
                    self.opened.append(connection)

    def close(self) -> None:
        with self.lock:
            for connection in self.opened:
                connection.close()
                connection.dec_thread_sharing()
            self.opened.clear()


def _world(acme):
    from oncall.models import Page

    ContactFactory(client=acme)
    SiteFactory(client=acme)
    technician = TechnicianFactory()
    tickets = [make_ticket(client=acme) for _ in range(3)]
    now = timezone.now()
    Page.objects.create(
        ticket=tickets[0],
        trigger="created",
        reason="contract_24x7",
        target=technician,
        raised_at=now,
        intervention_deadline=now + timedelta(hours=1),
    )
    return technician


def run_schemathesis(raw_token: str) -> tuple[int, str]:
    """Failures found (distinct, as `st run` counts them) and their report; every testing
    phase must have run (a phase skipped for want of links would pass silently)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "headers": {"Authorization": f"Bearer {raw_token}"},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # No replay of earlier runs' failures from a cache directory: each run stands alone.
            "cache": {"enabled": False},
            # Replaced by the check above, which knows the semantic refusals.
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "suppress-health-check": ["all"],
        }
    )
    app = _ThreadConnections(get_wsgi_application())
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app, config=config)
    statistic = Statistic()
    lines = []
    count = 0
    ran = set()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
                ran.add(event.phase.name)
            elif isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
                statistic.on_scenario_finished(event.recorder)
            elif isinstance(event, events.NonFatalError):
                count += 1
                lines.append(f"{event.label} | error | {event.value!r}")
            elif isinstance(event, events.FatalError):
                raise event.exception
    finally:
        app.close()
    assert ran >= TESTING_PHASES, f"phases not run: {TESTING_PHASES - ran}"
    for label, grouped in sorted(statistic.failures.items()):
        for group in grouped.values():
            answer = ""
            if group.response is not None:
                body = group.response.content.decode(errors="replace")[:MESSAGE_CHARS]
                answer = f" -> {group.response.status_code} {body}"
            for failure in group.failures:
                count += 1
                message = " ".join(failure.message.split())[:MESSAGE_CHARS]
                lines.append(f"{label} | {failure.title} | {message}{answer}")
            lines.append(f"    {group.code_sample}")
    return count, "\n".join(lines)


@pytest.fixture
def _fuzzable(settings, monkeypatch):
    settings.ROOT_URLCONF = "oceanis.urls"
    # Thousands of requests in a minute: the limits are not what is under test here.
    settings.API_THROTTLE_RATES = {"api": "1000000/minute", "alerts": "1000000/minute"}
    # Fuzzed subscriptions get fuzzed URLs: a ping must not leave the machine.
    monkeypatch.setattr("api.services.webhooks.post_signed", lambda *args, **kwargs: (204, ""))
    # schemathesis 4.32.5's `ignored_auth` probe hands the WSGI transport the socket options of
    # a network session (TypeError in werkzeug): drop them, as its own session path does.
    send = WSGITransport.send

    def send_without_socket_options(self, case, **kwargs):
        for name in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(name, None)
        return send(self, case, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", send_without_socket_options)
    # Its WSGI transport tries `from flask import …` on every request to watch a Flask app's
    # exceptions: with no Flask installed each attempt walks sys.path again. Marked absent, the
    # import fails at once, the same ImportError.
    monkeypatch.setitem(sys.modules, "flask", None)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@pytest.mark.usefixtures("_fuzzable")
def test_the_api_matches_its_schema_for_a_staff_token(acme):
    technician = _world(acme)
    _token, raw = token_create(name="Schemathesis", scopes=ALL_SCOPES, acting_as=technician.user)
    count, report = run_schemathesis(raw)
    assert count == 0, f"{count} failures\n{report}"


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@pytest.mark.usefixtures("_fuzzable")
def test_the_api_matches_its_schema_for_a_client_token(acme):
    _world(acme)
    _token, raw = token_create(name="Schemathesis client", client=acme, scopes=CLIENT_SCOPES)
    count, report = run_schemathesis(raw)
    assert count == 0, f"{count} failures\n{report}"
