"""Stored sentences in the reader's language: ``{{ event|stored_text }}`` (the ``body``),
``{{ event|stored_text:"note" }}`` (another field), ``{{ row.last_error|stored_text }}`` (a bare
stored text). See ``oceanis.messages``."""

from __future__ import annotations

from django import template

from oceanis.messages import text_of, translate_stored

register = template.Library()


@register.filter
def stored_text(value, field: str = "body") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return translate_stored(value)
    return text_of(value, field)


@register.filter
def closure_text(ticket, events) -> str:
    """The ticket's closure synthesis in the reader's language, from its closing event among
    ``events`` (the page's timeline, already loaded: no query); as stored otherwise."""
    stored = ticket.closure_synthesis or ""
    for item in reversed(list(events or ())):
        event = getattr(item, "event", item)  # a timeline line or the event itself
        if getattr(event, "to_state", "") == "closed" and event.body == stored:
            return text_of(event)
    return translate_stored(stored)
