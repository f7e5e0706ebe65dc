"""A client contact's interventions feed is written in the contact's language."""

import icalendar
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db


def _summaries(client, token: str) -> tuple[list[str], str]:
    response = client.get(reverse("extranet:planning_feed", args=[token]))
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return [str(e["summary"]) for e in calendar.walk("VEVENT")], str(calendar["x-wr-calname"])


def test_an_english_speaking_contact_gets_the_feed_in_english(client, org_a):
    org_a.contact.language = "en"
    org_a.contact.save(update_fields=["language"])
    summaries, name = _summaries(client, org_a.feed_token)
    ticket = org_a.ticket
    with translation.override("en"):
        expected = gettext("Intervention %(mode)s – %(ref)s %(title)s") % {
            "mode": gettext("À distance").lower(),
            "ref": ticket.reference,
            "title": ticket.title,
        }
    assert summaries == [expected]
    assert summaries == [f"Intervention (remote) – {ticket.reference} {ticket.title}"]
    assert name == f"Oceanis interventions – {org_a.client.name}"


def test_a_french_speaking_contact_gets_it_in_french_whatever_the_app_asks(client, org_a):
    response_summaries, name = _summaries(client, org_a.feed_token)
    assert response_summaries[0].startswith("Intervention à distance – ")
    assert name.startswith("Interventions Oceanis – ")
