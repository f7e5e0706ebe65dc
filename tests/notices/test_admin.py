"""The notices' outbox in the admin: dead letters listed, « Renvoyer maintenant »."""

import smtplib

import pytest
from django.core.mail import EmailMessage
from django.urls import reverse

from notices import emailing
from notices.models import NoticeKind, NoticeMail
from notices.services import Draft, notice_preference_set, notices_create
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def test_a_dead_letter_is_listed_and_resent_now_with_its_message_id(
    admin_client, mailoutbox, monkeypatch
):
    tech = TechnicianFactory(user__email="tech@oceanis.test")
    notice_preference_set(user=tech.user, delivery="immediate")
    notices_create(
        drafts=[
            Draft(
                recipient_id=tech.user.pk,
                kind=NoticeKind.ASSIGNED,
                source="admin-test",
                params={"reference": "OC-2026-000001"},
            )
        ]
    )

    def refused(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"tech@oceanis.test": (550, b"mailbox full")})

    monkeypatch.setattr(EmailMessage, "send", refused)
    emailing.deliver_due()
    monkeypatch.undo()
    row = NoticeMail.objects.get()
    assert row.status == "failed" and row.message_id
    url = reverse("admin:notices_noticemail_changelist")
    listing = admin_client.get(url, {"status__exact": "failed"}).content.decode()
    assert "Renvoyer maintenant" in listing and "mailbox full" in listing
    response = admin_client.post(
        url, {"action": "resend_now", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 envoi relancé." in response.content.decode()
    emailing.deliver_due()
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [row.message_id]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
