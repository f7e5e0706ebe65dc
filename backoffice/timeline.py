"""Timeline lines of a ticket: one per immutable event, with a human summary of its payload."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from sla.policy import Urgency
from tickets.models import EscalationLevel, EventKind, State, Ticket, TicketEvent


@dataclass(frozen=True)
class Line:
    event: TicketEvent
    summary: str  # what the payload says, e.g. "N1 → N2" or "à Julien Morel"
    attachments: tuple
    label: str = ""  # the event's kind, in the reader's language


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _change(choices, payload: dict) -> str:
    return f"{_label(choices, payload.get('from'))} → {_label(choices, payload.get('to'))}"


def _qualification_change(name: str, values) -> str:
    """ "domaine technique : — → Sauvegarde"; related objects by field name only (no query)."""
    try:
        field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if field.is_relation or not isinstance(values, list | tuple) or len(values) != 2:
        return str(field.verbose_name)
    choices = dict(field.flatchoices)

    def show(value):
        if isinstance(value, bool):
            return _("oui") if value else _("non")
        return str(choices.get(value, value)) if value not in ("", None) else "—"

    return f"{field.verbose_name} : {show(values[0])} → {show(values[1])}"


def summarize(event: TicketEvent) -> str:
    """The payload as one short sentence (the body is shown as is)."""
    payload = event.payload or {}
    kind = event.kind
    if kind == EventKind.ASSIGNED:
        return _("à %(name)s") % {"name": payload.get("assignee_name", "?")}
    if kind in (EventKind.TRANSITION, EventKind.CREATED) and event.to_state:
        if event.from_state:
            return f"{_label(State, event.from_state)} → {_label(State, event.to_state)}"
        return _label(State, event.to_state)
    if kind == EventKind.ESCALATION:
        if payload.get("resolver_name"):
            return _("%(change)s, résolution : %(name)s") % {
                "change": _change(EscalationLevel, payload),
                "name": payload["resolver_name"],
            }
        return _change(EscalationLevel, payload)
    if kind == EventKind.URGENCY:
        return _change(Urgency, payload)
    if kind == EventKind.QUALIFICATION:
        return " ; ".join(
            _qualification_change(n, v) for n, v in payload.get("changes", {}).items()
        )
    if kind in (EventKind.EMAIL_IN, EventKind.EMAIL_OUT):
        recipients = payload.get("recipients") or payload.get("to") or ""
        if isinstance(recipients, list | tuple):
            recipients = ", ".join(map(str, recipients))
        parts = [str(payload.get("subject") or ""), str(recipients)]
        return " — ".join(p for p in parts if p)
    return ""


def timeline(events, attachments) -> list[Line]:
    """Lines in chronological order, each with the attachments added with it."""
    by_event: dict[int, list] = {}
    for attachment in attachments:
        if attachment.event_id:
            by_event.setdefault(attachment.event_id, []).append(attachment)
    # The kinds' labels translated once: ``get_kind_display`` translates every label of the
    # field on each call, a few dozen lookups per line of a long history.
    labels = {value: str(label) for value, label in EventKind.choices}
    return [
        Line(e, summarize(e), tuple(by_event.get(e.pk, ())), labels.get(e.kind, e.kind))
        for e in events
    ]
