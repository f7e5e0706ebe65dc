"""On-call overrides are the manager's (staff.policy ONCALL_OVERRIDE), even in the admin and even
for a technician whose group was given the admin permissions."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import TechnicianFactory, make_manager

pytestmark = pytest.mark.django_db

PAGES = ("oncall_override", "oncall_weekoverride", "oncall_rotation")


def with_oncall_permissions(user):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="oncall"))
    return user


@pytest.mark.parametrize("page", PAGES)
def test_a_technician_reads_the_rotation_but_cannot_change_it(client, page):
    client.force_login(with_oncall_permissions(TechnicianFactory().user))
    assert client.get(reverse(f"admin:{page}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{page}_add")).status_code == 403


@pytest.mark.parametrize("deputy", [False, True])
@pytest.mark.parametrize("page", PAGES)
def test_the_manager_and_the_deputy_plan_the_on_call(client, page, deputy):
    client.force_login(with_oncall_permissions(make_manager("boss", deputy=deputy).user))
    assert client.get(reverse(f"admin:{page}_add")).status_code == 200
