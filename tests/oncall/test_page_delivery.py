"""Page messages are delivery rows: a dead worker's message is sent again after its lease with
the same idempotency key, a retry the page no longer needs is skipped, a message that never gets
through is a dead letter while the escalation chain goes on."""

import datetime as dt
import json

import pytest
import time_machine

from oceanis import delivery as outbox
from oncall.models import AckVia, PageState
from oncall.services import paging
from tests.oncall.test_channels import SATURDAY_3AM, Gateway, raise_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones(rotation):
    _, technicians = rotation
    for n, tech in enumerate(technicians):
        tech.phone = f"+3360000000{n}"
        tech.save()
    return technicians


def at(minutes, seconds=0):
    return SATURDAY_3AM + dt.timedelta(minutes=minutes, seconds=seconds)


def sweep_at(instant):
    with time_machine.travel(instant, tick=False):
        return paging.sweep()


def test_a_message_whose_worker_died_mid_send_is_sent_again_with_the_same_key(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    settings.ONCALL_PAGE_LEASE_SECONDS = 60
    with Gateway(statuses=[503]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        sms = page.attempts.get(channel="sms")
        # The retry is claimed by a worker that dies before recording anything.
        [claimed] = outbox.claim_due(type(sms), policy=paging.policy(), now=at(0, 30), ids=[sms.pk])
        assert sweep_at(at(1))["resent"] == 0  # its lease still runs
        assert sweep_at(at(1, 31))["resent"] == 1
    keys = [r["headers"]["Idempotency-Key"] for r in gateway.requests]
    assert keys == [str(sms.delivery_key)] * 2
    assert json.loads(gateway.requests[1]["body"])["step"] == 0  # the same message
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 3)  # first try, the dead one, the re-send
    assert outbox.mark_sent(claimed, now=at(2)) is False  # the dead worker cannot overwrite


def test_a_retry_of_an_acknowledged_page_is_skipped_not_sent(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    with Gateway(statuses=[503]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        with time_machine.travel(at(0, 30), tick=False):
            paging.page_acknowledge(page=page, by=page.target.user, via=AckVia.LINK)
        sweep_at(at(1))
    assert len(gateway.requests) == 1
    sms = page.attempts.get(channel="sms")
    assert sms.status == "skipped" and sms.attempts == 2


def test_a_retry_made_pointless_by_the_next_step_is_skipped(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    settings.ONCALL_PAGE_RETRY_BASE_SECONDS = 600  # the retry falls after the re-page
    with Gateway(statuses=[503]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        sweep_at(at(10))  # re-page of alice (step 1), its sms goes through
        sweep_at(at(15))  # step 0's sms retry is due: the page has moved on
    steps = [json.loads(r["body"])["step"] for r in gateway.requests]
    assert steps == [0, 1]
    first, second = page.attempts.filter(channel="sms").order_by("step")
    assert (first.status, second.status) == ("skipped", "sent")


def test_a_message_that_never_gets_through_is_a_dead_letter_and_the_chain_goes_on(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    settings.ONCALL_PAGE_MAX_ATTEMPTS = 2
    with Gateway(statuses=[500] * 10) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        for minute in range(1, 5):
            sweep_at(at(minute))
        sms = page.attempts.get(channel="sms", step=0)
        assert (sms.status, sms.attempts, sms.last_error) == ("failed", 2, "HTTP 500")
        assert len(gateway.requests) == 2
        assert sweep_at(at(10))["sent"] == 1  # the re-page still happens on time (e-mail)
    page.refresh_from_db()
    assert (page.step, page.state) == (2, PageState.OPEN)


@pytest.mark.parametrize(
    ("status", "retried"), [(408, True), (429, True), (502, True), (404, False), (401, False)]
)
def test_busy_or_broken_gateways_are_retried_a_refusal_is_not(
    phones, client_24x7, settings, django_capture_on_commit_callbacks, status, retried
):
    with Gateway(statuses=[status]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        sweep_at(at(1))
    sms = page.attempts.get(channel="sms")
    assert len(gateway.requests) == (2 if retried else 1)
    assert sms.status == ("sent" if retried else "failed")


def test_the_page_email_keeps_its_message_id_on_a_retry(
    rotation, client_24x7, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    calls = []

    def flaky(self, messages):
        pages = [m.message()["Message-ID"] for m in messages if "X-Oceanis-Page" in m.extra_headers]
        if pages:
            calls.append(pages)
            if len(calls) == 1:
                raise OSError("SMTP down")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    sweep_at(at(1))
    email = page.attempts.get(channel="email")
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[0][0].startswith(f"<page.{email.delivery_key}@")


def test_the_default_retries_ride_out_a_ten_minute_outage(monkeypatch):
    # README: with the default attempts and the capped doubling delay, a message keeps trying for
    # at least 10 minutes, even with the jitter at its lowest, before it shows as failed.
    monkeypatch.setattr(outbox.random, "uniform", lambda low, high: low)
    current = paging.policy()
    waited = sum(
        outbox.backoff(current, attempts).total_seconds()
        for attempts in range(1, current.max_attempts)
    )
    assert waited >= 10 * 60
