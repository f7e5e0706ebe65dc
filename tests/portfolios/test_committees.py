"""Steering committees: recorded by the client's service manager (or the managers) with
attendees, decisions and actions; read by every contact of that client in the extranet and by
nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portfolios.models import CommitteeAction, SteeringCommittee
from tests.extranet.conftest import make_contact

from .conftest import committee_for

pytestmark = pytest.mark.django_db


def _form(acme_contact, claire, **extra):
    data = {
        "held_on": "2026-11-24",
        "staff_attendees": [claire.pk],
        "contact_attendees": [acme_contact.pk],
        "other_attendees": "Directeur logistique\n",
        "decisions": "Supervision du quai 3 en 24x7.",
        "description": "Inventaire des équipements",
        "owner": f"c:{acme_contact.pk}",
        "due_date": "2026-12-15",
    }
    data.update(extra)
    return data


def test_a_service_manager_records_a_committee_with_its_first_action(
    client, portfolios, claire, acme, acme_contact
):
    client.force_login(claire)
    url = reverse("portfolios:committee_new", args=[acme.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(acme_contact, claire))
    committee = SteeringCommittee.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:committee", args=[committee.pk])
    assert (committee.client, committee.held_on, committee.created_by) == (
        acme,
        dt.date(2026, 11, 24),
        claire,
    )
    assert list(committee.staff_attendees.all()) == [claire]
    assert list(committee.contact_attendees.all()) == [acme_contact]
    action = committee.actions.get()
    assert (action.description, action.owner_contact, action.due_date) == (
        "Inventaire des équipements",
        acme_contact,
        dt.date(2026, 12, 15),
    )
    page = client.get(response["Location"]).content.decode()
    assert "Supervision du quai 3 en 24x7." in page and "Directeur logistique" in page
    assert str(acme_contact) in page and "15/12/2026" in page


def test_actions_are_added_and_marked_done_on_the_committee_page(
    client, portfolios, claire, acme, tech
):
    committee = committee_for(acme, claire)
    client.force_login(claire)
    response = client.post(
        reverse("portfolios:action_add", args=[committee.pk]),
        {"description": "Relancer l'opérateur", "owner": f"u:{tech.pk}", "due_date": "2026-12-01"},
    )
    assert response.status_code == 302
    action = committee.actions.get(description="Relancer l'opérateur")
    assert action.owner_user == tech
    client.post(reverse("portfolios:action_done", args=[action.pk]), {"done": "1"})
    action.refresh_from_db()
    assert action.done and action.done_on is not None
    page = client.get(reverse("portfolios:committee", args=[committee.pk])).content.decode()
    assert "Réalisée le" in page
    client.post(reverse("portfolios:action_done", args=[action.pk]), {"done": "0"})
    action.refresh_from_db()
    assert not action.done and action.done_on is None


def test_the_service_manager_completes_the_committee_afterwards(
    client, portfolios, claire, acme, acme_contact
):
    committee = committee_for(acme, claire, decisions="Brouillon")
    client.force_login(claire)
    url = reverse("portfolios:committee_edit", args=[committee.pk])
    form = client.get(url).content.decode()
    assert "Brouillon" in form and "Nouvelle action (facultatif)" in form
    response = client.post(
        url,
        _form(acme_contact, claire, decisions="Décision définitive", description="Relancer"),
    )
    assert response.status_code == 302
    committee.refresh_from_db()
    assert committee.decisions == "Décision définitive"
    assert list(committee.contact_attendees.all()) == [acme_contact]
    assert sorted(committee.actions.values_list("description", flat=True)) == [
        "Relancer",
        "Étendre la sonde",
    ]
    assert client.post(url, {"held_on": "n'importe"}).status_code == 400


def test_bad_committee_input_is_a_form_error(client, portfolios, claire, acme, globex_contact):
    client.force_login(claire)
    url = reverse("portfolios:committee_new", args=[acme.pk])
    for data in (
        {"held_on": "pas une date"},
        {"held_on": "2026-11-24", "contact_attendees": [globex_contact.pk]},  # another client's
        {"held_on": "2026-11-24", "owner": f"c:{globex_contact.pk}", "description": "x"},
        {"held_on": "2026-11-24", "owner_name": "DSI", "owner": "u:1", "description": "x"},
        {"held_on": "2026-11-24", "due_date": "2026-12-01"},  # an action with no description
    ):
        assert client.post(url, data).status_code == 400, data
    assert not SteeringCommittee.objects.exists()
    committee = committee_for(acme, claire)
    response = client.post(reverse("portfolios:action_add", args=[committee.pk]), {})
    assert response.status_code == 400
    assert "Décrivez l&#x27;action." in response.content.decode()


def test_another_service_manager_or_a_technician_cannot_read_or_write(
    client, portfolios, claire, paul, tech, acme, acme_contact
):
    committee = committee_for(acme, claire)
    action = committee.actions.get()
    for user in (paul, tech):
        client.force_login(user)
        for url in (
            reverse("portfolios:committee", args=[committee.pk]),
            reverse("portfolios:client_committees", args=[acme.pk]),
            reverse("portfolios:committee_new", args=[acme.pk]),
            reverse("portfolios:committee_edit", args=[committee.pk]),
        ):
            assert client.get(url).status_code == 403, (user, url)
        assert (
            client.post(
                reverse("portfolios:committee_new", args=[acme.pk]), _form(acme_contact, claire)
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("portfolios:action_add", args=[committee.pk]), {"description": "intrus"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("portfolios:action_done", args=[action.pk]), {"done": "1"}
            ).status_code
            == 403
        )
    assert SteeringCommittee.objects.count() == 1
    assert CommitteeAction.objects.get() == action and not CommitteeAction.objects.get().done


def test_the_manager_records_a_committee_for_any_client(client, boss, globex):
    client.force_login(boss)
    response = client.post(
        reverse("portfolios:committee_new", args=[globex.pk]), {"held_on": "2026-11-24"}
    )
    assert response.status_code == 302
    assert SteeringCommittee.objects.get().client == globex


# --- the extranet ------------------------------------------------------------------------


def test_every_contact_of_the_client_reads_its_committees_in_the_extranet(
    client, portfolios, claire, acme, acme_contact
):
    committee = committee_for(acme, claire, decisions="Passage en 24x7", action="Étendre la sonde")
    home = client.get(reverse("extranet:home"))  # anonymous: the login
    assert home.status_code == 302
    site_contact = make_contact(acme, username="agence.acme", visibility="site")
    for contact in (acme_contact, site_contact):
        client.force_login(contact.user)
        listing = client.get(reverse("extranet:committees")).content.decode()
        assert reverse("extranet:committee", args=[committee.pk]) in listing
        assert "Comité du 20/11/2026" in listing
        assert 'href="/extranet/comites/" aria-current="page"' in listing  # the navigation
        page = client.get(reverse("extranet:committee", args=[committee.pk])).content.decode()
        assert "Passage en 24x7" in page and "Étendre la sonde" in page and "DSI" in page
        assert "Marquer réalisée" not in page  # read-only for the client


def test_a_contact_sees_nothing_of_another_clients_committees(
    client, portfolios, paul, globex, acme_contact
):
    other = committee_for(globex, paul, decisions="Secret Globex")
    client.force_login(acme_contact.user)
    listing = client.get(reverse("extranet:committees")).content.decode()
    assert "Aucun comité de pilotage" in listing
    assert reverse("extranet:committee", args=[other.pk]) not in listing
    assert client.get(reverse("extranet:committee", args=[other.pk])).status_code == 404
    assert client.get(reverse("extranet:committee", args=[999999])).status_code == 404


def test_staff_are_sent_back_from_the_extranet_committees(client, claire):
    client.force_login(claire)
    assert client.get(reverse("extranet:committees")).status_code == 302


def test_list_pages_pin_their_queries(
    client, portfolios, claire, acme, acme_contact, django_assert_num_queries
):
    for _ in range(3):
        committee_for(acme, claire)
    client.force_login(acme_contact.user)
    client.get(reverse("extranet:committees"))
    with django_assert_num_queries(EXTRANET_LIST_QUERIES):
        assert client.get(reverse("extranet:committees")).status_code == 200
    client.force_login(claire)
    client.get(reverse("portfolios:client_committees", args=[acme.pk]))
    with django_assert_num_queries(BACKOFFICE_LIST_QUERIES):
        assert (
            client.get(reverse("portfolios:client_committees", args=[acme.pk])).status_code == 200
        )


EXTRANET_LIST_QUERIES = 5
BACKOFFICE_LIST_QUERIES = 5
