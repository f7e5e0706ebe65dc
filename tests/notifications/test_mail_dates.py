"""Dates in client mails read as French writes them: "le 2 décembre 2026 à 16:40"."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_the_creation_mail_writes_the_date_then_a_then_the_time(
    contact, mailoutbox, django_capture_on_commit_callbacks
):
    # 2 December 2026 16:40 in Paris (UTC+1).
    with (
        time_machine.travel(dt.datetime(2026, 12, 2, 15, 40, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        make_ticket(client=contact.client, contact=contact)
    mail = next(m for m in mailoutbox if contact.email in m.to)
    html = mail.alternatives[0][0]
    for body in (mail.body, html):
        assert "le 2 décembre 2026 à 16:40" in body
