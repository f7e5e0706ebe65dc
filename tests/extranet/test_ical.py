"""The client's planning feed read back by an iCalendar parser: same events, hostile text intact."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from clients.models import Site
from oceanis import ical
from tickets.models import PlannedIntervention, Ticket

pytestmark = pytest.mark.django_db

HOSTILE = 'Baie; "SAN", rack\r\nB2\rétage 3\nC:\\Nouveau\\new\x1bfin'
# What a calendar app reads back: line breaks normalised to \n, the control character dropped.
READ_BACK = 'Baie; "SAN", rack\nB2\nétage 3\nC:\\Nouveau\\newfin'


def test_the_feed_parses_back_with_the_interventions_and_hostile_text_intact(client, org_a):
    Ticket.objects.filter(pk=org_a.ticket.pk).update(title=HOSTILE)
    Site.objects.filter(pk=org_a.site.pk).update(name=HOSTILE)
    PlannedIntervention.objects.filter(pk=org_a.intervention.pk).update(
        mode=PlannedIntervention.Mode.ON_SITE
    )
    response = client.get(reverse("extranet:planning_feed", args=[org_a.feed_token]))
    assert response.status_code == 200
    document = icalendar.Calendar.from_ical(response.content)
    [event] = document.walk("VEVENT")
    intervention = org_a.intervention
    start = intervention.starts_at.replace(microsecond=0)  # iCalendar times are to the second
    assert str(event["uid"]) == f"intervention-{intervention.pk}@oceanis-service-desk"
    assert event["dtstart"].dt == start and event["dtstart"].dt.utcoffset() == dt.timedelta(0)
    assert event["dtend"].dt == start + intervention.duration
    assert str(event["summary"]) == f"Intervention sur site – {org_a.ticket.reference} {READ_BACK}"
    assert f"Demande {org_a.ticket.reference} : {READ_BACK}\n" in str(event["description"])
    assert str(event["location"]) == READ_BACK
    assert str(event["url"]).endswith(reverse("extranet:request", args=[org_a.ticket.pk]))
    assert str(document["prodid"]) == "-//Oceanis//Service Desk Extranet//FR"


def test_the_calendar_name_is_escaped_as_text():
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    text = ical.calendar([], name=HOSTILE, now=now, product="Test")
    assert "\r" not in text.replace("\r\n", "")  # a lone CR would split the line for a client
    # X-WR-CALNAME is not standard, so the parser needs telling that it is TEXT.
    typed = text.replace("X-WR-CALNAME:", "X-WR-CALNAME;VALUE=TEXT:")
    assert str(icalendar.Calendar.from_ical(typed)["x-wr-calname"]) == READ_BACK
