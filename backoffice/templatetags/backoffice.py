"""Template helpers for the back-office: durations, roles, countdown attributes."""

from __future__ import annotations

from datetime import timedelta

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe

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
    # Plain string building: a format_html per option (escape, mark_safe, lazy checks) costs
    # more than the rest of a queue row for a select of 300 clients (issue 23).
    for value, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            inner = "".join(_options(label, selected))
            yield f'<optgroup label="{conditional_escape(value)}">{inner}</optgroup>'
            continue
        key = "" if value is None else str(value)
        mark = " selected" if key in selected else ""
        yield f'<option value="{escape(key)}"{mark}>{conditional_escape(label)}</option>'


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
    options = "".join(_options(field.field.choices, selected))
    return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe(options))  # noqa: S308 (escaped in _options)


@register.filter
def suggestion_options(suggestions) -> str:
    """The <option>s of a dispatch row's "other technician" select, built in Python: a dozen
    options on each of the page's rows would be the screen's largest template loop."""
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'<option value="{s.technician.pk}">{s.rank}. '
            f"{escape(getattr(s.technician, 'display_name', s.technician))} — "
            f"{escape(s.summary or ' · '.join(s.reasons))}</option>"
            for s in suggestions
        )
    )
