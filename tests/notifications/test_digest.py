"""The 17:00 daily follow-up: its schedule across DST, its window, its content, its command."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from notifications import digest, tasks
from notifications.models import Notification
from oceanis.celery import app as celery_app
from tests.factories import ContactFactory, make_ticket
from tickets import services
from tickets.models import EventKind, TicketEvent

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


# --- schedule and window -----------------------------------------------------------------


def _beat(name):
    schedule = django_settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
    schedule.app = celery_app  # evaluated in the app's timezone, as celery beat does
    return schedule


def _next_run(schedule, last_run: dt.datetime, now: dt.datetime) -> dt.datetime:
    with time_machine.travel(now, tick=False):
        remaining = schedule.remaining_estimate(last_run)
    return (now.astimezone(UTC) + remaining).astimezone(UTC)


def test_the_digest_runs_at_17_paris_time_on_both_sides_of_the_october_change():
    beat = django_settings.CELERY_BEAT_SCHEDULE["notifications-daily-digest"]
    assert beat["task"] == "notifications.tasks.send_daily_digests"
    assert django_settings.CELERY_TIMEZONE == "Europe/Paris"
    schedule = _beat("notifications-daily-digest")
    # Saturday 24 Oct 2026 17:00 CEST = 15:00 UTC; clocks go back that night.
    next_run = _next_run(schedule, paris(2026, 10, 24, 17), paris(2026, 10, 24, 17, 0, 5))
    assert next_run == dt.datetime(2026, 10, 25, 16, 0, tzinfo=UTC)  # 17:00 CET
    assert next_run.astimezone(PARIS).hour == 17
    following = _next_run(schedule, paris(2026, 10, 25, 17), paris(2026, 10, 25, 17, 0, 5))
    assert following == dt.datetime(2026, 10, 26, 16, 0, tzinfo=UTC)


def test_the_digest_runs_at_17_paris_time_on_both_sides_of_the_march_change():
    schedule = _beat("notifications-daily-digest")
    next_run = _next_run(schedule, paris(2027, 3, 27, 17), paris(2027, 3, 27, 17, 0, 5))
    assert next_run == dt.datetime(2027, 3, 28, 15, 0, tzinfo=UTC)  # 17:00 CEST
    assert next_run.astimezone(PARIS).hour == 17


def test_the_digest_is_due_at_17_local_and_not_at_17_of_the_previous_offset():
    schedule = _beat("notifications-daily-digest")
    last = paris(2026, 10, 24, 17)
    with time_machine.travel(dt.datetime(2026, 10, 25, 15, 0, 30, tzinfo=UTC), tick=False):
        assert not schedule.is_due(last).is_due  # 16:00 CET: 17:00 in summer time, not now
    with time_machine.travel(dt.datetime(2026, 10, 25, 16, 0, 30, tzinfo=UTC), tick=False):
        assert schedule.is_due(last).is_due
        assert digest.digest_day() == dt.date(2026, 10, 25)


def test_the_outbox_sweeper_runs_every_minute():
    beat = django_settings.CELERY_BEAT_SCHEDULE["notifications-outbox-sweep"]
    assert beat["task"] == "notifications.tasks.sweep_outbox"
    schedule = _beat("notifications-outbox-sweep")
    assert _next_run(schedule, paris(2026, 10, 20, 10), paris(2026, 10, 20, 10, 0, 1)) == (
        dt.datetime(2026, 10, 20, 8, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("day", "start", "hours"),
    [
        (dt.date(2026, 10, 20), dt.datetime(2026, 10, 19, 15, tzinfo=UTC), 24),
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 24, 15, tzinfo=UTC), 25),
        (dt.date(2026, 10, 26), dt.datetime(2026, 10, 25, 16, tzinfo=UTC), 24),
        (dt.date(2027, 3, 28), dt.datetime(2027, 3, 27, 16, tzinfo=UTC), 23),
        (dt.date(2027, 3, 29), dt.datetime(2027, 3, 28, 15, tzinfo=UTC), 24),
    ],
)
def test_the_digest_window_is_the_paris_day_ending_at_17_across_dst(day, start, hours):
    window_start, window_end = digest.digest_window(day)
    assert window_start == start
    assert window_end - window_start == dt.timedelta(hours=hours)
    assert window_start.astimezone(PARIS).time() == dt.time(17)
    assert window_end.astimezone(PARIS).time() == dt.time(17)
    assert digest.digest_window(day + dt.timedelta(days=1))[0] == window_end  # no gap, no overlap


# --- content -----------------------------------------------------------------------------

pytestmark = pytest.mark.django_db(databases=["default"])


@pytest.fixture
def day_of_work(contact, tech):
    """A ticket with a full day of activity on Tuesday 20 Oct 2026 (and some around it)."""
    with time_machine.travel(paris(2026, 10, 19, 16, 30), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact, title="Sauvegarde en échec")
    with time_machine.travel(paris(2026, 10, 20, 9, 0), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with time_machine.travel(paris(2026, 10, 20, 11, 0), tick=False):
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="Agent de sauvegarde relancé", public=True,
            minutes_spent=45,
        )  # fmt: skip
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="NE PAS DIRE : erreur de notre part", public=False,
            minutes_spent=30,
        )  # fmt: skip
    with time_machine.travel(paris(2026, 10, 20, 14, 30), tick=False):
        services.ticket_set_pending(ticket=ticket, by=tech.user, reason="Test de restauration")
    with time_machine.travel(paris(2026, 10, 20, 18, 0), tick=False):
        services.ticket_add_entry(ticket=ticket, by=tech.user, body="Restauration OK", public=True)
    return ticket


def _send(day):
    with time_machine.travel(dt.datetime.combine(day, dt.time(17, 0, 1), PARIS), tick=False):
        return tasks.send_daily_digests()


def test_the_digest_summarises_the_days_public_activity(day_of_work, mailoutbox):
    assert _send(dt.date(2026, 10, 20)) == 3
    mail = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert (
        mail.subject == f"[{day_of_work.reference}] Suivi du 20 octobre 2026 : Sauvegarde en échec"
    )
    body = mail.body
    assert "Agent de sauvegarde relancé" in body
    assert "Prise en charge → En attente" in body
    assert "Test de restauration" in body
    assert "Temps passé ce jour : 45 min" in body  # the internal note's 30 min are not shown
    assert "Nouvelle → Prise en charge" in body and "09:00" in body
    assert "Restauration OK" not in body  # after 17:00: tomorrow's digest
    for content in (body, mail.alternatives[0].content):
        assert "NE PAS DIRE" not in content
    # The first mail this person gets about the ticket: it starts the thread, pointing nowhere.
    assert "In-Reply-To" not in mail.extra_headers and "References" not in mail.extra_headers
    assert f"/extranet/demandes/{day_of_work.pk}/" in body


def test_yesterdays_evening_and_todays_activity_are_in_their_own_digests(day_of_work, mailoutbox):
    _send(dt.date(2026, 10, 21))
    body = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]).body
    assert "Restauration OK" in body and "Agent de sauvegarde" not in body
    mailoutbox.clear()
    _send(dt.date(2026, 10, 19))
    body = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]).body
    assert "Sauvegarde en échec" in body and "Agent de sauvegarde" not in body


def test_no_digest_for_a_ticket_without_public_activity_that_day(contact, tech, mailoutbox):
    with time_machine.travel(paris(2026, 10, 19, 10), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
    with time_machine.travel(paris(2026, 10, 20, 10), tick=False):
        services.ticket_add_entry(ticket=ticket, by=tech.user, body="Note interne", public=False)
    assert _send(dt.date(2026, 10, 20)) == 0
    assert _send(dt.date(2026, 10, 22)) == 0
    assert mailoutbox == []


def test_running_the_digest_twice_sends_nothing_new(day_of_work, mailoutbox):
    _send(dt.date(2026, 10, 20))
    _send(dt.date(2026, 10, 20))
    assert len(mailoutbox) == 3
    assert Notification.objects.filter(kind="digest").count() == 3


def test_english_contacts_get_an_english_digest(contract_with_recipients, tech, mailoutbox):
    contact = ContactFactory(
        client=contract_with_recipients.client, email="john@acme.test", language="en"
    )
    with time_machine.travel(paris(2026, 10, 20, 10), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact, title="VPN down")
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="Tunnel restarted", public=True, minutes_spent=95
        )
    _send(dt.date(2026, 10, 20))
    mail = next(m for m in mailoutbox if m.to == ["john@acme.test"])
    assert mail.subject == f"[{ticket.reference}] Follow-up for Oct. 20, 2026: VPN down"
    assert "Time spent today: 1 h 35" in mail.body.replace(" :", ":")
    assert "Report" in mail.body and "Tunnel restarted" in mail.body


def test_the_dst_day_digest_covers_25_hours(contact, mailoutbox):
    inside = [paris(2026, 10, 24, 17, 30), dt.datetime(2026, 10, 25, 15, 59, tzinfo=UTC)]
    outside = [paris(2026, 10, 24, 16, 59), dt.datetime(2026, 10, 25, 16, 0, tzinfo=UTC)]
    for at, title in zip(inside + outside, ["in-1", "in-2", "out-1", "out-2"], strict=True):
        with time_machine.travel(at, tick=False):
            make_ticket(client=contact.client, contact=contact, title=title)
    with time_machine.travel(dt.datetime(2026, 10, 25, 16, 0, 1, tzinfo=UTC), tick=False):
        tasks.send_daily_digests()
    subjects = sorted(m.subject.split(" : ")[-1] for m in mailoutbox if m.to == [contact.email])
    assert subjects == ["in-1", "in-2"]


def test_planning_digests_takes_the_same_queries_for_one_or_many_tickets(
    contact, django_assert_max_num_queries
):
    with time_machine.travel(paris(2026, 10, 20, 10), tick=False):
        make_ticket(client=contact.client, contact=contact)
    with django_assert_max_num_queries(6):
        assert len(digest.plan_digests(dt.date(2026, 10, 20))) == 3
    with time_machine.travel(paris(2026, 10, 21, 10), tick=False):
        for _ in range(8):
            make_ticket(client=contact.client, contact=contact)
    with django_assert_max_num_queries(6):
        assert len(digest.plan_digests(dt.date(2026, 10, 21))) == 24


def test_the_command_sends_a_given_day(day_of_work, mailoutbox, capsys):
    with time_machine.travel(paris(2026, 10, 23, 9), tick=False):
        call_command("send_daily_digests", "--date", "2026-10-20")
    assert "Suivi du 20/10/2026 : 3 mail(s) envoyé(s)." in capsys.readouterr().out
    assert len(mailoutbox) == 3


def test_the_command_refuses_a_bad_date_and_a_day_not_over(db):
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("send_daily_digests", "--date", "20/10/2026")
    with (
        time_machine.travel(paris(2026, 10, 20, 16, 59), tick=False),
        pytest.raises(CommandError, match="qu'après"),
    ):
        call_command("send_daily_digests")
    assert Notification.objects.count() == 0


def test_internal_kinds_never_reach_the_digest(contact, mailoutbox):
    with time_machine.travel(paris(2026, 10, 20, 10), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        TicketEvent(
            ticket=ticket, kind=EventKind.SLA_WARNING, public=True, body="alerte interne"
        ).save(force_insert=True)
    _send(dt.date(2026, 10, 20))
    assert mailoutbox and all("alerte interne" not in m.body for m in mailoutbox)
