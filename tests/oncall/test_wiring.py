"""Wiring: the beat schedule, task names, the signal receiver surviving a broker outage, admin."""

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from kombu.exceptions import OperationalError

from oncall import tasks
from oncall.models import Page
from oncall.services import paging
from tests.factories import make_ticket
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)


def test_the_sweeper_runs_every_minute_under_beat():
    from celery.schedules import crontab

    from oceanis.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["oncall-sweep"]
    assert entry["schedule"] == crontab(minute="*")
    app.loader.import_default_modules()
    assert {entry["task"], "oncall.tasks.advance_page", "oncall.tasks.handle_ticket_event"} <= set(
        app.tasks
    )


def test_a_broker_outage_never_breaks_ticket_creation_and_the_sweeper_catches_up(
    rotation, client_24x7, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from tickets import tasks as ticket_tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("redis is down")

    # The event reaches on-call inside the one announce_event message: that is what is lost.
    monkeypatch.setattr(ticket_tasks.announce_event, "delay", broker_down)
    with (
        time_machine.travel(SATURDAY_3AM, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = make_ticket(client=client_24x7, urgency="critical")
    assert not Page.objects.exists()
    assert "the sweepers will" in caplog.text
    with time_machine.travel(SATURDAY_3AM.replace(minute=1), tick=False):
        assert paging.sweep()["raised"] == 1
    assert Page.objects.get(ticket=ticket).attempts.filter(status="sent").count() == 1


def test_a_failure_in_the_announcing_task_is_caught_up_by_the_sweeper(
    rotation, client_24x7, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broken(event_id):
        raise RuntimeError("bug")

    monkeypatch.setattr(tasks, "process_ticket_event", broken)
    with (
        time_machine.travel(SATURDAY_3AM, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = make_ticket(client=client_24x7, urgency="critical")  # no error for the user
    assert not Page.objects.exists()
    assert "on_ticket_event failed" in caplog.text
    monkeypatch.undo()
    with time_machine.travel(SATURDAY_3AM.replace(minute=1), tick=False):
        assert paging.sweep()["raised"] == 1
    assert Page.objects.get(ticket=ticket).attempts.filter(status="sent").count() == 1


def test_events_that_cannot_page_are_not_even_looked_at(rotation, client_24x7, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "process_ticket_event", calls.append)
    ticket = make_ticket(client=client_24x7)
    from tickets import services

    note = services.ticket_add_entry(ticket=ticket, by=None, body="Note", public=False)
    tasks.on_ticket_event(sender=None, event=note)
    assert calls == []
    tasks.on_ticket_event(sender=None, event=ticket.events.get(kind="created"))
    assert len(calls) == 1


@pytest.mark.parametrize(
    "name",
    [
        "admin:oncall_rotation_changelist",
        "admin:oncall_override_changelist",
        "admin:oncall_weekoverride_changelist",
        "admin:oncall_page_changelist",
        "admin:oncall_calendarfeed_changelist",
        "admin:oncall_rotation_add",
    ],
)
def test_the_admin_screens_open(admin_client, rotation, name):
    assert admin_client.get(reverse(name)).status_code == 200


def test_a_page_opens_read_only_in_the_admin(
    admin_client, rotation, client_24x7, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(SATURDAY_3AM, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = make_ticket(client=client_24x7, urgency="critical")
    page = Page.objects.get(ticket=ticket)
    response = admin_client.get(reverse("admin:oncall_page_change", args=[page.pk]))
    assert response.status_code == 200
    assert "alice@example.test" in response.content.decode()
