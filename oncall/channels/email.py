"""E-mail: always on; goes to the technician's user address."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from oceanis.delivery import message_id

from ..models import AttemptOutcome
from .base import Delivery, PageChannel, PageMessage


class EmailChannel(PageChannel):
    name = "email"

    def address(self, technician) -> str:
        return technician.user.email or ""

    def send(self, address: str, message: PageMessage) -> Delivery:
        headers = {"X-Oceanis-Page": str(message.page_id), "X-Priority": "1"}
        if message.idempotency_key:
            # The same Message-ID on a retry: a copy that got through before is dropped.
            headers["Message-ID"] = message_id(f"page.{message.idempotency_key}")
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
        )
        mail.attach_alternative(message.html, "text/html")
        try:
            mail.send()
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery(AttemptOutcome.FAILED, address, f"{type(exc).__name__}: {exc}")
        return Delivery(AttemptOutcome.SENT, address)
