"""The Python-rendered select used by back-office forms behaves like Django's own widget."""

import pytest
from django import forms

from backoffice.templatetags.backoffice import hm, minutes_hm, widget_html
from clients.models import Client
from tests.factories import ClientFactory


class Sample(forms.Form):
    color = forms.ChoiceField(choices=[("", "—"), ("red", "Rouge <vif>"), ("blue", "Bleu")])
    client = forms.ModelChoiceField(Client.objects.order_by("name"), required=False)
    note = forms.CharField(required=False)


def test_the_selected_choice_is_marked_and_labels_are_escaped():
    html = widget_html(Sample(data={"color": "red"})["color"])
    assert html.startswith('<select id="id_color" name="color" required>')
    assert '<option value="red" selected>Rouge &lt;vif&gt;</option>' in html
    assert '<option value="blue">Bleu</option>' in html


@pytest.mark.django_db
def test_model_choices_use_primary_keys_and_the_initial_value():
    first, second = ClientFactory(name="Alpha"), ClientFactory(name="Beta")
    html = widget_html(Sample(initial={"client": second})["client"])
    assert f'<option value="{first.pk}">Alpha</option>' in html
    assert f'<option value="{second.pk}" selected>Beta</option>' in html
    assert '<option value="">---------</option>' in html


def test_errors_flag_the_select_and_other_widgets_keep_djangos_rendering():
    form = Sample(data={"color": "green"})
    form.is_valid()
    assert 'aria-invalid="true"' in widget_html(form["color"])
    assert widget_html(form["note"]) == form["note"].as_widget()


def test_durations_read_like_the_calendar_explanations():
    import datetime as dt

    assert hm(dt.timedelta(hours=3, minutes=30)) == "3 h 30"
    assert hm(None) == "—"
    assert minutes_hm(75) == "1 h 15"
    assert minutes_hm(0) == "0 min"
