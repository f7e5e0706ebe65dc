"""Signed acknowledgement links: usable without logging in, bound to one page and one person,
and expiring (``ONCALL_ACK_LINK_MAX_AGE_HOURS``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "oncall.page-ack"


class AckLinkError(Exception):
    """The link is not one we signed (or was altered)."""


class AckLinkExpired(AckLinkError):
    """The link was genuine but is too old."""


@dataclass(frozen=True)
class AckClaim:
    page_id: int
    technician_id: int


def ack_token(page_id: int, technician_id: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"p": page_id, "t": technician_id})


def read_ack_token(token: str) -> AckClaim:
    """Decode a token; raises ``AckLinkExpired`` or ``AckLinkError``."""
    max_age = settings.ONCALL_ACK_LINK_MAX_AGE_HOURS * 3600
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise AckLinkExpired(str(exc)) from exc
    except signing.BadSignature as exc:
        raise AckLinkError(str(exc)) from exc
    try:
        return AckClaim(page_id=int(data["p"]), technician_id=int(data["t"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise AckLinkError("malformed payload") from exc


def absolute(path: str) -> str:
    """Messages leave the request cycle (Celery): links are built on OCEANIS_BASE_URL."""
    return settings.OCEANIS_BASE_URL.rstrip("/") + path


def ack_url(page_id: int, technician_id: int) -> str:
    return absolute(reverse("oncall:ack_link", args=[ack_token(page_id, technician_id)]))
