"""Embedded mode (``make run``: no broker, ``run_schedule`` beside the server): a created ticket
answers at once and its creation mail leaves from the runner within a couple of seconds; with
no runner listening, the request still sends it itself before answering."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.scopes import INTEGRATION_SCOPES
from api.services import token_create
from notices.models import Notice, NoticeKind
from notifications.models import Notification
from oceanis import handoff
from oceanis.celery import app as celery_app
from tests.factories import ContractFactory, TechnicianFactory
from tickets.signals import event_committed

TICKETS = "/api/v1/tickets/"
CLIENT_ADDRESS = "support@acme.example"


@pytest.fixture
def short_var_dir(settings):
    # A socket path must stay under ~100 bytes: pytest's tmp_path can be longer.
    path = Path(tempfile.mkdtemp(prefix="oceanis-ho-"))
    settings.VAR_DIR = path
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def acme_api(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER  # the embedded mode: no broker
    ContractFactory(client__code="acme", client__notification_recipients=CLIENT_ADDRESS)
    _token, raw = token_create(name="Téléphonie", scopes=INTEGRATION_SCOPES)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def reader_threads():
    """The threads in which the readers of committed ticket events ran."""
    seen: list[int] = []

    def record(sender, event, **kwargs):
        seen.append(threading.get_ident())

    event_committed.connect(record, dispatch_uid="tests.reader_threads")
    yield seen
    event_committed.disconnect(dispatch_uid="tests.reader_threads")


@pytest.fixture
def runner(short_var_dir):
    """The listening half of ``run_schedule``, in a thread of this process."""
    listener, stop = handoff.Listener(celery_app), threading.Event()
    assert listener.bind()
    thread = listener.start(should_stop=stop.is_set)
    yield listener
    stop.set()
    thread.join(timeout=5)
    listener.close()


def create(api, **fields) -> None:
    response = api.post(
        TICKETS,
        {"client": "acme", "title": "Imprimante HS", "urgency": "slightly_blocking", **fields},
        format="json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.django_db(transaction=True)  # the runner's thread reads what the request committed
def test_the_creation_mail_leaves_from_the_runner_within_seconds_of_the_answer(
    runner, acme_api, mailoutbox, reader_threads
):
    create(acme_api)
    answered = time.monotonic()
    while not (mailoutbox and runner.handled) and time.monotonic() - answered < 2:
        time.sleep(0.02)
    assert [message.to for message in mailoutbox] == [[CLIENT_ADDRESS]]
    assert time.monotonic() - answered < 2
    assert runner.handled == 1
    # Every reader of the event ran in the runner's thread, none in the request's.
    assert reader_threads and threading.get_ident() not in reader_threads
    row = Notification.objects.get()
    assert row.status == Notification.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_the_assigned_technician_is_told_by_the_runner_within_seconds(runner, acme_api):
    # « le technicien est prévenu »: the staff notice (bell, mail by preference) is derived by
    # the runner from the assignment event, after the request answered.
    technician = TechnicianFactory()
    create(acme_api, assignee=technician.pk)
    answered = time.monotonic()
    told = Notice.objects.filter(recipient=technician.user, kind=NoticeKind.ASSIGNED)
    while not told.exists() and time.monotonic() - answered < 2:
        time.sleep(0.05)
    assert told.count() == 1
    assert time.monotonic() - answered < 2


@pytest.mark.django_db
def test_with_no_runner_listening_the_request_sends_the_mail_before_answering(
    short_var_dir, acme_api, mailoutbox, reader_threads, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(acme_api)
    assert [message.to for message in mailoutbox] == [[CLIENT_ADDRESS]]
    assert reader_threads == [threading.get_ident()]


@pytest.mark.django_db
def test_a_socket_left_by_a_dead_runner_falls_back_to_the_request(
    short_var_dir, acme_api, mailoutbox, django_capture_on_commit_callbacks
):
    listener = handoff.Listener(celery_app)
    assert listener.bind()
    listener._sock.close()  # killed with -9: the file stays, nobody reads it
    assert handoff.socket_path().exists()
    with django_capture_on_commit_callbacks(execute=True):
        create(acme_api)
    assert len(mailoutbox) == 1
