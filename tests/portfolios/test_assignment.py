"""Portfolios are assigned by the centre manager (or the deputy) only, on the back-office page
and in the admin, through the service: each change recorded with who and when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portfolios.models import Assignment, AssignmentRecord
from portfolios.services import portfolio_assign
from tests.factories import make_manager

pytestmark = pytest.mark.django_db


def _post(client, acme, **values):
    data = {f"c{acme.pk}-{k}": v for k, v in values.items()}
    return client.post(reverse("portfolios:assign", args=[acme.pk]), data)


def test_the_centre_manager_assigns_a_service_manager_and_a_backup(
    client, boss, acme, claire, paul
):
    client.force_login(boss)
    page = client.get(reverse("portfolios:assignments")).content.decode()
    assert "Acme Logistique" in page and "Claire Bernard" in page
    response = _post(client, acme, service_manager=claire.pk, backup=paul.pk)
    assert response.status_code == 302
    assignment = Assignment.objects.get(client=acme)
    assert (assignment.service_manager, assignment.backup, assignment.assigned_by) == (
        claire,
        paul,
        boss,
    )
    record = AssignmentRecord.objects.get()
    assert (record.service_manager, record.backup, record.by) == (claire, paul, boss)
    page = client.get(reverse("portfolios:assignments")).content.decode()
    assert "Portefeuille de Acme Logistique enregistré." in page


def test_the_deputy_reassigns_and_withdraws(client, boss, acme, claire, paul):
    deputy = make_manager("deputy", deputy=True).user
    portfolio_assign(client=acme, service_manager=claire, by=boss)
    client.force_login(deputy)
    _post(client, acme, service_manager=paul.pk)
    assert Assignment.objects.get(client=acme).service_manager == paul
    _post(client, acme, service_manager="")
    assert not Assignment.objects.filter(client=acme).exists()
    assert [r.service_manager for r in AssignmentRecord.objects.order_by("pk")] == [
        claire,
        paul,
        None,
    ]


def test_a_service_manager_or_a_technician_cannot_assign(client, acme, claire, tech):
    for user in (claire, tech):
        client.force_login(user)
        assert client.get(reverse("portfolios:assignments")).status_code == 403
        assert _post(client, acme, service_manager=claire.pk).status_code == 403
    assert not Assignment.objects.exists()


def test_bad_values_are_form_errors_never_a_500(client, boss, acme, claire, tech):
    client.force_login(boss)
    for values in (
        {"service_manager": tech.pk},  # not a service manager
        {"service_manager": "abc"},
        {"service_manager": claire.pk, "backup": claire.pk},
        {"backup": claire.pk},
    ):
        response = _post(client, acme, **values)
        assert response.status_code == 302, values
    assert not Assignment.objects.exists()
    page = client.get(reverse("portfolios:assignments")).content.decode()
    assert "Acme Logistique :" in page  # the error, named after the client


def _admin_rights(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="portfolios"))
    return user


def test_the_admin_assigns_through_the_service(client, boss, acme, claire):
    client.force_login(_admin_rights(boss))
    response = client.post(
        reverse("admin:portfolios_assignment_add"),
        {"client": acme.pk, "service_manager": claire.pk, "backup": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = Assignment.objects.get(client=acme)
    assert assignment.assigned_by == boss
    assert AssignmentRecord.objects.get().by == boss


def test_the_admin_refuses_a_non_manager(client, acme, claire):
    # Even given the model's permissions in the admin, only the policy's managers assign.
    client.force_login(_admin_rights(claire))
    assert client.get(reverse("admin:portfolios_assignment_add")).status_code == 403
    response = client.post(
        reverse("admin:portfolios_assignment_add"),
        {"client": acme.pk, "service_manager": claire.pk},
    )
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_the_admin_refuses_a_backup_equal_to_the_service_manager(client, boss, acme, claire):
    client.force_login(_admin_rights(boss))
    response = client.post(
        reverse("admin:portfolios_assignment_add"),
        {"client": acme.pk, "service_manager": claire.pk, "backup": claire.pk},
    )
    assert response.status_code == 200
    assert "Le suppléant doit être un autre service manager." in response.content.decode()
    assert not Assignment.objects.exists()
