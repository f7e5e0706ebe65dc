"""SMS and voice through a generic HTTP gateway: one JSON POST per message.

Configured by environment: ``ONCALL_SMS_WEBHOOK_URL`` / ``ONCALL_VOICE_WEBHOOK_URL`` (a channel
without URL is off), optional ``ONCALL_WEBHOOK_TOKEN`` (sent as ``Authorization: Bearer``).
Body::

    {"channel": "sms", "to": "+33612345678", "message": "...", "page": 12,
     "ticket": "OC-2026-000123", "level": "primary", "step": 0, "ack_url": "https://...",
     "idempotency_key": "0b7e4c2a-5f0e-4d2b-9a51-3c8f1e6d7a90"}

The ``Idempotency-Key`` header carries the same key: the same on every retry of one message on
one channel, so the gateway drops a duplicate. A 2xx answer is success. Network errors,
timeouts, 5xx, 408 and 429 are failures retried later by the page's delivery row (Celery retry
or sweeper: ``ONCALL_PAGE_MAX_ATTEMPTS``, backoff from ``ONCALL_PAGE_RETRY_BASE_SECONDS``);
other 4xx are the gateway refusing the request and are not retried. Every try is logged.
"""

from __future__ import annotations

import json
import logging

import httpx
from django.conf import settings

from oceanis import outbound

from ..models import AttemptOutcome, PageLevel
from .base import Delivery, PageChannel, PageMessage

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 429})


class WebhookChannel(PageChannel):
    """A channel whose provider is an HTTP endpoint taking JSON."""

    setting: str  # name of the setting holding the gateway URL

    @property
    def url(self) -> str:
        return getattr(settings, self.setting, "") or ""

    def is_configured(self) -> bool:
        return bool(self.url)

    def address(self, technician) -> str:
        return (technician.phone or "").strip()

    def body(self, address: str, message: PageMessage) -> dict:
        return {
            "channel": self.name,
            "to": address,
            "message": message.short_text,
            "page": message.page_id,
            "ticket": message.ticket_reference,
            "level": PageLevel(message.level).name.lower(),
            "step": message.step,
            "ack_url": message.ack_url,
            "idempotency_key": message.idempotency_key,
        }

    def send(self, address: str, message: PageMessage) -> Delivery:
        data = json.dumps(self.body(address, message)).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Oceanis-Service-Desk/oncall",
            "Idempotency-Key": message.idempotency_key,
        }
        if settings.ONCALL_WEBHOOK_TOKEN:
            headers["Authorization"] = f"Bearer {settings.ONCALL_WEBHOOK_TOKEN}"
        retry, error = self._post(data, headers, message)
        if not error:
            return Delivery(AttemptOutcome.SENT, address)
        return Delivery(AttemptOutcome.FAILED, address, error, permanent=not retry)

    def _post(self, data: bytes, headers: dict, message: PageMessage):
        """One HTTP try: (worth retrying, error text or "")."""
        # The gateway obeys the outbound address policy like any subscriber: an internal
        # gateway is listed by the administrator in OUTBOUND_ALLOWED_NETWORKS.
        timeout = settings.ONCALL_WEBHOOK_TIMEOUT_SECONDS
        try:
            response = outbound.post(self.url, content=data, headers=headers, timeout=timeout)
            status = response.status_code
        except outbound.OutboundRefused as exc:
            logger.error("%s gateway refused for page %s: %s", self.name, message.page_id, exc)
            return False, f"{type(exc).__name__}: {exc}"
        except httpx.HTTPError as exc:
            logger.warning("%s gateway try for page %s: %s", self.name, message.page_id, exc)
            return True, f"{type(exc).__name__}: {exc}"
        if 200 <= status < 300:
            logger.info("%s gateway try for page %s: HTTP %s", self.name, message.page_id, status)
            return False, ""
        logger.warning("%s gateway try for page %s: HTTP %s", self.name, message.page_id, status)
        retry = status >= 500 or status in RETRYABLE_STATUSES
        return retry, f"HTTP {status}"


class SmsChannel(WebhookChannel):
    name = "sms"
    setting = "ONCALL_SMS_WEBHOOK_URL"


class VoiceChannel(WebhookChannel):
    name = "voice"
    setting = "ONCALL_VOICE_WEBHOOK_URL"
