"""Template helpers for the back-office: durations, roles, countdown attributes."""

from __future__ import annotations

from datetime import timedelta

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

from sla.explain import format_duration

from ..access import user_is_manager

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


def _options(choices, selected: set[str]):
    for value, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            yield format_html(
                '<optgroup label="{}">{}</optgroup>',
                value,
                format_html_join("", "{}", ((o,) for o in _options(label, selected))),
            )
            continue
        key = "" if value is None else str(value)
        yield format_html(
            '<option value="{}"{}>{}</option>', key, " selected" if key in selected else "", label
        )


@register.filter
def widget_html(field: BoundField):
    """The field's widget; plain selects are rendered directly in Python.

    Django renders each <option> through a template: a select of 300 clients would cost tens
    of milliseconds per page. Other widgets keep Django's rendering.
    """
    widget = field.field.widget
    if type(widget) is not forms.Select:
        return field.as_widget()
    attrs = field.build_widget_attrs(dict(widget.attrs))
    attrs["name"] = field.html_name
    if field.auto_id:
        attrs["id"] = field.auto_id
    if field.errors:
        attrs["aria-invalid"] = "true"
    value = field.value()
    selected = {
        "" if v is None else str(v) for v in (value if isinstance(value, list) else [value])
    }
    return format_html(
        "<select{}>{}</select>",
        flatatt(attrs),
        format_html_join("", "{}", ((o,) for o in _options(field.field.choices, selected))),
    )
