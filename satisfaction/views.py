"""Rating pages: the signed link of the closure mail (no login) and the extranet form.

The mail's link opens a page with the chosen score preselected; the answer is recorded when
the page's form is sent (a GET never writes: mail scanners follow links). A tampered or
malformed link answers 400, an expired one 410, each with a page saying what to do; never 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from extranet.access import contact_required
from extranet.selectors import visible_tickets
from tickets.models import Ticket

from .forms import RatingForm
from .models import Channel
from .selectors import rating_of
from .services import RatingClosed, answer_deadline, check_open, rating_submit
from .tokens import read_token


def _problem(request, title: str, text: str, status: int):
    return render(
        request, "satisfaction/problem.html", {"title": title, "text": text}, status=status
    )


@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    try:
        ticket_id = read_token(token)
    except signing.SignatureExpired:
        return _problem(
            request,
            _("Ce lien a expiré"),
            _(
                "Le délai pour donner votre avis sur cette demande est passé. Merci de votre "
                "intérêt : vous pouvez toujours nous écrire en répondant au mail."
            ),
            410,
        )
    except signing.BadSignature:
        return _problem(
            request,
            _("Lien invalide"),
            _(
                "Ce lien d'avis est incomplet ou a été modifié. Utilisez le lien reçu dans le "
                "mail de clôture, sans le modifier."
            ),
            400,
        )
    ticket = Ticket.objects.filter(pk=ticket_id).select_related("client").first()
    if ticket is None:
        return _problem(request, _("Demande introuvable"), _("Cette demande n'existe plus."), 404)
    try:
        check_open(ticket)
    except RatingClosed as exc:
        return _problem(request, _("Avis impossible"), str(exc), 410)
    existing = rating_of(ticket)
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating_submit(
                    ticket=ticket,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    channel=Channel.MAIL,
                )
            except RatingClosed as exc:
                return _problem(request, _("Avis impossible"), str(exc), 410)
            except ValidationError as exc:
                form.add_error("score", exc.messages[0])
            else:
                return render(
                    request,
                    "satisfaction/thanks.html",
                    {"ticket": ticket, "deadline": answer_deadline(ticket), "token": token},
                )
        status = 400
    else:
        initial = {"comment": existing.comment if existing else ""}
        chosen = request.GET.get("note", "")
        if chosen in {"1", "2", "3", "4", "5"}:
            initial["score"] = int(chosen)
        elif existing:
            initial["score"] = existing.score
        form = RatingForm(initial=initial)
        status = 200
    return render(
        request,
        "satisfaction/rate.html",
        {
            "ticket": ticket,
            "form": form,
            "existing": existing,
            "deadline": answer_deadline(ticket),
            "action": reverse("satisfaction:rate", args=[token]),
        },
        status=status,
    )


@contact_required
@require_POST
def extranet_rate(request, ticket_id: int):
    """The extranet's form on a closed request (the contact's own organisation only)."""
    ticket = get_object_or_404(visible_tickets(request.contact), pk=ticket_id)
    back = reverse("extranet:request", args=[ticket.pk]) + "#avis"
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une note de 1 à 5."))
        return redirect(back)
    try:
        rating_submit(
            ticket=ticket,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            channel=Channel.EXTRANET,
            contact=request.contact,
            user=request.user,
        )
    except RatingClosed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Merci pour votre avis."))
    return redirect(back)
