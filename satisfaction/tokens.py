"""The signed rating link of the closure mail: no login, the ticket's id signed with the
project's secret and a timestamp (``django.core.signing``), valid for the answer window."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "satisfaction.rating"


def answer_window() -> timedelta:
    return timedelta(days=settings.SATISFACTION_ANSWER_DAYS)


def make_token(ticket_id: int) -> str:
    return signing.dumps({"t": ticket_id}, salt=SALT, compress=True)


def read_token(token: str) -> int:
    """The ticket id; ``signing.SignatureExpired`` past the window, ``signing.BadSignature``
    for anything tampered with or malformed."""
    data = signing.loads(token, salt=SALT, max_age=answer_window())
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise signing.BadSignature("Not a rating token")
    return data["t"]


def rating_url(ticket_id: int) -> str:
    path = reverse("satisfaction:rate", args=[make_token(ticket_id)])
    return settings.OCEANIS_BASE_URL.rstrip("/") + path
