"""Structured logs (LOG_FORMAT=json): one JSON object per line, with the request id (the
caller's X-Request-ID or a new one, echoed in the response) and the ticket a request concerns."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.test import override_settings

from oceanis.logging_context import ContextFilter, JsonFormatter
from tests.factories import ContactFactory, ContractFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the console handler prints under LOG_FORMAT=json, as a list of parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root, requests_logger = logging.getLogger(), logging.getLogger("oceanis.requests")
    level = requests_logger.level
    requests_logger.setLevel(logging.INFO)
    root.addHandler(handler)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    requests_logger.setLevel(level)


def _request_line(lines, path):
    [line] = [x for x in lines if x["logger"] == "oceanis.requests" and x["path"] == path]
    return line


def test_the_settings_switch_writes_json_lines_with_the_callers_request_id(tmp_path):
    code = (
        "import django, logging; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz', HTTP_X_REQUEST_ID='lb-7f3a.42'); print(r['X-Request-ID']); "
        "logging.getLogger('oceanis.probe').warning('bonjour %s', 'Sophie', extra={'answer': 42})"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOG_LEVEL"}},
        "OCEANIS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "oceanis.settings",
        "ALLOWED_HOSTS": "testserver",
        "LOG_FORMAT": "json",
    }
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["lb-7f3a.42"]
    lines = [json.loads(line) for line in out.stderr.splitlines()]  # every line is JSON
    access = _request_line(lines, "/healthz")
    assert access["request_id"] == "lb-7f3a.42"
    assert access["time"].endswith("+00:00")
    assert (access["method"], access["status"], access["level"]) == ("GET", 200, "INFO")
    assert isinstance(access["duration_ms"], float)
    [probe] = [x for x in lines if x["logger"] == "oceanis.probe"]
    assert probe["message"] == "bonjour Sophie" and probe["answer"] == 42
    assert "request_id" not in probe  # written outside any request


def test_a_request_id_is_generated_when_the_caller_sends_none_or_a_malformed_one(
    client, json_lines
):
    generated = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID='abc"\n{"level": "CRITICAL"}')
    assert re.fullmatch(r"[0-9a-f]{32}", hostile["X-Request-ID"])
    too_long = client.get("/healthz", HTTP_X_REQUEST_ID="a" * 129)
    assert re.fullmatch(r"[0-9a-f]{32}", too_long["X-Request-ID"])
    longest = "Root=1-5f84c7a1;Parent=53995c3f:x@y/z+w=." + "a" * 87
    assert client.get("/healthz", HTTP_X_REQUEST_ID=longest)["X-Request-ID"] == longest
    ids = [x["request_id"] for x in json_lines() if x["logger"] == "oceanis.requests"]
    assert ids == [generated, hostile["X-Request-ID"], too_long["X-Request-ID"], longest]


def test_a_back_office_ticket_request_carries_the_ticket_reference(client, technician, json_lines):
    ticket = make_ticket()
    client.force_login(technician.user)
    response = client.get(f"/tickets/{ticket.reference}/")
    assert response.status_code == 200
    line = _request_line(json_lines(), f"/tickets/{ticket.reference}/")
    assert line["ticket"] == ticket.reference
    assert line["request_id"] == response["X-Request-ID"]


def test_an_api_ticket_request_carries_the_ticket_reference(json_lines):
    from api.scopes import INTEGRATION_SCOPES
    from api.services import token_create
    from tests.api.conftest import bearer

    ticket = make_ticket()
    _token, raw = token_create(name="Téléphonie", scopes=INTEGRATION_SCOPES)
    path = f"/api/v1/tickets/{ticket.reference}/"
    assert bearer(raw).get(path).status_code == 200
    assert _request_line(json_lines(), path)["ticket"] == ticket.reference


@override_settings(LOG_FORMAT="json")
def test_an_extranet_request_by_ticket_id_carries_the_ticket_reference(client, json_lines):
    contract = ContractFactory()
    user = UserFactory(username="contact-json")
    contact = ContactFactory(client=contract.client, user=user, email=user.email)
    ticket = make_ticket(client=contract.client, contact=contact)
    client.force_login(user)
    path = f"/extranet/demandes/{ticket.pk}/"
    assert client.get(path).status_code == 200
    assert _request_line(json_lines(), path)["ticket"] == ticket.reference


def test_lines_written_by_the_application_during_a_request_carry_its_id(client, json_lines):
    from api.services import token_create
    from tests.api.conftest import bearer

    ContractFactory(client__code="acme")
    _token, raw = token_create(name="Supervision", scopes=["alerts:write"])
    payload = [
        {"host": "srv1", "service": "disk", "severity": "warning", "client": "acme"},
        {"host": "srv2", "service": "disk", "severity": "warning", "client": "nobody"},
    ]
    response = bearer(raw).post(
        "/api/v1/alerts/", payload, format="json", HTTP_X_REQUEST_ID="alertmanager-1"
    )
    assert response.status_code == 200
    [rejected] = [x for x in json_lines() if x["logger"] == "api.views.alerts"]
    assert rejected["level"] == "WARNING" and rejected["request_id"] == "alertmanager-1"


def test_an_exception_is_one_json_line_with_its_traceback(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("oceanis.probe").exception("failed")
    [line] = [x for x in json_lines() if x["logger"] == "oceanis.probe"]
    assert line["message"] == "failed" and "ValueError: boom" in line["exception"]


@shared_task
def log_in_a_task():
    logging.getLogger("oceanis.probe").warning("inside the task")


def test_lines_written_by_a_task_carry_its_task_id(json_lines):
    result = log_in_a_task.apply()
    logging.getLogger("oceanis.probe").warning("after the task")
    inside, after = [x for x in json_lines() if x["logger"] == "oceanis.probe"]
    assert inside["request_id"] == result.id
    assert "request_id" not in after


def _failures(log: Path, task_id: str) -> list[dict]:
    # The banner goes to stdout; a root user's SecurityWarning to stderr: everything else JSON.
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    return [x for x in lines if x.get("request_id") == task_id and x["level"] == "ERROR"]


@pytest.mark.skipif(
    not os.environ.get("CELERY_TEST_BROKER_URL"), reason="needs CELERY_TEST_BROKER_URL (Redis)"
)
@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
def test_a_celery_worker_logs_json_lines_with_the_task_id(tmp_path):
    from kombu import Connection

    from oceanis.celery import app as celery_app

    broker_url = os.environ["CELERY_TEST_BROKER_URL"]
    queue = f"json-logs-{uuid.uuid4().hex}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOG_LEVEL"}},
        "OCEANIS_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": broker_url,
        "LOG_FORMAT": "json",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603 - the venv's celery, fixed arguments
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "oceanis",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        with Connection(broker_url) as connection:
            # No table in this worker's fresh database: the task fails, which the worker logs.
            task_id = celery_app.send_task(
                "ops.tasks.record_worker_heartbeat", queue=queue, connection=connection
            ).id
        # Until the failure itself is logged: the "received" line names the task id first.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _failures(log, task_id):
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    [failed] = _failures(log, task_id)
    assert "ops_heartbeat" in failed["exception"] or "ops_heartbeat" in failed["message"]
