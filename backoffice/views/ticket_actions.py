"""POST endpoints of the ticket page: transitions, entries, attachments (and their download).

A forbidden action (not offered to this user in this state, e.g. a forged POST) changes nothing
and says why; a service refusal (TicketTransitionError, ValidationError) likewise.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from macros.services import entry_submit, offered_macro
from tickets.models import Attachment
from tickets.services import TicketTransitionError, ticket_attach_file

from ..access import staff_required, user_is_manager
from ..actions import ACTIONS, available_actions, refusal
from ..forms import AttachmentForm, EntryForm, apply_validation_error
from .ticket import get_ticket, render_ticket

# Served as downloads only; these would run script in the browser if ever rendered inline.
ACTIVE_TYPES = (
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
)


def ticket_url(ticket) -> str:
    return reverse("backoffice:ticket", args=[ticket.reference])


@staff_required
@require_POST
def ticket_action(request, reference: str, action: str):
    ticket = get_ticket(reference)
    if action not in ACTIONS:
        raise Http404
    manager = user_is_manager(request)
    if action not in available_actions(ticket, request.user, manager=manager):
        messages.error(request, refusal(action, ticket, request.user, manager=manager))
        return redirect(ticket_url(ticket))
    spec = ACTIONS[action]
    form = spec.form(request.POST, ticket=ticket, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return render_ticket(request, ticket, bound={action: form}, status=400)
    try:
        spec.run(ticket, request.user, form.cleaned_data)
    except (TicketTransitionError, PermissionDenied) as exc:
        # PermissionDenied: the ticket changed hands since the page was shown (policy re-asked
        # under the row lock).
        messages.error(request, str(exc))
        return redirect(ticket_url(ticket))
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return render_ticket(request, ticket, bound={action: form}, status=400)
    messages.success(request, spec.done)
    return redirect(ticket_url(ticket))


@staff_required
@require_POST
def ticket_entry(request, reference: str):
    """A public report (compte-rendu) or an internal note, with the time spent."""
    ticket = get_ticket(reference)
    form = EntryForm(request.POST, auto_id="id_entry_%s")
    if form.is_valid():
        try:
            # A chosen canned answer may also put the ticket pending on the client (macros).
            entry_submit(
                ticket=ticket,
                by=request.user,
                body=form.cleaned_data["body"],
                public=form.cleaned_data["visibility"] == "public",
                minutes_spent=form.cleaned_data["minutes_spent"],
                macro=offered_macro(request.user, request.POST.get("macro")),
            )
        except TicketTransitionError as exc:
            messages.error(request, str(exc))
            return redirect(ticket_url(ticket))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            public = form.cleaned_data["visibility"] == "public"
            messages.success(
                request, _("Compte-rendu ajouté.") if public else _("Note interne ajoutée.")
            )
            return redirect(ticket_url(ticket))
    return render_ticket(request, ticket, bound={"entry": form}, status=400)


@staff_required
@require_POST
def ticket_attach(request, reference: str):
    ticket = get_ticket(reference)
    form = AttachmentForm(request.POST, request.FILES, auto_id="id_attach_%s")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment = ticket_attach_file(
                ticket=ticket,
                name=upload.name,
                content=upload.read(),
                by=request.user,
                public=form.cleaned_data["public"],
            )
        except TicketTransitionError as exc:
            messages.error(request, str(exc))
            return redirect(ticket_url(ticket))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Pièce jointe ajoutée : %(name)s") % {"name": attachment.original_name}
            )
            return redirect(ticket_url(ticket))
    return render_ticket(request, ticket, bound={"attach": form}, status=400)


@staff_required
@require_GET
def attachment_download(request, pk: int):
    """Staff only, always as a download (never rendered inline), with its sanitised name."""
    attachment = get_object_or_404(Attachment, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = attachment.content_type
    if content_type in ACTIVE_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
