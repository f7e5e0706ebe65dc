"""Form fields rendered in Python: ``backoffice/_form_fields.html`` and ``_field.html``.

The ticket page shows six forms of some twenty fields; rendered through the two includes and
Django's widget templates (``input.html``, ``attrs.html``: a template per widget, a loop per
attribute), they were a third of the page's template time (issue 23). The markup is the
templates' own, escaped as ``{{ }}`` escapes; a widget this module does not know is still
rendered by Django.
"""

from __future__ import annotations

import html

from django import forms
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Widget templates that only include ``input.html``.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime",
        "time", "search", "tel", "color", "checkbox", "file",
    )
)  # fmt: skip
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
# Option templates that only include ``input.html`` when the label is not wrapped (``tag()``).
OPTION_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html" for name in ("input_option", "radio_option")
)


def escape(value) -> str:
    """``django.utils.html.escape``, the same text without its check of lazy arguments
    (``keep_lazy``): it runs for every attribute and option, a few hundred times per ticket page
    (issue 23). What is built here is marked safe as a whole."""
    return html.escape(str(value))


def conditional_escape(value) -> str:
    """``django.utils.html.conditional_escape``, without the same check."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def widget_markup(field: BoundField) -> SafeString:
    """``str(field)`` (``BoundField.as_widget``), its template written out for inputs and
    text areas: the same attributes and value, from the widget's own ``get_context``."""
    widget = field.field.widget
    if field.field.show_hidden_initial:
        return mark_safe(str(field))  # noqa: S308 (Django's own rendering)
    template = getattr(widget, "template_name", "")
    plain = type(widget).render is forms.Widget.render and not field.field.localize
    if not plain or (template not in INPUT_TEMPLATES and template != TEXTAREA_TEMPLATE):
        return field.as_widget()
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    name, value = escape(context["name"]), context["value"]
    if template == TEXTAREA_TEMPLATE:
        text = conditional_escape(value) if value else ""
        return mark_safe(f'<textarea name="{name}"{_attrs(context["attrs"])}>\n{text}</textarea>')  # noqa: S308 (escaped)
    return mark_safe(_input(context))  # noqa: S308 (every value escaped)


def _input(context: dict) -> str:
    # django/forms/widgets/input.html
    value = context["value"]
    shown = "" if value is None else f' value="{escape(value)}"'
    return (
        f'<input type="{escape(context["type"])}" name="{escape(context["name"])}"{shown}'
        f"{_attrs(context['attrs'])}>"
    )


def _option_tag(option) -> str:
    """``option.tag()`` of a radio button (``BoundWidget``): its input alone."""
    widget = option.parent_widget
    if (
        option.template_name not in OPTION_TEMPLATES
        or type(widget).render is not forms.Widget.render
    ):
        return option.tag()
    return _input(option.data)


def field_html(field: BoundField) -> str:
    """``backoffice/_field.html``."""
    widget_type = getattr(field.field.widget, "input_type", None)
    classes = "field"
    if field.errors:
        classes += " has-error"
    if widget_type == "checkbox":
        classes += " check"
    label = conditional_escape(field.label)
    if widget_type == "checkbox":
        control = (
            f'{widget_markup(field)} <label for="{conditional_escape(field.id_for_label)}">'
            f"{label}</label>"
        )
    elif widget_type == "radio":
        radios = "".join(
            f'<label class="radio" for="{conditional_escape(radio.id_for_label)}">'
            f"{_option_tag(radio)} {conditional_escape(radio.choice_label)}</label>"
            for radio in field
        )
        control = f"<fieldset><legend>{label}</legend>{radios}</fieldset>"
    else:
        control = (
            f'<label for="{conditional_escape(field.id_for_label)}">{label}</label>'
            f"{widget_html(field)}"
        )
    help_text = (
        f'<small class="help">{conditional_escape(field.help_text)}</small>'
        if field.help_text
        else ""
    )
    errors = (
        '<div class="error" role="alert">'
        f"{' '.join(conditional_escape(str(e)) for e in field.errors)}</div>"
        if field.errors
        else ""
    )
    return f'\n<div class="{classes}">\n  {control}\n  {help_text}\n  {errors}\n</div>\n'


def form_fields_html(form) -> SafeString:
    """``backoffice/_form_fields.html``: non-field errors, hidden fields, then each field."""
    parts = []
    if form.non_field_errors():
        errors = " ".join(conditional_escape(str(e)) for e in form.non_field_errors())
        parts.append(f'<div class="error" role="alert">{errors}</div>')
    parts.append("\n")
    for field in form:
        parts.append(widget_markup(field) if field.is_hidden else field_html(field))
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


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


def widget_html(field: BoundField):
    """The field's widget; plain selects are rendered directly in Python.

    Django renders each <option> through a template: a select of 300 clients would cost tens
    of milliseconds per page. Inputs and text areas: ``widget_markup``.
    """
    widget = field.field.widget
    if type(widget) is not forms.Select:
        return widget_markup(field)
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
    options = "".join(_options(field.field.choices, selected))  # type: ignore[attr-defined]
    return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe(options))  # noqa: S308 (escaped in _options)
