"""The bell on every staff page, the /notifications/ page, marking read, the preference form."""

import re
from html import unescape

import pytest
from django.urls import reverse

from notices.models import Notice, NoticeKind, NoticePreference
from notices.services import Draft, notices_create
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def CHECKED(value):  # noqa: N802 - reads as a constant pattern
    return re.compile(rf'<input type="radio" name="delivery" value="{value}"[^>]*checked')


def make_notices(user, count, **kwargs):
    notices_create(
        drafts=[
            Draft(
                recipient_id=user.pk,
                kind=NoticeKind.ASSIGNED,
                source=f"test:{index}",
                url="/tickets/OC-2026-000001/",
                params={"reference": f"OC-2026-{index:06d}", "title": "Imprimante"},
                **kwargs,
            )
            for index in range(count)
        ]
    )


@pytest.fixture
def tech_client(client, owner):
    client.force_login(owner.user)
    return client


def test_the_bell_fragment_shows_the_unread_count_in_one_query(
    tech_client, owner, django_assert_num_queries
):
    make_notices(owner.user, 3)
    Notice.objects.filter(source="test:0").update(read_at="2026-01-01T00:00Z")
    with django_assert_num_queries(3):  # session, user, count
        response = tech_client.get(reverse("notices:bell"))
    html = response.content.decode()
    assert 'id="notice-bell"' in html
    assert '<span class="notice-count" data-count="2">2</span>' in html
    assert 'aria-label="Notifications (2 non lues)"' in html
    assert 'hx-trigger="every 20s"' in html  # the refresh: no "load" again, no loop


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "backoffice:team_queue",
        "backoffice:dispatch",
        "incidents:list",
        "changes:change_list",
        "changes:problem_list",
        "shifts:planning",
        "shifts:handover",
        "oncall:now",
        "oncall:calendar",
        "reports:index",
        "projects:list",
        "projects:capacity",
        "notices:list",
        "extranet:document_upload",
    ],
)
def test_every_staff_page_carries_the_self_refreshing_bell(client, manager, name):
    client.force_login(manager.user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notice-bell"' in html
    assert 'hx-get="/notifications/bell/"' in html
    assert 'hx-trigger="load, every 20s"' in html
    assert "vendor/htmx.min.js" in html
    assert html.count("vendor/htmx.min.js") == 1  # loaded once: one polling loop


def test_client_contacts_and_visitors_get_no_bell(client, contact):
    client.force_login(contact.user)
    assert client.get(reverse("notices:bell")).status_code == 403
    assert client.get(reverse("notices:list")).status_code == 403
    client.logout()
    # Polled by htmx: an expired session must not swap the login page into the top bar.
    assert client.get(reverse("notices:bell")).status_code == 401
    assert client.get(reverse("notices:list")).status_code == 302  # to the login page
    assert 'id="notice-bell"' not in client.get(reverse("login")).content.decode()


def test_the_page_lists_newest_first_highlights_unread_and_is_paginated(
    tech_client, owner, django_assert_num_queries
):
    make_notices(owner.user, 35)
    Notice.objects.filter(source="test:10").update(created_at="2030-01-01T00:00Z")
    Notice.objects.filter(source="test:0").update(read_at="2026-01-01T00:00Z")
    # session, user, count, page, preference, the nav's manager check; the bell: none (htmx)
    with django_assert_num_queries(6):
        response = tech_client.get(reverse("notices:list"))
    html = response.content.decode()
    assert (
        html.index("OC-2026-000010") < html.index("OC-2026-000034") < html.index("OC-2026-000033")
    )
    assert html.count('class="notice notice--unread"') == 30
    assert "Page 1 / 2" in html
    second = tech_client.get(reverse("notices:list") + "?page=2").content.decode()
    assert 'id="notice-{}"'.format(Notice.objects.get(source="test:0").pk) in second
    assert second.count("notice--unread") == 4


def test_a_technician_sees_only_his_own_notices(client, owner):
    other = TechnicianFactory(user__username="other")
    make_notices(owner.user, 1)
    mine = Notice.objects.get(recipient=owner.user)
    client.force_login(other.user)
    assert "OC-2026-000000" not in client.get(reverse("notices:list")).content.decode()
    assert client.get(reverse("notices:open", args=[mine.pk])).status_code == 404
    assert client.post(reverse("notices:read", args=[mine.pk])).status_code == 404
    client.post(reverse("notices:read_all"))
    mine.refresh_from_db()
    assert mine.unread


def test_opening_a_notice_marks_it_read_and_goes_to_the_ticket(tech_client, owner):
    make_notices(owner.user, 1)
    notice = Notice.objects.get(recipient=owner.user)
    response = tech_client.get(reverse("notices:open", args=[notice.pk]))
    assert response.status_code == 302
    assert response.url == "/tickets/OC-2026-000001/"
    notice.refresh_from_db()
    assert not notice.unread


def test_mark_one_read_and_mark_all_read_are_posts_with_csrf(client, owner):
    make_notices(owner.user, 3)
    first = Notice.objects.filter(recipient=owner.user).first()
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(owner.user)
    assert csrf_client.post(reverse("notices:read", args=[first.pk])).status_code == 403
    assert csrf_client.get(reverse("notices:read_all")).status_code == 405
    client.force_login(owner.user)
    response = client.post(reverse("notices:read", args=[first.pk]), {"next": "/notifications/"})
    assert response.status_code == 302
    assert Notice.objects.filter(recipient=owner.user, read_at__isnull=True).count() == 2
    client.post(reverse("notices:read_all"))
    assert Notice.objects.filter(recipient=owner.user, read_at__isnull=True).count() == 0


def test_the_next_parameter_never_leaves_the_site(tech_client, owner):
    make_notices(owner.user, 1)
    notice = Notice.objects.get(recipient=owner.user)
    response = tech_client.post(
        reverse("notices:read", args=[notice.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == "/notifications/"


def test_the_preference_form_saves_the_choice(tech_client, owner):
    page = tech_client.get(reverse("notices:list")).content.decode()
    assert CHECKED("in_app").search(page)  # the default of this test settings
    response = tech_client.post(reverse("notices:preference"), {"delivery": "hourly"})
    assert response.status_code == 302
    assert NoticePreference.objects.get(user=owner.user).delivery == "hourly"
    page = tech_client.get(reverse("notices:list")).content.decode()
    assert CHECKED("hourly").search(page)
    assert not CHECKED("in_app").search(page)


def test_a_bad_preference_is_a_message_not_an_error(tech_client, owner):
    response = tech_client.post(reverse("notices:preference"), {"delivery": "sms"}, follow=True)
    assert response.status_code == 200
    assert "Choisissez une façon d'être prévenu." in unescape(response.content.decode())
    assert not NoticePreference.objects.filter(user=owner.user).exists()


def test_the_refresh_interval_is_a_setting(tech_client, settings):
    settings.NOTICES_BELL_REFRESH_SECONDS = 7
    assert 'hx-trigger="load, every 7s"' in tech_client.get("/").content.decode()
    assert 'hx-trigger="every 7s"' in tech_client.get(reverse("notices:bell")).content.decode()
