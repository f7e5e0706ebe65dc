"""POST endpoints of the "Abonnés" panel: follow, stop following, add or remove a watcher.

Every write goes through ``tickets.services.ticket_watcher_add/remove`` (which log it). With
htmx the panel alone comes back, messages and errors inside it; without JavaScript the browser
is sent back to the ticket page (or gets it with the form's errors, status 400).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.models import TicketWatcher
from tickets.services import TicketTransitionError, ticket_watcher_add, ticket_watcher_remove

from ..access import staff_required
from ..forms import WatcherForm, apply_validation_error
from ..watching import watchers_editable, watchers_panel
from .ticket import PageLists, get_ticket, render_ticket
from .ticket_actions import ticket_url


def _done(request, ticket, *, ok: str = "", error: str = "", form: WatcherForm | None = None):
    if request.htmx:
        lists = PageLists(ticket)
        context = {
            "ticket": ticket,
            "flash": [("error", error)] if error else [("success", ok)] if ok else [],
            **watchers_panel(
                ticket,
                request.user,
                technicians=lists.technicians,
                contacts=lists.contacts,
                form=form,
            ),
        }
        return render(request, "backoffice/_watchers.html", context)
    if form is not None:
        return render_ticket(request, ticket, bound={"watch": form}, status=400)
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(ticket_url(ticket))


def _refusal(ticket) -> str:
    return _("Les abonnés d'une demande %(state)s ne peuvent plus changer.") % {
        "state": ticket.get_state_display().lower()
    }


@staff_required
@require_POST
def watcher_add(request, reference: str):
    ticket = get_ticket(reference)
    if not watchers_editable(ticket):
        return _done(request, ticket, error=_refusal(ticket))
    form = WatcherForm(request.POST, ticket=ticket, auto_id="id_watch_%s")
    if not form.is_valid():
        return _done(request, ticket, form=form)
    technician, contact = form.cleaned_data["technician"], form.cleaned_data["contact"]
    try:
        watcher = ticket_watcher_add(
            ticket=ticket,
            by=request.user,
            user=technician.user if technician else None,
            contact=contact,
        )
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _done(request, ticket, form=form)
    except TicketTransitionError as exc:
        return _done(request, ticket, error=str(exc))
    return _done(request, ticket, ok=_("%(name)s suit la demande.") % {"name": _name(watcher)})


@staff_required
@require_POST
def watcher_follow(request, reference: str):
    """The viewer follows the ticket in one click."""
    ticket = get_ticket(reference)
    if not watchers_editable(ticket):
        return _done(request, ticket, error=_refusal(ticket))
    try:
        ticket_watcher_add(ticket=ticket, by=request.user, user=request.user)
    except (ValidationError, TicketTransitionError) as exc:
        return _done(request, ticket, error=" ".join(_messages(exc)))
    return _done(request, ticket, ok=_("Vous suivez cette demande."))


@staff_required
@require_POST
def watcher_unfollow(request, reference: str):
    ticket = get_ticket(reference)
    if not watchers_editable(ticket):
        return _done(request, ticket, error=_refusal(ticket))
    watcher = TicketWatcher.objects.filter(ticket=ticket, user=request.user).first()
    if watcher is not None:
        ticket_watcher_remove(ticket=ticket, by=request.user, watcher=watcher)
    return _done(request, ticket, ok=_("Vous ne suivez plus cette demande."))


@staff_required
@require_POST
def watcher_remove(request, reference: str, pk: int):
    ticket = get_ticket(reference)
    watcher = get_object_or_404(
        TicketWatcher.objects.select_related("user", "contact"), pk=pk, ticket=ticket
    )
    if not watchers_editable(ticket):
        return _done(request, ticket, error=_refusal(ticket))
    ticket_watcher_remove(ticket=ticket, by=request.user, watcher=watcher)
    return _done(
        request, ticket, ok=_("%(name)s ne suit plus la demande.") % {"name": _name(watcher)}
    )


def _name(watcher: TicketWatcher) -> str:
    if watcher.user_id:
        return watcher.user.get_full_name() or watcher.user.get_username()
    return str(watcher.contact)


def _messages(exc: Exception) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]
