"""The session engine (logins.backends.db), the admin's read-only view and the browser label."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from logins.models import LoginSession
from logins.useragent import summary
from tests.factories import UserFactory
from tests.logins.conftest import FIREFOX_WINDOWS, SAFARI_IPHONE, contact_login, staff_login

STAFF_PAGE = "logins:sessions"


@pytest.mark.django_db
def test_a_login_records_who_when_where_from_and_which_browser(tech):
    moment = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        staff_login(tech, address="203.0.113.10")
    row = LoginSession.objects.get(user=tech)
    assert (row.ip, row.user_agent) == ("203.0.113.10", FIREFOX_WINDOWS)
    assert row.started_at == row.last_seen_at == moment
    assert row.expire_date > moment


@pytest.mark.django_db
def test_logging_out_removes_the_row(tech, contact):
    desk = staff_login(tech)
    desk.post(reverse("logout"))
    office = contact_login(contact)
    office.post(reverse("extranet:logout"))
    assert not LoginSession.objects.filter(user__isnull=False).exists()


@pytest.mark.django_db
def test_clearsessions_deletes_the_expired_rows(tech):
    staff_login(tech)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        staff_login(tech)
        call_command("clearsessions")
    assert LoginSession.objects.filter(user=tech).count() == 1


@pytest.mark.django_db
def test_the_admin_lists_sessions_without_their_keys_and_ends_them_through_the_service(
    manager, tech
):
    boss = staff_login(manager.user)
    desk = staff_login(tech)
    target = LoginSession.objects.get(user=tech)

    page = boss.get(reverse("admin:logins_loginsession_changelist"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Firefox, Windows" in html
    for key in LoginSession.objects.values_list("session_key", flat=True):
        assert key not in html
    response = boss.post(
        reverse("admin:logins_loginsession_changelist"),
        {"action": "end_sessions", "_selected_action": [target.pk]},
        follow=True,
    )
    assert "1 session fermée." in response.content.decode()
    assert desk.get(reverse(STAFF_PAGE)).status_code == 302
    assert boss.get(reverse(STAFF_PAGE)).status_code == 200


@pytest.mark.django_db
def test_the_admin_action_never_ends_the_managers_own_session(manager):
    boss = staff_login(manager.user)
    own = LoginSession.objects.get(user=manager.user)
    boss.post(
        reverse("admin:logins_loginsession_changelist"),
        {"action": "end_sessions", "_selected_action": [own.pk]},
    )
    assert boss.get(reverse(STAFF_PAGE)).status_code == 200


@pytest.mark.django_db
def test_only_managers_see_the_sessions_in_the_admin(tech):
    # A technician with every model permission still is not a manager.
    from django.contrib.auth.models import Permission

    tech.user_permissions.add(*Permission.objects.filter(content_type__app_label="logins"))
    desk = staff_login(tech)
    assert desk.get(reverse("admin:logins_loginsession_changelist")).status_code == 403


@pytest.mark.django_db
def test_a_sessions_name_never_shows_its_key(tech):
    staff_login(tech)
    row = LoginSession.objects.get(user=tech)
    assert row.session_key not in str(row)


@pytest.mark.django_db
def test_a_user_deleted_takes_their_sessions_along():
    user = UserFactory(username="leaving", is_staff=True)
    staff_login(user)
    user.delete()
    assert not LoginSession.objects.exists()


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox, Windows"),
        (SAFARI_IPHONE, "Safari, iOS"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge, macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome, Android",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome, Linux"),
        ("curl/8.5.0", ""),
        ("", ""),
    ],
)
def test_the_browser_label(agent, label):
    assert summary(agent) == label


@pytest.mark.django_db
def test_the_nightly_job_deletes_the_expired_rows(tech, settings):
    from logins.tasks import clear_expired_sessions

    assert "logins.tasks.clear_expired_sessions" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    staff_login(tech)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        staff_login(tech)
        assert clear_expired_sessions() == 1
    assert LoginSession.objects.filter(user=tech).count() == 1
