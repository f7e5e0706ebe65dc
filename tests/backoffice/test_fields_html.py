"""Form fields and dispatch rows built in Python give the markup Django's templates gave."""

import re

from django import forms
from django.template import engines

from backoffice.fields_html import field_html, form_fields_html, widget_markup

# backoffice/_field.html before it was built in Python (issue 23), the reference of the markup.
FIELD_TEMPLATE = """{% load backoffice %}{% with widget_type=field.field.widget.input_type %}
<div class="field{% if field.errors %} has-error{% endif %}{% if widget_type == 'checkbox' %} check{% endif %}">
  {% if widget_type == "checkbox" %}{{ field }} <label for="{{ field.id_for_label }}">{{ field.label }}</label>
  {% elif widget_type == "radio" %}<fieldset><legend>{{ field.label }}</legend>{% for radio in field %}<label class="radio" for="{{ radio.id_for_label }}">{{ radio.tag }} {{ radio.choice_label }}</label>{% endfor %}</fieldset>
  {% else %}<label for="{{ field.id_for_label }}">{{ field.label }}</label>{{ field|widget_html }}{% endif %}
  {% if field.help_text %}<small class="help">{{ field.help_text }}</small>{% endif %}
  {% if field.errors %}<div class="error" role="alert">{{ field.errors|join:" " }}</div>{% endif %}
</div>
{% endwith %}"""  # noqa: E501


class Every(forms.Form):
    text = forms.CharField(label="Titre <b>", help_text="Aide & <i>", initial='a "b" <c>')
    number = forms.IntegerField(min_value=1)
    body = forms.CharField(widget=forms.Textarea, initial="ligne <1>\nligne 2")
    flag = forms.BooleanField(required=False, initial=True)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h&")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "data-on": True}))
    mail = forms.EmailField(disabled=True, initial="a@b.example")
    kept = forms.CharField(show_hidden_initial=True, initial="k")
    choice = forms.ChoiceField(choices=[("1", "Un <1>"), ("2", "Deux")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        choices=[("x", "X")], widget=forms.CheckboxSelectMultiple, required=False
    )
    upload = forms.FileField(required=False)

    def clean(self):
        raise forms.ValidationError("Erreur <globale> & co")


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def forms_to_check():
    bound = Every(data={"text": "<x>", "number": "0", "choice": "3"})
    bound.is_valid()
    return [Every(), Every(auto_id="id_other_%s"), bound]


def test_every_widget_is_the_one_django_renders():
    for form in forms_to_check():
        for field in form:
            assert widget_markup(field) == str(field), field.name


def test_every_field_is_the_former_template_whitespace_aside():
    template = engines["django"].from_string(FIELD_TEMPLATE)
    for form in forms_to_check():
        for field in form:
            if not field.is_hidden:
                expected = template.render({"field": field})
                assert squeeze(field_html(field)) == squeeze(expected), field.name


def test_form_errors_come_first_escaped_and_hidden_fields_bare():
    form = forms_to_check()[-1]
    html = form_fields_html(form)
    assert html.startswith('<div class="error" role="alert">Erreur &lt;globale&gt; &amp; co</div>')
    assert "Aide &amp; &lt;i&gt;" in html
    assert 'value="&lt;x&gt;"' in html
    unbound = form_fields_html(forms_to_check()[0])
    assert '<input type="hidden" name="hidden" value="h&amp;" id="id_hidden">' in unbound


def test_dispatch_rows_escape_every_value():
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace as Row

    from backoffice.dispatch_rows import dispatch_rows_html
    from sla.status import GtiStatus

    technician = Row(pk=7, display_name="Zoé <b>", level_label="Expert", team_label="Desk & co")
    gti = GtiStatus(
        deadline=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        duration=timedelta(hours=4),
        remaining=timedelta(0),
        overdue=timedelta(hours=3, minutes=4),
        consumed_ratio=1.2,
        at_risk=False,
        breached=True,
        measured=None,
        met=None,
    )
    ticket = Row(
        reference="OC-1", gti=gti, countdown=None, unread_activity=True, urgency="critical",
        urgency_label="Critique", complexity_label="Confirmé", state="new", state_label="Nouvelle",
        gti_deadline=gti.deadline, title="<script>x</script>", client=Row(name='A "&" B'),
        site=None, assignee=None, last_client_activity_at=None,
    )  # fmt: skip
    suggestion = Row(
        technician=technician, rank=1, referent=True, qualified=True, current=False,
        summary="Niveau <Expert>", reasons=("Niveau <Expert>",),
    )  # fmt: skip
    rows = [{"ticket": ticket, "orphaned": True, "top": [suggestion], "more": [suggestion]}]
    html = dispatch_rows_html(rows, "token")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "A &quot;&amp;&quot; B" in html
    assert '<strong>1. Zoé &lt;b&gt;</strong> <small class="muted">Expert · Desk &amp; co' in html
    assert '<option value="7">1. Zoé &lt;b&gt; — Niveau &lt;Expert&gt;</option>' in html
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="token">' in html
    assert 'class="card dispatch-row row-breached" id="d-OC-1"' in html
    assert 'class="unread-marker"' in html and 'class="badge risk"' in html
