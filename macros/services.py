"""Writes of macros, and the ticket entry written with a macro.

The entry and what the macro sets go through ``tickets.services`` in one transaction: the
report or note (``ticket_add_entry``), then, when the macro says so, the pending state on the
client (``ticket_set_pending``). Either both happen or neither."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staff import policy
from tickets.models import PendingOn, State, Ticket, TicketEvent
from tickets.services import ticket_add_entry, ticket_set_pending

from .models import Macro, Scope
from .placeholders import PLACEHOLDERS, fill, unknown_placeholders, values_for
from .selectors import macros_for, may_edit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FIELDS = (
    "name",
    "body",
    "scope",
    "team",
    "visibility",
    "set_pending_on_client",
    "pending_reason",
    "minutes_spent",
    "is_active",
)


def _validate(values: dict[str, Any], by: User) -> None:
    policy.check(by, policy.Action.BACKOFFICE)
    if values.get("scope") == Scope.TEAM and not policy.is_manager_role(by):
        raise PermissionDenied(
            _("Seuls le responsable et son adjoint gèrent les réponses d'équipe.")
        )
    if values.get("scope") != Scope.TEAM:
        values["team"] = ""
    errors = {}
    for field in ("body", "pending_reason"):
        unknown = unknown_placeholders(values.get(field, ""))
        if unknown:
            errors[field] = _("Champs inconnus : %(unknown)s. Champs possibles : %(known)s.") % {
                "unknown": ", ".join("{" + name + "}" for name in unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            }
    if errors:
        raise ValidationError(errors)


def macro_create(*, by: User, **values: Any) -> Macro:
    values = {k: v for k, v in values.items() if k in FIELDS}
    _validate(values, by)
    return Macro.objects.create(owner=by, **values)


def macro_update(*, macro: Macro, by: User, **values: Any) -> Macro:
    if not may_edit(by, macro):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette réponse type."))
    values = {k: v for k, v in values.items() if k in FIELDS}
    _validate(values, by)
    for field, value in values.items():
        setattr(macro, field, value)
    macro.updated_at = timezone.now()
    macro.save()
    return macro


def macro_delete(*, macro: Macro, by: User) -> None:
    if not may_edit(by, macro):
        raise PermissionDenied(_("Vous ne pouvez pas supprimer cette réponse type."))
    macro.delete()


def macro_render(*, macro: Macro, ticket: Ticket, by: User) -> str:
    return fill(macro.body, values_for(ticket, by))


def offered_macro(user: User, macro_id) -> Macro | None:
    """The macro ``macro_id`` if it is offered to ``user`` (else None: a forged id is ignored)."""
    try:
        pk = int(macro_id)
    except (TypeError, ValueError):
        return None
    return macros_for(user).filter(pk=pk).first()


def entry_submit(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    public: bool,
    minutes_spent: int = 0,
    macro: Macro | None = None,
) -> TicketEvent:
    """Add the report or note; with a macro that puts the ticket pending on the client, do it
    in the same transaction (refused, with nothing written, when the ticket is not in progress).
    """
    if macro is None or not macro.set_pending_on_client:
        return ticket_add_entry(
            ticket=ticket, by=by, body=body, public=public, minutes_spent=minutes_spent
        )
    if ticket.state != State.IN_PROGRESS:
        raise ValidationError(
            _(
                "La réponse type « %(name)s » met la demande en attente du client : elle doit "
                "être « Prise en charge » (elle est « %(state)s »)."
            )
            % {"name": macro.name, "state": ticket.get_state_display()}
        )
    reason = fill(macro.pending_reason, values_for(ticket, by)).strip() or _(
        "En attente de votre retour."
    )
    with transaction.atomic():
        event = ticket_add_entry(
            ticket=ticket,
            by=by,
            body=body,
            public=public,
            minutes_spent=minutes_spent,
            payload={"macro": macro.pk},
        )
        ticket_set_pending(ticket=ticket, by=by, reason=reason, on=PendingOn.CLIENT)
    return event
