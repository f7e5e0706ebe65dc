"""Digests are planned as outbox rows: a 17:00 run that never happened (lost broker message,
worker down) is caught up by the minute sweeper, once, and never for a day too old."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from notifications.models import DigestDay, Notification
from tests.factories import make_ticket
from tickets import services

PARIS = ZoneInfo("Europe/Paris")

pytestmark = pytest.mark.django_db


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def sweep_at(*args):
    with time_machine.travel(paris(*args), tick=False):
        return tasks.sweep_outbox()


def digests(mailoutbox):
    return sorted((m.to[0], m.subject) for m in mailoutbox if "Suivi du" in m.subject)


@pytest.fixture
def worked_on_tuesday(contact, tech, mailoutbox):
    """Public activity on Tuesday 20 Oct 2026; the event mails already left during the day."""
    with time_machine.travel(paris(2026, 10, 20, 9, 0), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact, title="Sauvegarde")
    with time_machine.travel(paris(2026, 10, 20, 11, 0), tick=False):
        services.ticket_add_entry(ticket=ticket, by=tech.user, body="Relancé", public=True)
    sweep_at(2026, 10, 20, 16, 59)
    mailoutbox.clear()
    return ticket


def test_a_digest_missed_at_17_is_sent_once_by_the_sweeper_when_the_worker_is_back(
    worked_on_tuesday, mailoutbox
):
    # No send_daily_digests at 17:00: the worker was down, or the beat message was lost.
    sweep_at(2026, 10, 20, 17, 40)
    sent = digests(mailoutbox)
    assert [to for to, _subject in sent] == [
        "direction@acme.test",
        "dsi@acme.test",
        "marie.dupont@acme.test",
    ]
    assert all("Suivi du 20 octobre 2026" in subject for _to, subject in sent)
    assert "Relancé" in next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]).body
    sweep_at(2026, 10, 20, 17, 41)
    sweep_at(2026, 10, 21, 9, 0)
    assert len(digests(mailoutbox)) == 3
    assert DigestDay.objects.get(day=dt.date(2026, 10, 20)).rows == 3


def test_the_sweeper_never_plans_a_digest_before_its_17_00(worked_on_tuesday, mailoutbox):
    sweep_at(2026, 10, 20, 16, 59, 59)
    assert digests(mailoutbox) == []
    assert not Notification.objects.filter(kind="digest").exists()


def test_the_17_00_run_and_the_sweeper_together_send_each_digest_once(
    worked_on_tuesday, mailoutbox
):
    with time_machine.travel(paris(2026, 10, 20, 17, 0), tick=False):
        assert tasks.send_daily_digests() == 3
    sweep_at(2026, 10, 20, 17, 1)
    assert len(digests(mailoutbox)) == 3


def test_a_worker_down_overnight_still_sends_yesterdays_digest_the_next_morning(
    worked_on_tuesday, mailoutbox
):
    sweep_at(2026, 10, 21, 8, 30)
    assert len(digests(mailoutbox)) == 3


def test_no_digest_for_a_day_older_than_the_catch_up_limit(worked_on_tuesday, mailoutbox, settings):
    settings.NOTIFICATIONS_DIGEST_MAX_AGE_DAYS = 1
    sweep_at(2026, 10, 21, 17, 0, 1)  # Tuesday's 17:00 is more than a day ago
    assert digests(mailoutbox) == []
    assert not Notification.objects.filter(digest_date=dt.date(2026, 10, 20)).exists()


def test_a_longer_catch_up_limit_sends_an_older_missed_digest(
    worked_on_tuesday, mailoutbox, settings
):
    settings.NOTIFICATIONS_DIGEST_MAX_AGE_DAYS = 3
    sweep_at(2026, 10, 22, 12, 0)
    sent = digests(mailoutbox)
    assert len(sent) == 3 and all("Suivi du 20 octobre 2026" in subject for _to, subject in sent)


def test_a_digest_planned_while_the_mail_server_is_down_leaves_when_it_is_back(
    worked_on_tuesday, mailoutbox, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with time_machine.travel(paris(2026, 10, 20, 17, 0), tick=False):
        tasks.send_daily_digests()
    assert set(Notification.objects.filter(kind="digest").values_list("status", flat=True)) == {
        "pending"
    }
    monkeypatch.undo()
    sweep_at(2026, 10, 20, 17, 5)
    assert len(digests(mailoutbox)) == 3
