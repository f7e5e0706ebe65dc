"""Template helpers for the back-office: durations, roles, countdown attributes."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from django import template
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe

from sla.explain import format_duration

from ..access import user_is_manager
from ..dispatch_rows import dispatch_rows_html, team_board_rows_html
from ..fields_html import field_html, form_fields_html, widget_html

register = template.Library()


@register.filter
def hm(value: timedelta | None) -> str:
    """A duration as "3 h 30" / "45 min"; an em dash when unknown."""
    if value is None:
        return "—"
    return format_duration(value)


@register.filter
def minutes_hm(value: int | None) -> str:
    """A number of minutes as "1 h 15"."""
    if not value:
        return "0 min"
    return format_duration(timedelta(minutes=value))


@register.filter
def can_dispatch(request) -> bool:
    """The current user is the centre manager or the deputy."""
    return user_is_manager(request)


@cache
def _labels(field) -> dict:
    """{value: lazy label} of a model field's choices."""
    return dict(field.flatchoices)


@register.filter
def choice_label(instance, name: str):
    """``{{ instance|choice_label:"name" }}``: ``instance.get_<name>_display()``, translating
    the label shown alone. Django's hashes every lazy label of the field's choices, a
    translation lookup each, at every call (issue 23)."""
    field = instance._meta.get_field(name)
    value = getattr(instance, field.attname)
    return force_str(_labels(field).get(value, value), strings_only=True)


# Plain selects and inputs rendered in Python (``backoffice.fields_html``).
register.filter(widget_html)


@register.simple_tag
def form_fields(form):
    """``backoffice/_form_fields.html``: every field of ``form`` with its label and errors."""
    return form_fields_html(form)


@register.simple_tag
def field_row(field):
    """``backoffice/_field.html``: one field with its label, help and errors."""
    return mark_safe(field_html(field))  # noqa: S308 (escaped in field_html)


@register.simple_tag(takes_context=True)
def dispatch_rows(context, rows):
    """The dispatch list's rows (``backoffice.dispatch_rows``), with the page's CSRF token."""
    return dispatch_rows_html(rows, str(context.get("csrf_token") or ""))


@register.simple_tag
def team_board_rows(board, off_shift):
    """The team board's rows on the dispatch screen (``backoffice.dispatch_rows``)."""
    return team_board_rows_html(board, off_shift)
