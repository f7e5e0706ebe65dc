"""Planning list, month grid, iCalendar feed and the service-level page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from extranet.models import CalendarFeed
from oceanis import ical
from tickets.planning import intervention_plan

pytestmark = pytest.mark.django_db


def test_planning_lists_upcoming_interventions_not_cancelled(contact_client, org_a, org_b, tech):
    cancelled = intervention_plan(
        ticket=org_a.ticket,
        technician=tech,
        starts_at=timezone.now() + dt.timedelta(days=3),
        duration=dt.timedelta(hours=1),
        by=tech.user,
    )
    cancelled.cancelled = True
    cancelled.save()
    response = contact_client.get(reverse("extranet:planning"))
    shown = list(response.context["interventions"])
    assert shown == [org_a.intervention]
    assert org_b.ticket.reference not in response.content.decode()


def test_planning_list_is_n_plus_one_free(contact_client, org_a, tech, django_assert_num_queries):
    for i in range(5):
        intervention_plan(
            ticket=org_a.ticket,
            technician=tech,
            starts_at=timezone.now() + dt.timedelta(days=5 + i),
            duration=dt.timedelta(hours=1),
            by=tech.user,
        )
    with django_assert_num_queries(7):  # session, user, contact, feed, interventions, changes,
        # incident banner
        contact_client.get(reverse("extranet:planning"))


def test_month_view_places_interventions_on_their_paris_day_and_navigates(
    contact_client, org_a, tech
):
    late = intervention_plan(
        ticket=org_a.ticket,
        technician=tech,
        # 23:30 UTC on 31 March = 01:30 on 1 April in Paris (summer time)
        starts_at=dt.datetime(2030, 3, 31, 23, 30, tzinfo=dt.UTC),
        duration=dt.timedelta(hours=1),
        by=tech.user,
    )
    response = contact_client.get(reverse("extranet:planning_month", args=[2030, 4]))
    days = {d.day: d for week in response.context["weeks"] for d in week}
    assert days[dt.date(2030, 4, 1)].interventions == [late]
    assert response.context["previous"] == (2030, 3)
    assert response.context["following"] == (2030, 5)
    assert (
        contact_client.get(reverse("extranet:planning_month", args=[2030, 13])).status_code == 404
    )
    december = contact_client.get(reverse("extranet:planning_month", args=[2030, 12]))
    assert december.context["following"] == (2031, 1)


def test_the_feed_is_valid_icalendar_for_the_token_holder_only(client, org_a, org_b):
    response = client.get(reverse("extranet:planning_feed", args=[org_a.feed_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert f"UID:intervention-{org_a.intervention.pk}@oceanis-service-desk" in text
    start = org_a.intervention.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in text
    assert org_b.ticket.reference not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert CalendarFeed.objects.get(contact=org_a.contact).last_used_at is not None


def test_regenerating_the_feed_revokes_the_previous_url(contact_client, org_a):
    old = reverse("extranet:planning_feed", args=[org_a.feed_token])
    response = contact_client.post(reverse("extranet:planning_feed_regenerate"))
    new_url = response.context["feed_url"]
    assert contact_client.get(old).status_code == 404
    assert contact_client.get(new_url).status_code == 200
    assert org_a.feed_token not in CalendarFeed.objects.get().token_hash  # only a hash is stored
    contact_client.post(reverse("extranet:planning_feed_revoke"))
    assert contact_client.get(new_url).status_code == 404


def test_a_deactivated_contacts_feed_stops_working(client, org_a):
    org_a.contact.is_active = False
    org_a.contact.save()
    assert client.get(reverse("extranet:planning_feed", args=[org_a.feed_token])).status_code == 404
    assert client.get(reverse("extranet:planning_feed", args=["nope"])).status_code == 404


def test_ical_text_is_escaped_and_folded_on_character_boundaries():
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    event = ical.Event(
        uid="u1",
        start=now,
        end=now + dt.timedelta(hours=1),
        summary="Réseau; pare-feu, VPN\\ligne\nsuite " + "é" * 60,
    )
    text = ical.calendar([event], name="Test", now=now, product="Test")
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Réseau\\; pare-feu\\, VPN\\\\ligne\\nsuite " + "é" * 60 in unfolded
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
        line.encode("utf-8").decode("utf-8")  # never a split character


def test_service_level_aggregates_per_month_and_urgency(contact_client, org_a, org_b, tech):
    from tests.factories import make_ticket
    from tickets import services

    with time_machine.travel(dt.datetime(2030, 6, 10, 8, 0, tzinfo=dt.UTC), tick=False):
        met = make_ticket(client=org_a.client, urgency="critical")
        services.ticket_take_in_charge(ticket=met, by=tech.user)
        late = make_ticket(client=org_a.client, urgency="critical")
        waiting = make_ticket(client=org_a.client, urgency="non_blocking")  # not measured yet
    with time_machine.travel(dt.datetime(2030, 6, 12, 9, 0, tzinfo=dt.UTC), tick=False):
        services.ticket_take_in_charge(ticket=late, by=tech.user)
        contact_client.force_login(org_a.contact.user)  # the earlier session expired by 2030
        response = contact_client.get(reverse("extranet:service_level"))
    rows = response.context["rows"]
    assert len(rows) == 12 and rows[-1].month == dt.date(2030, 6, 1)
    june = rows[-1].cells
    assert (june["critical"].total, june["critical"].measured, june["critical"].met) == (2, 2, 1)
    assert june["critical"].rate == 50
    assert june["non_blocking"].total == 1 and june["non_blocking"].rate is None
    assert waiting.pk
    assert rows[-1].total.total == 3
    body = response.content.decode()
    assert "<svg" in body and "50 %" in body
    assert len(response.context["bars"]) == 1


def test_service_level_is_one_aggregate_query(contact_client, org_a, django_assert_num_queries):
    with django_assert_num_queries(5):  # session, user, contact, aggregate, incident banner
        contact_client.get(reverse("extranet:service_level"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_service_level_chart_numbers_are_locale_independent(contact_client, org_a, language):
    """French formats 90.0 as "90,0": in an SVG attribute that breaks the gridline."""
    import re

    from django.utils import translation

    with translation.override(language):
        response = contact_client.get(
            reverse("extranet:service_level"), HTTP_ACCEPT_LANGUAGE=language
        )
    svg = re.search(r"<svg.*?</svg>", response.content.decode(), re.S).group(0)
    numbers = re.findall(r'\b(?:x|y|x1|y1|x2|y2|width|height)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
    assert re.search(r'viewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"', svg)
    # The 50 % gridline sits halfway between the 100 % line and the axis.
    (top, mid, base) = (float(y) for y in re.findall(r'<line x1="38" y1="([^"]+)"', svg))
    assert mid == (top + base) / 2


def test_the_month_view_never_links_outside_its_range(contact_client, org_a):
    first = contact_client.get(reverse("extranet:planning_month", args=[2000, 1]))
    last = contact_client.get(reverse("extranet:planning_month", args=[2100, 12]))
    assert first.status_code == last.status_code == 200
    assert 'rel="prev"' not in first.content.decode() and 'rel="next"' in first.content.decode()
    assert 'rel="next"' not in last.content.decode() and 'rel="prev"' in last.content.decode()
    assert first.context["previous"] is None and last.context["following"] is None
    for year, month in (first.context["following"], last.context["previous"]):
        target = reverse("extranet:planning_month", args=[year, month])
        assert contact_client.get(target).status_code == 200
