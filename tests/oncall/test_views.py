"""On-call screens and endpoints: staff only, N+1 free; the three acknowledgement paths."""

import datetime as dt

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse

from api.scopes import CLIENT_SCOPES
from api.services import token_create
from oncall.links import ack_token
from oncall.models import AckVia, CalendarFeed, Override, Page, PageState
from tests.factories import ContactFactory, UserFactory, make_ticket
from tests.oncall.conftest import paris
from tickets import services
from tickets.models import State

pytestmark = pytest.mark.django_db

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)


@pytest.fixture
def staff_client(client, boss):
    client.force_login(boss.user)
    return client


@pytest.fixture
def contact_client(db):
    contact = ContactFactory(user=UserFactory(username="contact-user"))
    http = HttpClient()
    http.force_login(contact.user)
    return http


@pytest.fixture
def page(rotation, client_24x7, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(SATURDAY_3AM, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = make_ticket(client=client_24x7, urgency="critical", title="Baie SAN en alarme")
    return Page.objects.get(ticket=ticket)


STAFF_PAGES = [
    ("oncall:now", {}),
    ("oncall:calendar", {}),
    ("oncall:page_list", {}),
]


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), STAFF_PAGES)
def test_client_contacts_never_see_on_call_screens(contact_client, rotation, name, kwargs):
    assert contact_client.get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, rotation, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_client_contacts_can_neither_read_nor_acknowledge_a_page(contact_client, page):
    assert contact_client.get(reverse("oncall:page_detail", args=[page.pk])).status_code == 403
    assert contact_client.post(reverse("oncall:page_ack", args=[page.pk])).status_code == 403
    response = contact_client.post(reverse("api:oncall_page_ack", args=[page.pk]))
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.state == PageState.OPEN


# --- who is on call ---------------------------------------------------------------------------


def test_the_now_page_shows_who_is_on_call_their_backup_and_the_manager(staff_client, rotation):
    with time_machine.travel(paris(2026, 10, 10, 23, 0), tick=False):
        response = staff_client.get(reverse("oncall:now"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-role="primary"><strong>Bruno</strong>' in html
    assert 'data-role="backup"><strong>Chloe</strong>' in html
    assert "Hors heures ouvrées" in html


def test_the_api_answers_who_is_on_call_at_an_instant(staff_client, rotation):
    response = staff_client.get(reverse("api:oncall_now"), {"at": "2026-10-29T08:29:00+01:00"})
    body = response.json()
    assert response.status_code == 200
    assert body["primary"]["name"] == "Alice"
    assert body["backup"]["name"] == "Bruno"
    assert body["escalation_contact"]["id"] == rotation[0].escalation_contact_id
    assert body["week"]["starts_at"] == "2026-10-22T08:30:00+02:00"
    assert body["week"]["ends_at"] == "2026-10-29T08:30:00+01:00"
    assert body["desk_open"] is False  # Thursday 08:29: the desk opens at 08:30


def test_the_api_reads_naive_instants_as_paris_time_and_survives_an_unencoded_plus(
    staff_client, rotation
):
    url = reverse("api:oncall_now")
    naive = staff_client.get(url, {"at": "2026-10-29T08:30:00"}).json()
    assert naive["primary"]["name"] == "Bruno"
    raw = staff_client.get(url + "?at=2026-10-29T08:30:00+01:00").json()  # '+' arrives as ' '
    assert raw["primary"]["name"] == "Bruno"
    assert raw["at"] == "2026-10-29T08:30:00+01:00"


def test_the_api_reports_overrides_in_force(staff_client, rotation):
    rot, _ = rotation
    dan = UserFactory(username="dan", first_name="Dan", last_name="", is_staff=True)
    from staff.models import Technician

    tech = Technician.objects.create(user=dan)
    Override.objects.create(
        rotation=rot,
        technician=tech,
        starts_at=paris(2026, 10, 3, 0, 0),
        ends_at=paris(2026, 10, 4, 0, 0),
        reason="Congés",
    )
    body = staff_client.get(reverse("api:oncall_now"), {"at": "2026-10-03T12:00:00Z"}).json()
    assert body["primary"]["name"] == "Dan"
    assert body["overrides"][0]["reason"] == "Congés"


@pytest.mark.parametrize(
    "bad",
    ["yesterday", "2026-13-01T00:00:00", "2026-10-03T25:00", "0001-01-01T00:00:00+23:00", ""],
)
def test_a_bad_instant_gets_a_400_with_a_json_explanation(staff_client, rotation, bad):
    response = staff_client.get(reverse("api:oncall_now"), {"at": bad})
    if bad == "":
        assert response.status_code == 200  # empty means now
        return
    assert response.status_code == 400
    body = response.json()  # the /api/v1/ error shape
    assert body["error"] == "invalid" and "ISO 8601" in body["detail"]
    assert list(body["fields"]) == ["at"]


def test_the_now_api_refuses_anonymous_and_client_callers(client, contact_client, rotation):
    anonymous = client.get(reverse("api:oncall_now"))
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "not_authenticated"
    response = contact_client.get(reverse("api:oncall_now"))
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied" and response.json()["detail"]


def test_integrations_ask_who_is_on_call_with_a_staff_token_but_not_a_client_one(
    client, rotation, client_24x7
):
    url = reverse("api:oncall_now")
    _, staff_raw = token_create(name="Standard téléphonique", scopes=["oncall:read"])
    ok = client.get(
        url, {"at": "2026-10-03T03:00:00+02:00"}, HTTP_AUTHORIZATION=f"Bearer {staff_raw}"
    )
    assert ok.status_code == 200 and ok.json()["primary"]["name"] == "Alice"
    _, client_raw = token_create(name="Outil client", client=client_24x7, scopes=CLIENT_SCOPES)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {client_raw}").status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION="Bearer oc_forged").status_code == 401


def test_without_rotation_the_api_says_nobody(staff_client):
    body = staff_client.get(reverse("api:oncall_now")).json()
    assert body["rotation"] is None and body["primary"] is None


# --- calendar ---------------------------------------------------------------------------------


def test_the_calendar_lists_the_coming_weeks_with_overrides(
    staff_client, rotation, django_assert_max_num_queries
):
    rot, (alice, *_) = rotation
    Override.objects.create(
        rotation=rot,
        technician=alice,
        starts_at=paris(2026, 11, 7, 20, 0),
        ends_at=paris(2026, 11, 8, 8, 0),
        reason="Remplacement maladie",
    )
    with (
        time_machine.travel(paris(2026, 11, 1, 12, 0), tick=False),
        django_assert_max_num_queries(9),  # 8, and the shared top bar's manager check
    ):
        response = staff_client.get(reverse("oncall:calendar"), {"weeks": "26"})
    html = response.content.decode()
    assert html.count("data-week=") == 26
    assert "Remplacement maladie" in html
    assert "jeu 29/10/2026 08:30" in html.lower() or "jeu. 29/10/2026 08:30" in html.lower()


def test_the_calendar_query_count_does_not_grow_with_weeks_or_overrides(
    staff_client, rotation, django_assert_num_queries
):
    rot, techs = rotation

    def queries(weeks):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            staff_client.get(reverse("oncall:calendar"), {"weeks": weeks})
        return len(ctx.captured_queries)

    few = queries(2)
    for n in range(5):
        Override.objects.create(
            rotation=rot,
            technician=techs[n % 3],
            starts_at=paris(2027, 1, 2 + n, 0, 0),
            ends_at=paris(2027, 1, 2 + n, 6, 0),
        )
    assert queries(52) == few


def test_a_bad_weeks_parameter_falls_back_to_the_default(staff_client, rotation):
    response = staff_client.get(reverse("oncall:calendar"), {"weeks": "lots"})
    assert response.content.decode().count("data-week=") == 12


# --- pages report -----------------------------------------------------------------------------


def test_the_pages_report_shows_met_and_missed_without_n_plus_1(
    staff_client, rotation, client_24x7, django_capture_on_commit_callbacks
):
    def raise_one(minutes):
        at = SATURDAY_3AM + dt.timedelta(minutes=minutes)
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(client=client_24x7, urgency="critical")
        return Page.objects.get(ticket=ticket)

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(reverse("oncall:page_list"))
        return len(ctx.captured_queries), response.content.decode()

    first = raise_one(0)
    baseline, _ = queries()
    for n in range(1, 6):
        raise_one(n)
    Page.objects.filter(pk=first.pk).update(intervention_met=False)
    Page.objects.exclude(pk=first.pk).update(
        intervention_met=True, acknowledged_by=first.target.user, acknowledged_at=SATURDAY_3AM
    )
    count, html = queries()
    assert count == baseline
    assert "tenu : 5" in html and "manqué : 1" in html
    missed = staff_client.get(reverse("oncall:page_list"), {"outcome": "missed"})
    assert missed.content.decode().count("data-page=") == 1


# --- acknowledgement: link, button, API -------------------------------------------------------


def test_the_link_shows_a_confirmation_and_changes_nothing_on_get(client, page):
    url = reverse("oncall:ack_link", args=[ack_token(page.pk, page.target.pk)])
    response = client.get(url)
    assert response.status_code == 200
    assert page.ticket.reference in response.content.decode()
    page.refresh_from_db()
    assert page.state == PageState.OPEN


def test_the_link_acknowledges_on_post_without_login_as_the_person_paged(client, page):
    url = reverse("oncall:ack_link", args=[ack_token(page.pk, page.target.pk)])
    with time_machine.travel(SATURDAY_3AM + dt.timedelta(minutes=7), tick=False):
        response = client.post(url)
    assert response.status_code == 200
    assert "Appel acquitté" in response.content.decode()
    page.refresh_from_db()
    assert (page.state, page.ack_via, page.acknowledged_by) == (
        PageState.ACKNOWLEDGED,
        AckVia.LINK,
        page.target.user,
    )
    assert page.intervention_met is True
    assert page.ticket.state == State.IN_PROGRESS
    again = client.post(url)
    assert "déjà acquitté" in again.content.decode()


def test_an_expired_link_is_refused(client, page, settings):
    url = reverse("oncall:ack_link", args=[ack_token(page.pk, page.target.pk)])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=settings.ONCALL_ACK_LINK_MAX_AGE_HOURS + 1)
    with time_machine.travel(later, tick=False):
        response = client.post(url)
    assert response.status_code == 410
    page.refresh_from_db()
    assert page.state == PageState.OPEN


def test_a_tampered_link_is_refused(client, page):
    token = ack_token(page.pk, page.target.pk)
    forged = token.replace(token[2], "x" if token[2] != "x" else "y", 1)
    assert client.post(reverse("oncall:ack_link", args=[forged])).status_code == 400
    assert client.get(reverse("oncall:ack_link", args=["nonsense"])).status_code == 400


def test_a_link_for_a_cancelled_page_says_so(client, page):
    services.ticket_cancel(ticket=page.ticket, by=None, reason="Fausse alerte")
    Page.objects.filter(pk=page.pk).update(state=PageState.CANCELLED)
    url = reverse("oncall:ack_link", args=[ack_token(page.pk, page.target.pk)])
    response = client.post(url)
    assert response.status_code == 409
    assert "annulé" in response.content.decode()


def test_the_back_office_button_acknowledges_as_the_logged_in_user(staff_client, page, boss):
    detail = staff_client.get(reverse("oncall:page_detail", args=[page.pk]))
    assert "Acquitter et prendre en charge" in detail.content.decode()
    assert "email" in detail.content.decode()  # the attempts log
    response = staff_client.post(reverse("oncall:page_ack", args=[page.pk]), follow=True)
    assert "Appel acquitté" in response.content.decode()
    page.refresh_from_db()
    assert (page.ack_via, page.acknowledged_by) == (AckVia.BUTTON, boss.user)
    assert page.ticket.assignee == boss


def test_the_button_needs_post(staff_client, page):
    assert staff_client.get(reverse("oncall:page_ack", args=[page.pk])).status_code == 405


def test_the_api_acknowledges_for_a_staff_session(staff_client, page, boss):
    response = staff_client.post(reverse("api:oncall_page_ack", args=[page.pk]))
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["ack_via"], body["acknowledged_by"]) == (
        "acknowledged",
        "api",
        "boss",
    )
    assert body["ticket_state"] == "in_progress"
    assert body["already_acknowledged"] is False
    assert staff_client.post(reverse("api:oncall_page_ack", args=[page.pk])).json()[
        "already_acknowledged"
    ]


def test_the_api_session_path_keeps_csrf_protection(boss, page):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(boss.user)
    response = http.post(reverse("api:oncall_page_ack", args=[page.pk]))
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.state == PageState.OPEN


def test_the_api_accepts_a_staff_token_acting_for_the_technician(client, page):
    _, raw = token_create(name="Téléphonie", scopes=["oncall:write"])
    response = client.post(
        reverse("api:oncall_page_ack", args=[page.pk]),
        {"technician": page.target.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.acknowledged_by == page.target.user
    assert page.ticket.assignee == page.target


def test_the_api_refuses_a_client_scoped_token(client, page):
    _, raw = token_create(name="Outil client", client=page.ticket.client, scopes=CLIENT_SCOPES)
    response = client.post(
        reverse("api:oncall_page_ack", args=[page.pk]), HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.state == PageState.OPEN


def test_the_api_answers_404_409_and_400_clearly(staff_client, page):
    url = reverse("api:oncall_page_ack", args=[page.pk])
    missing = staff_client.post(reverse("api:oncall_page_ack", args=[999999]))
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    bad = staff_client.post(url, {"technician": "x"}, content_type="application/json")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["technician"]
    Page.objects.filter(pk=page.pk).update(state=PageState.CANCELLED)
    cancelled = staff_client.post(url)
    assert cancelled.status_code == 409 and cancelled.json()["error"] == "page_cancelled"
    assert set(cancelled.json()) == {"error", "detail", "fields"}


# --- iCalendar feed ---------------------------------------------------------------------------


def test_a_technician_subscribes_to_their_feed_and_can_revoke_it(client, rotation):
    _, (alice, *_) = rotation
    client.force_login(alice.user)
    feed_url = client.post(reverse("oncall:feed_create")).context["feed_url"]
    feed = CalendarFeed.objects.get(technician=alice, revoked_at__isnull=True)
    token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in feed.token_hash  # only a hash is stored: the address is shown once
    assert token not in client.get(reverse("oncall:now")).content.decode()
    client.logout()
    with time_machine.travel(paris(2026, 10, 2, 12, 0), tick=False):
        response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20261001T063000Z\r\nDTEND:20261008T063000Z" in body  # 08:30 CEST
    assert "DTSTART:20261022T063000Z\r\nDTEND:20261029T073000Z" in body  # 08:30 CEST -> CET
    assert "SUMMARY:Astreinte Oceanis (suppléant)" in body
    client.force_login(alice.user)
    client.post(reverse("oncall:feed_create"))  # a new address revokes the old one
    client.logout()
    assert client.get(feed_url).status_code == 404
    client.force_login(alice.user)
    client.post(reverse("oncall:feed_revoke"))
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()


def test_an_unknown_feed_token_is_404(client):
    assert client.get(reverse("oncall:ical_feed", args=["nope"])).status_code == 404


def test_staff_without_technician_profile_gets_no_feed(client, rotation):
    admin = UserFactory(username="ops", is_staff=True)
    client.force_login(admin)
    response = client.post(reverse("oncall:feed_create"), follow=True)
    assert "Seuls les techniciens" in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_see_the_request_leads_to_the_back_office_ticket_not_the_admin(staff_client, page):
    detail = staff_client.get(reverse("oncall:page_detail", args=[page.pk])).content.decode()
    ticket_url = reverse("backoffice:ticket", args=[page.ticket.reference])
    assert f'href="{ticket_url}"' in detail
    assert "/admin/" not in detail.split("Voir la demande")[0].rsplit("<a", 1)[-1]
    assert staff_client.get(ticket_url).status_code == 200


def test_the_acknowledgement_endpoint_is_documented_with_its_answers(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    ack = schema["paths"]["/api/v1/oncall/pages/{id}/ack/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(ack["responses"])
    assert ack["requestBody"]["content"]["application/json"]["schema"]
