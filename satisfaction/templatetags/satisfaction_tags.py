"""``{% rating_link ticket as url %}``: the signed rating link of a closed ticket's closure mail
(empty for a ticket that is not closed, e.g. a merged duplicate's cancellation)."""

from django import template

from ..tokens import rating_url

register = template.Library()


@register.simple_tag
def rating_link(ticket) -> str:
    if getattr(ticket, "state", None) != "closed":
        return ""
    return rating_url(ticket.pk)


@register.inclusion_tag("satisfaction/_extranet_card.html", takes_context=True)
def extranet_rating_card(context, ticket):
    """The rating card of a closed request in the extranet (one query, closed tickets only)."""
    from django.utils import timezone

    from ..forms import RatingForm
    from ..selectors import rating_of
    from ..services import answer_deadline

    if getattr(ticket, "state", None) != "closed":
        return {"rating_form": None}
    rating = rating_of(ticket)
    deadline = answer_deadline(ticket)
    initial = {"score": rating.score, "comment": rating.comment} if rating else {}
    return {
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "rating": rating,
        "rating_form": RatingForm(initial=initial, auto_id="id_rating_%s"),
        "rating_deadline": deadline,
        "rating_open": deadline is not None and timezone.now() <= deadline,
    }
