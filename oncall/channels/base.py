"""The channel interface: a page message goes out to one technician through one channel.

A channel knows the technician's address for it (e-mail, phone number) and how to send. Adding a
real SMS/voice provider means writing one subclass and listing its dotted path in
``ONCALL_CHANNELS``; paging never changes.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext as _

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

    @property
    def idempotency_key(self) -> str:
        """Same value on every retry of one message, so a gateway can drop duplicates."""
        return f"oncall-page-{self.page_id}-step-{self.step}"


@dataclass(frozen=True)
class Delivery:
    outcome: str  # an AttemptOutcome value
    recipient: str = ""
    tries: int = 0
    error: str = ""


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
        """Send once (with the channel's own retries) and report what happened."""

    def deliver(self, technician: Technician, message: PageMessage) -> Delivery:
        address = self.address(technician)
        if not address:
            return Delivery(
                AttemptOutcome.SKIPPED, error=_("Aucune coordonnée pour ce canal sur la fiche.")
            )
        try:
            return self.send(address, message)
        except Exception as exc:  # one broken channel must not stop the others from paging
            logger.exception("channel %s failed for page %s", self.name, message.page_id)
            return Delivery(AttemptOutcome.FAILED, address, 1, f"{type(exc).__name__}: {exc}")
