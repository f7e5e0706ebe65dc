"""On-call feed addresses are revoked in the admin through ``feed_revoke``; a revoked address
cannot be revived by editing it, nor its trace deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from oncall.feeds import feed_rotate
from oncall.models import CalendarFeed
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def test_revoking_a_feed_in_the_admin_stops_the_address(admin_client, client):
    feed, token = feed_rotate(TechnicianFactory())
    changelist = reverse("admin:oncall_calendarfeed_changelist")
    admin_client.post(changelist, {"action": "revoke", "_selected_action": [feed.pk]})
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert client.get(reverse("oncall:ical_feed", args=[token])).status_code == 404


def test_a_revoked_feed_is_neither_edited_nor_deleted_in_the_admin(admin_client):
    feed, _token = feed_rotate(TechnicianFactory())
    admin_client.post(
        reverse("admin:oncall_calendarfeed_changelist"),
        {"action": "revoke", "_selected_action": [feed.pk]},
    )
    change = reverse("admin:oncall_calendarfeed_change", args=[feed.pk])
    assert admin_client.post(change, {"revoked_at_0": "", "revoked_at_1": ""}).status_code == 403
    delete = reverse("admin:oncall_calendarfeed_delete", args=[feed.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is not None
