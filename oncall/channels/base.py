"""The channel interface: a page message goes out to one technician through one channel.

A channel knows the technician's address for it (e-mail, phone number) and how to send once.
Retries are not the channel's business: each message on each channel is a delivery row
(``PageAttempt``) that the Celery retry and the sweeper attempt again after a backoff, with the
same ``PageMessage.idempotency_key``. Adding a real SMS/voice provider means writing one
subclass and listing its dotted path in ``ONCALL_CHANNELS``; paging never changes.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from staff.models import Technician

from ..models import AttemptOutcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageMessage:
    """Everything a channel may need to word a page for one recipient."""

    page_id: int
    ticket_reference: str
    level: int
    step: int
    subject: str
    text: str  # full text (e-mail body)
    short_text: str  # one paragraph for SMS and text-to-speech
    html: str
    ack_url: str
    # The delivery row's key: the same on every attempt of this message on this channel, so a
    # gateway (or a mail client, through the Message-ID) drops duplicates.
    idempotency_key: str = ""


@dataclass(frozen=True)
class Delivery:
    """What one try reports. A failure is retried later unless ``permanent`` (the provider
    refused the request itself: retrying the same request cannot succeed)."""

    outcome: str  # an AttemptOutcome value
    recipient: str = ""
    error: str = ""
    permanent: bool = False


class PageChannel(ABC):
    """One way of reaching a technician."""

    name: ClassVar[str]

    def is_configured(self) -> bool:
        """Whether the channel may be used at all (e.g. a gateway URL is set)."""
        return True

    @abstractmethod
    def address(self, technician: Technician) -> str:
        """The technician's address on this channel, or "" when they have none."""

    @abstractmethod
    def send(self, address: str, message: PageMessage) -> Delivery:
        """Send once (no retry, never a sleep) and report what happened."""

    def attempt(self, address: str, message: PageMessage) -> Delivery:
        try:
            return self.send(address, message)
        except Exception as exc:  # one broken channel must not stop the others from paging
            logger.exception("channel %s failed for page %s", self.name, message.page_id)
            return Delivery(AttemptOutcome.FAILED, address, f"{type(exc).__name__}: {exc}")
