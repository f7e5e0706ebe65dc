"""Mes sessions, staff and extranet: a person sees and ends their own sessions only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from logins.models import LoginSession
from tests.logins.conftest import SAFARI_IPHONE, browser, contact_login, staff_login

pytestmark = pytest.mark.django_db

STAFF_PAGE = "logins:sessions"
CLIENT_PAGE = "extranet:sessions"


def _ids(user) -> set[int]:
    return set(LoginSession.objects.filter(user=user).values_list("pk", flat=True))


def test_staff_list_shows_their_own_sessions_with_device_address_and_the_current_one(
    tech, other_tech
):
    desk = staff_login(tech, address="203.0.113.10")
    staff_login(tech, address="198.51.100.20", agent=SAFARI_IPHONE)
    staff_login(other_tech, address="192.0.2.99")

    page = desk.get(reverse(STAFF_PAGE))

    assert page.status_code == 200
    rows = page.context["sessions"]
    assert {row.id for row in rows} == _ids(tech)
    assert [row.current for row in rows] == [True, False]  # the current one first
    html = page.content.decode()
    assert "Firefox, Windows" in html and "Safari, iOS" in html
    assert "203.0.113.10" in html and "198.51.100.20" in html
    assert "192.0.2.99" not in html  # another technician's session
    assert "cette session" in html
    for key in LoginSession.objects.values_list("session_key", flat=True):
        assert key not in html  # a key shown is a session given away


def test_extranet_list_shows_the_contacts_own_sessions_only(contact, other_contact, tech):
    mine = contact_login(contact, address="203.0.113.30")
    contact_login(contact, address="203.0.113.31", agent=SAFARI_IPHONE)
    contact_login(other_contact, address="198.51.100.40")
    staff_login(tech, address="192.0.2.50")

    page = mine.get(reverse(CLIENT_PAGE))

    assert page.status_code == 200
    assert {row.id for row in page.context["sessions"]} == _ids(contact)
    html = page.content.decode()
    assert "203.0.113.31" in html
    assert "198.51.100.40" not in html and "192.0.2.50" not in html


def test_times_are_shown_in_paris_time(tech, settings):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC), tick=False):
        desk = staff_login(tech)
        html = desk.get(reverse(STAFF_PAGE)).content.decode()
    assert "01/07/2026 10:05" in html  # 08:05 UTC is 10:05 in Paris in summer


def test_the_staff_page_query_count_does_not_grow_with_sessions(tech, django_assert_num_queries):
    desk = staff_login(tech)
    desk.get(reverse(STAFF_PAGE))
    for n in range(5):
        staff_login(tech, address=f"198.51.100.{n + 1}")
    with django_assert_num_queries(QUERIES_STAFF):
        assert desk.get(reverse(STAFF_PAGE)).status_code == 200


def test_the_extranet_page_query_count_does_not_grow_with_sessions(
    contact, django_assert_num_queries
):
    mine = contact_login(contact)
    mine.get(reverse(CLIENT_PAGE))
    for n in range(5):
        contact_login(contact, address=f"198.51.100.{n + 1}")
    with django_assert_num_queries(QUERIES_CLIENT):
        assert mine.get(reverse(CLIENT_PAGE)).status_code == 200


QUERIES_STAFF = 4
QUERIES_CLIENT = 5


def test_ending_one_session_logs_that_browser_out_at_its_next_request(tech):
    desk = staff_login(tech)
    laptop = staff_login(tech, address="198.51.100.20")
    assert laptop.get(reverse(STAFF_PAGE)).status_code == 200
    laptop_id = (_ids(tech) - {desk.get(reverse(STAFF_PAGE)).context["sessions"][0].id}).pop()

    response = desk.post(reverse("logins:revoke", args=[laptop_id]))

    assert response.status_code == 302 and response["Location"] == reverse(STAFF_PAGE)
    assert laptop_id not in _ids(tech)
    gone = laptop.get(reverse(STAFF_PAGE))
    assert gone.status_code == 302 and gone["Location"].startswith(reverse("login"))
    assert desk.get(reverse(STAFF_PAGE)).status_code == 200  # the one that acted stays in


def test_a_contact_ends_one_of_their_sessions(contact):
    mine = contact_login(contact)
    phone = contact_login(contact, address="198.51.100.21", agent=SAFARI_IPHONE)
    current = mine.get(reverse(CLIENT_PAGE)).context["sessions"][0].id
    phone_id = (_ids(contact) - {current}).pop()

    response = mine.post(reverse("extranet:session_revoke", args=[phone_id]), follow=True)

    assert "La session a été fermée." in response.content.decode()
    gone = phone.get(reverse(CLIENT_PAGE))
    assert gone.status_code == 302 and gone["Location"].startswith(reverse("extranet:login"))


def test_ending_all_others_keeps_the_current_session(tech, other_tech):
    desk = staff_login(tech)
    others = [staff_login(tech, address=f"198.51.100.{n}") for n in (1, 2)]
    colleague = staff_login(other_tech)

    response = desk.post(reverse("logins:revoke_others"), follow=True)

    assert "2 autres sessions ont été fermées." in response.content.decode()
    assert len(_ids(tech)) == 1
    assert desk.get(reverse(STAFF_PAGE)).status_code == 200
    for other in others:
        assert other.get(reverse(STAFF_PAGE)).status_code == 302
    assert colleague.get(reverse(STAFF_PAGE)).status_code == 200  # another user: untouched


def test_a_contact_ends_all_their_other_sessions(contact, other_contact):
    mine = contact_login(contact)
    phone = contact_login(contact, address="198.51.100.21")
    neighbour = contact_login(other_contact)

    mine.post(reverse("extranet:sessions_revoke_others"))

    assert mine.get(reverse(CLIENT_PAGE)).status_code == 200
    assert phone.get(reverse(CLIENT_PAGE)).status_code == 302
    assert neighbour.get(reverse(CLIENT_PAGE)).status_code == 200


def test_a_contact_cannot_end_a_staff_session_by_guessing_its_id(contact, tech):
    mine = contact_login(contact)
    desk = staff_login(tech)
    staff_session = _ids(tech).pop()

    response = mine.post(reverse("extranet:session_revoke", args=[staff_session]))

    assert response.status_code == 404
    assert staff_session in _ids(tech)
    assert desk.get(reverse(STAFF_PAGE)).status_code == 200


def test_a_technician_cannot_end_a_colleagues_or_a_contacts_session(tech, other_tech, contact):
    desk = staff_login(tech)
    staff_login(other_tech)
    contact_login(contact)
    for victim in (other_tech, contact):
        session_id = _ids(victim).pop()
        assert desk.post(reverse("logins:revoke", args=[session_id])).status_code == 404
        assert session_id in _ids(victim)


def test_the_current_session_is_not_ended_from_the_list(tech):
    desk = staff_login(tech)
    current = _ids(tech).pop()
    assert desk.post(reverse("logins:revoke", args=[current])).status_code == 404
    assert desk.get(reverse(STAFF_PAGE)).status_code == 200


def test_ending_sessions_needs_a_post(tech, contact):
    desk = staff_login(tech)
    session_id = _ids(tech).pop()
    assert desk.get(reverse("logins:revoke", args=[session_id])).status_code == 405
    assert desk.get(reverse("logins:revoke_others")).status_code == 405
    mine = contact_login(contact)
    assert mine.get(reverse("extranet:sessions_revoke_others")).status_code == 405


def test_ending_sessions_checks_the_csrf_token(tech):
    staff_login(tech, address="198.51.100.1")
    careful = browser()
    careful.handler.enforce_csrf_checks = True
    careful.post(reverse("login"), {"username": tech.username, "password": "x"})
    desk = staff_login(tech)
    desk.handler.enforce_csrf_checks = True
    assert desk.post(reverse("logins:revoke_others")).status_code == 403
    assert len(_ids(tech)) == 2


def test_who_may_enter_each_page(tech, contact):
    anonymous = browser()
    staff_page = anonymous.get(reverse(STAFF_PAGE))
    assert staff_page.status_code == 302 and staff_page["Location"].startswith(reverse("login"))
    client_page = anonymous.get(reverse(CLIENT_PAGE))
    assert client_page["Location"].startswith(reverse("extranet:login"))
    # A contact is refused the staff page, a technician is sent from the extranet's.
    assert contact_login(contact).get(reverse(STAFF_PAGE)).status_code == 403
    assert staff_login(tech).get(reverse(CLIENT_PAGE))["Location"] == reverse("home")


def test_the_menus_link_to_the_pages(tech, contact):
    # Forms post to the pages' actions: an href to the page is the menu's link (base templates).
    staff_html = staff_login(tech).get(reverse(STAFF_PAGE)).content.decode()
    assert f'href="{reverse(STAFF_PAGE)}"' in staff_html
    client_html = contact_login(contact).get(reverse(CLIENT_PAGE)).content.decode()
    assert f'href="{reverse(CLIENT_PAGE)}"' in client_html


def test_each_end_is_logged_with_its_reason(tech, caplog):
    desk = staff_login(tech)
    other = staff_login(tech, address="198.51.100.20")
    other_id = LoginSession.objects.filter(user=tech).latest("pk").pk
    with caplog.at_level("INFO", logger="logins"):
        desk.post(reverse("logins:revoke", args=[other_id]))
    record = next(r for r in caplog.records if r.name == "logins")
    assert (record.session_id, record.user_id, record.reason) == (other_id, tech.pk, "revoked")
    assert other.get(reverse(STAFF_PAGE)).status_code == 302
