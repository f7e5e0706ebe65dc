"""The on-call feed speaks the language the calendar app asks for (French by default)."""

import icalendar
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from oncall.feeds import feed_rotate
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db


def _fetch(client, token: str, **headers) -> icalendar.Calendar:
    with time_machine.travel(paris(2026, 10, 2, 12, 0), tick=False):
        response = client.get(reverse("oncall:ical_feed", args=[token]), **headers)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def test_an_english_calendar_app_reads_the_feed_in_english(client, rotation):
    _rot, (alice, *_others) = rotation
    _feed, token = feed_rotate(alice)
    calendar = _fetch(client, token, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    first = calendar.walk("VEVENT")[0]
    with translation.override("en"):
        assert str(first["summary"]) == gettext("Astreinte Oceanis") == "Oceanis on-call"
        week = gettext("Semaine %(number)d du roulement.") % {"number": 1}
    assert str(first["description"]).startswith(week)
    assert str(first["description"]).startswith("Week 1 of the rotation.")  # needs catalogue
    assert "Semaine" not in str(first["description"])


def test_without_a_language_the_feed_is_french(client, rotation):
    _rot, (alice, *_others) = rotation
    _feed, token = feed_rotate(alice)
    first = _fetch(client, token).walk("VEVENT")[0]
    assert str(first["summary"]) == "Astreinte Oceanis"
    assert str(first["description"]).startswith("Semaine 1 du roulement.")
