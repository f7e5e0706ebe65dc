"""E-mail per preference: immediately or in an hourly summary, never while absent or off shift,
never for a notice already read; at least once, every attempt with the same Message-ID."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core.mail import EmailMessage

from notices import emailing
from notices.models import Notice, NoticeKind, NoticeMail
from notices.services import Draft, notice_mark_read, notice_preference_set, notices_create
from shifts.models import Shift, ShiftAssignment
from tests.factories import TechnicianFactory
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db

TEN = paris(2026, 12, 2, 10, 0)  # a Wednesday


def notify(user, index=0, at=TEN):
    with time_machine.travel(at, tick=False):
        _notify(user, index, at)
    return Notice.objects.get(recipient=user, source=f"test:{index}")


def _notify(user, index, at):
    notices_create(
        drafts=[
            Draft(
                recipient_id=user.pk,
                kind=NoticeKind.CLIENT_COMMENT,
                source=f"test:{index}",
                url="/tickets/OC-2026-000042/",
                params={"reference": "OC-2026-000042", "title": "VPN", "excerpt": f"n°{index}"},
            )
        ],
        at=at,
    )


@pytest.fixture
def tech(db):
    technician = TechnicianFactory(user__username="tech", user__email="tech@oceanis.test")
    return technician


def test_immediate_mails_each_due_notice_once_with_a_link_that_marks_it_read(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="immediate")
    notice = notify(tech.user)
    report = emailing.deliver_due(TEN + dt.timedelta(seconds=30))
    assert report.sent == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["tech@oceanis.test"]
    assert mail.subject == "Le client a commenté OC-2026-000042"
    assert f"https://desk.oceanis.test/notifications/{notice.pk}/" in mail.body
    assert "« n°0 »" in mail.body
    notice.refresh_from_db()
    assert notice.mail.status == "sent"
    assert notice.mail.message_id == mail.extra_headers["Message-ID"]
    emailing.deliver_due(TEN + dt.timedelta(minutes=2))
    assert len(mailoutbox) == 1


def test_in_app_only_never_mails(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="in_app")
    notify(tech.user)
    emailing.deliver_due(TEN + dt.timedelta(hours=2))
    assert mailoutbox == []


def test_the_default_preference_is_the_setting(tech, mailoutbox, settings):
    settings.NOTICES_DEFAULT_DELIVERY = "immediate"
    notify(tech.user)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    assert len(mailoutbox) == 1


def test_hourly_summary_groups_the_hour_into_one_mail_at_the_full_hour(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="hourly")
    for index, minute in enumerate((5, 20, 40)):
        notify(tech.user, index, at=TEN + dt.timedelta(minutes=minute))
    emailing.deliver_due(TEN + dt.timedelta(minutes=59))
    assert mailoutbox == []
    emailing.deliver_due(TEN + dt.timedelta(hours=1))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "3 notifications Oceanis"
    assert all(f"« n°{i} »" in mailoutbox[0].body for i in range(3))


def test_a_notice_read_in_the_app_is_not_mailed(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="hourly")
    notice = notify(tech.user)
    notify(tech.user, 1)
    notice_mark_read(notice=notice)
    emailing.deliver_due(TEN + dt.timedelta(hours=1))
    assert len(mailoutbox) == 1
    assert "n°0" not in mailoutbox[0].body and "n°1" in mailoutbox[0].body
    assert not NoticeMail.objects.filter(notice=notice).exists()


def test_no_mail_while_absent_then_one_summary_of_the_unread_when_back(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="immediate")
    tech.available = False
    tech.save()
    notify(tech.user, 0)
    notify(tech.user, 1, at=TEN + dt.timedelta(hours=3))
    report = emailing.deliver_due(TEN + dt.timedelta(hours=4))
    assert (report.sent, report.deferred, mailoutbox) == (0, 1, [])
    tech.available = True
    tech.save()
    emailing.deliver_due(TEN + dt.timedelta(hours=5))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "2 notifications Oceanis"


def test_no_mail_off_shift_for_a_shift_worker_but_mails_during_the_shift(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="immediate")
    afternoon = Shift.objects.create(
        name="Après-midi", start_time=dt.time(14, 0), end_time=dt.time(22, 0)
    )
    ShiftAssignment.objects.create(shift=afternoon, day=TEN.date(), technician=tech)
    notify(tech.user)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1))  # 10:01, the shift starts at 14:00
    assert mailoutbox == []
    emailing.deliver_due(paris(2026, 12, 2, 14, 0))
    assert len(mailoutbox) == 1


def test_a_technician_without_any_shift_planned_is_on_duty(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="immediate")
    other = TechnicianFactory(user__username="shifty")
    night = Shift.objects.create(name="Nuit", start_time=dt.time(22, 0), end_time=dt.time(6, 0))
    ShiftAssignment.objects.create(shift=night, day=TEN.date(), technician=other)
    notify(tech.user)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    assert len(mailoutbox) == 1


def test_a_temporary_failure_is_retried_later_with_the_same_message_id(
    tech, mailoutbox, monkeypatch
):
    notice_preference_set(user=tech.user, delivery="immediate")
    notice = notify(tech.user)
    real_send = EmailMessage.send

    def down(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailMessage, "send", down)
    report = emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    assert report.failed == 1
    row = NoticeMail.objects.get(notice=notice)
    first_id = row.message_id
    assert first_id and row.attempts == 1 and "connection lost" in row.last_error
    # the mail policy's backoff: 1 min ± 20 %
    retry_in = row.next_attempt_at - (TEN + dt.timedelta(minutes=1))
    assert dt.timedelta(seconds=48) <= retry_in <= dt.timedelta(seconds=72)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1, seconds=30))  # not yet due again
    assert NoticeMail.objects.get(notice=notice).attempts == 1
    monkeypatch.setattr(EmailMessage, "send", real_send)
    emailing.deliver_due(TEN + dt.timedelta(minutes=2, seconds=12))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == first_id


def test_a_permanent_refusal_is_given_up(tech, mailoutbox, monkeypatch):
    notice_preference_set(user=tech.user, delivery="immediate")
    notice = notify(tech.user)

    def refused(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"tech@oceanis.test": (550, b"no such user")})

    monkeypatch.setattr(EmailMessage, "send", refused)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    notice.refresh_from_db()
    assert notice.mail.status == "failed"  # the dead letter, until « Renvoyer maintenant »
    assert "SMTPRecipientsRefused" in notice.mail.last_error
    assert notice.unread  # still under the bell
    emailing.deliver_due(TEN + dt.timedelta(days=1))
    assert mailoutbox == []


def test_a_claimed_notice_is_sent_by_one_worker_only(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="immediate")
    notify(tech.user)
    now = TEN + dt.timedelta(minutes=1)
    emailing.plan_due(now)
    # Another worker claimed the row first (its lease runs).
    NoticeMail.objects.update(
        status="sending", claim="other-worker", next_attempt_at=now + dt.timedelta(minutes=15)
    )
    assert emailing.deliver_to(tech.user.pk, now) is None
    assert mailoutbox == []


class WorkerKilled(BaseException):
    """Stands for SIGKILL mid-send: nothing in the outbox gets to handle it."""


def test_a_mail_interrupted_mid_send_is_sent_again_after_the_lease_with_its_message_id(
    tech, mailoutbox, monkeypatch
):
    # the default lease: 15 min
    notice_preference_set(user=tech.user, delivery="immediate")
    notice = notify(tech.user)
    attempted = []

    def killed(self, fail_silently=False):
        attempted.append(self.extra_headers["Message-ID"])
        raise WorkerKilled

    monkeypatch.setattr(EmailMessage, "send", killed)
    with pytest.raises(WorkerKilled):
        emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    monkeypatch.undo()
    assert NoticeMail.objects.get(notice=notice).status == "sending"
    emailing.deliver_due(TEN + dt.timedelta(minutes=15))  # the lease still runs
    assert mailoutbox == []
    emailing.deliver_due(TEN + dt.timedelta(minutes=16))
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == attempted
    row = NoticeMail.objects.get(notice=notice)
    assert (row.status, row.attempts) == ("sent", 2)
    emailing.deliver_due(TEN + dt.timedelta(hours=1))
    assert len(mailoutbox) == 1


def test_switching_to_in_app_cancels_the_mails_not_yet_sent(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="hourly")
    notify(tech.user)
    notice_preference_set(user=tech.user, delivery="in_app")
    emailing.deliver_due(TEN + dt.timedelta(hours=2))
    assert mailoutbox == []


def test_end_to_end_a_client_comment_reaches_the_owner_by_mail(
    ticket, owner, contact, committed, mailoutbox, settings
):
    from extranet import services as actions
    from notices.tasks import sweep_notices

    owner.user.email = "owner@oceanis.test"
    owner.user.save()
    notice_preference_set(user=owner.user, delivery="immediate")
    with committed():
        actions.comment_add(contact=contact, ticket=ticket, body="Le VPN coupe encore.")
    mailoutbox.clear()  # the client's own mails
    sweep_notices()
    mine = [m for m in mailoutbox if m.to == ["owner@oceanis.test"]]
    assert len(mine) == 1
    assert mine[0].subject == f"Le client a commenté {ticket.reference}"


def test_a_source_older_than_a_day_is_shown_but_never_mailed(tech, mailoutbox):
    notice_preference_set(user=tech.user, delivery="immediate")
    with time_machine.travel(TEN + dt.timedelta(hours=25), tick=False):
        _notify(tech.user, 0, TEN)  # e.g. the sweeper catching up after a long outage
    notice = Notice.objects.get(recipient=tech.user)
    assert notice.unread and notice.email_due_at is None
    emailing.deliver_due(TEN + dt.timedelta(hours=25))
    assert mailoutbox == []


def test_sent_notice_mails_are_deleted_after_the_retention(tech, mailoutbox):
    from notices.tasks import purge_notice_mails

    notice_preference_set(user=tech.user, delivery="immediate")
    notify(tech.user)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    with time_machine.travel(TEN + dt.timedelta(days=364), tick=False):
        assert purge_notice_mails() == 0
    with time_machine.travel(TEN + dt.timedelta(days=366), tick=False):
        assert purge_notice_mails() == 1
    assert Notice.objects.exists() and not NoticeMail.objects.exists()


def test_notice_mails_share_the_mail_attempt_budget(tech, mailoutbox, monkeypatch, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    notice_preference_set(user=tech.user, delivery="immediate")
    notice = notify(tech.user)

    def down(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailMessage, "send", down)
    emailing.deliver_due(TEN + dt.timedelta(minutes=1))
    assert NoticeMail.objects.get(notice=notice).status == "failed"
