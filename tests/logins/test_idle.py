"""SESSION_IDLE_TIMEOUT: a session unused that long is logged out at its next request."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from logins.models import LoginSession
from tests.logins.conftest import contact_login, staff_login

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
STAFF_PAGE = "logins:sessions"


@pytest.fixture(autouse=True)
def _eight_hours(settings):
    settings.SESSION_IDLE_TIMEOUT = 8 * 3600


def test_an_idle_staff_session_is_logged_out_to_the_staff_login_with_a_message(tech):
    with time_machine.travel(T0, tick=False) as clock:
        desk = staff_login(tech)
        clock.move_to(T0 + 8 * HOUR + dt.timedelta(seconds=1))
        response = desk.get(reverse(STAFF_PAGE))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={reverse(STAFF_PAGE)}"
        assert not LoginSession.objects.filter(user=tech).exists()
        login_page = desk.get(response["Location"])
    assert "fermée après 8 h d'inactivité" in unescape(login_page.content.decode())


def test_an_idle_contact_is_sent_to_the_extranet_login(contact):
    with time_machine.travel(T0, tick=False) as clock:
        office = contact_login(contact)
        clock.move_to(T0 + 9 * HOUR)
        response = office.get(reverse("extranet:sessions"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("extranet:login"))
    assert "d'inactivité" in unescape(response.content.decode())


def test_a_session_in_use_stays_open_and_shows_its_last_activity(tech):
    with time_machine.travel(T0, tick=False) as clock:
        desk = staff_login(tech)
        for hours in (7, 14, 21):
            clock.move_to(T0 + hours * HOUR)
            assert desk.get(reverse(STAFF_PAGE)).status_code == 200
        row = LoginSession.objects.get(user=tech)
    assert row.started_at == T0
    assert row.last_seen_at == T0 + 21 * HOUR


def test_last_activity_is_written_at_most_once_a_minute(tech, django_assert_num_queries):
    with time_machine.travel(T0, tick=False) as clock:
        desk = staff_login(tech)
        desk.get(reverse(STAFF_PAGE))
        clock.move_to(T0 + dt.timedelta(seconds=59))
        desk.get(reverse(STAFF_PAGE))
        assert LoginSession.objects.get(user=tech).last_seen_at == T0
        clock.move_to(T0 + dt.timedelta(seconds=60))
        desk.get(reverse(STAFF_PAGE))
        assert LoginSession.objects.get(user=tech).last_seen_at == T0 + dt.timedelta(minutes=1)


def test_polling_by_an_open_tab_does_not_keep_the_session_alive(tech):
    with time_machine.travel(T0, tick=False) as clock:
        desk = staff_login(tech)
        clock.move_to(T0 + 7 * HOUR)
        polled = desk.get(
            reverse(STAFF_PAGE), headers={"HX-Request": "true", "X-Oceanis-Background": "1"}
        )
        assert polled.status_code == 200
        assert LoginSession.objects.get(user=tech).last_seen_at == T0
        clock.move_to(T0 + 8 * HOUR + dt.timedelta(seconds=1))
        # The next poll finds the session idle and sends the whole tab to the login page.
        response = desk.get(
            reverse(STAFF_PAGE), headers={"HX-Request": "true", "X-Oceanis-Background": "1"}
        )
    assert response["HX-Redirect"] == reverse("login")


def test_an_idle_session_reaching_the_api_is_anonymous_there(tech):
    with time_machine.travel(T0, tick=False) as clock:
        desk = staff_login(tech)
        assert desk.get("/api/v1/tickets/").status_code == 200
        clock.move_to(T0 + 9 * HOUR)
        response = desk.get("/api/v1/tickets/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert not LoginSession.objects.filter(user=tech).exists()


def test_zero_turns_the_idle_timeout_off(tech, settings):
    settings.SESSION_IDLE_TIMEOUT = 0
    with time_machine.travel(T0, tick=False) as clock:
        desk = staff_login(tech)
        clock.move_to(T0 + 100 * HOUR)
        assert desk.get(reverse(STAFF_PAGE)).status_code == 200


def test_the_page_says_after_how_long_an_idle_session_ends(tech, settings):
    settings.SESSION_IDLE_TIMEOUT = 2 * 3600 + 30 * 60
    page = staff_login(tech).get(reverse(STAFF_PAGE))
    assert "après 2 h 30 d'inactivité" in unescape(page.content.decode())


def test_the_default_is_eight_hours_and_the_environment_sets_it(tmp_path):
    from tests.oceanis.test_settings import _run

    code = "import oceanis.settings as s; print(s.SESSION_IDLE_TIMEOUT)"
    assert _run(tmp_path, code) == "28800"
    assert _run(tmp_path, code, SESSION_IDLE_TIMEOUT="1800") == "1800"
