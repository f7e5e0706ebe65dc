"""The only write path of ratings: one per closed ticket, changeable during the window; a low
score tells the client's service manager (and backup, ``portfolios``), the contract's referent
technician and the managers (staff notices)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.models import NoticeKind
from notices.services import Draft, notices_create
from portfolios.selectors import service_manager_ids
from staff.models import DEPUTY_GROUP, MANAGER_GROUP
from tickets.models import State, Ticket

from .models import LOW_SCORE, Rating
from .tokens import answer_window

if TYPE_CHECKING:
    from clients.models import Contact


class RatingClosed(Exception):
    """The ticket cannot (or can no longer) be rated: not closed, or the window has passed."""


def answer_deadline(ticket: Ticket) -> datetime | None:
    if ticket.closed_at is None:
        return None
    return ticket.closed_at + answer_window()


def check_open(ticket: Ticket, at: datetime | None = None) -> None:
    at = at or timezone.now()
    if ticket.state != State.CLOSED or ticket.closed_at is None:
        raise RatingClosed(_("Cette demande n'est pas clôturée : elle ne peut pas être notée."))
    if at > answer_deadline(ticket):
        raise RatingClosed(
            _(
                "Le délai pour donner ou modifier votre avis (%(days)s jours après la clôture) "
                "est passé."
            )
            % {"days": answer_window().days}
        )


def rating_submit(
    *,
    ticket: Ticket,
    score: int,
    comment: str = "",
    channel: str,
    contact: Contact | None = None,
    user=None,
    at: datetime | None = None,
) -> Rating:
    """Record or change the ticket's rating (one per ticket)."""
    at = at or timezone.now()
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Choisissez une note de 1 à 5.")})
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        check_open(locked, at)
        rating = Rating.objects.select_for_update().filter(ticket=locked).first()
        if rating is None:
            rating = Rating.objects.create(
                ticket=locked,
                client_id=locked.client_id,
                technician_id=locked.resolver_id or locked.assignee_id,
                closed_at=locked.closed_at,
                score=score,
                comment=comment,
                channel=channel,
                contact=contact,
                user=user,
                answered_at=at,
                updated_at=at,
            )
        else:
            rating.score, rating.comment, rating.channel = score, comment, channel
            rating.contact, rating.user = contact or rating.contact, user or rating.user
            rating.updated_at = at
            rating.changes += 1
            rating.save()
        if rating.score <= LOW_SCORE and rating.alerted_at is None:
            rating.alerted_at = at
            rating.save(update_fields=["alerted_at"])
            _notify_low_score(locked, rating, at)
    return rating


def low_score_recipients(ticket: Ticket) -> set[int]:
    """User ids told of a low score: the client's service manager and backup, the contract's
    referent technician and the managers."""
    users = set(
        get_user_model()
        .objects.filter(
            groups__name__in=[MANAGER_GROUP, DEPUTY_GROUP], is_active=True, is_staff=True
        )
        .values_list("pk", flat=True)
    )
    contract = ticket.contract
    if contract is not None and contract.referent_id:
        referent = contract.referent
        if referent.user.is_active:
            users.add(referent.user_id)
    return users | service_manager_ids(ticket.client_id)


def _notify_low_score(ticket: Ticket, rating: Rating, at: datetime) -> None:
    drafts = [
        Draft(
            recipient_id=user_id,
            kind=NoticeKind.LOW_SATISFACTION,
            source=f"satisfaction:{rating.pk}",
            url=reverse("backoffice:ticket", args=[ticket.reference]),
            ticket_id=ticket.pk,
            params={
                "reference": ticket.reference,
                "title": ticket.title,
                "score": rating.score,
                "excerpt": rating.comment[:200],
            },
        )
        for user_id in sorted(low_score_recipients(ticket))
    ]
    notices_create(drafts=drafts, at=at)
