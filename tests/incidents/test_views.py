"""Incident screens: who may open each URL, what the forms do, and pinned query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import IncidentMessageDelivery, MajorIncident
from tests.factories import ContactFactory, UserFactory, make_ticket
from tickets.models import Kind

from .helpers import publish

pytestmark = pytest.mark.django_db


def staff_urls(incident, ticket, client):
    pk = incident.pk
    return [
        ("get", reverse("incidents:list")),
        ("get", reverse("incidents:create")),
        ("get", reverse("incidents:detail", args=[pk])),
        ("get", reverse("incidents:edit", args=[pk])),
        ("post", reverse("incidents:link", args=[pk])),
        ("post", reverse("incidents:unlink", args=[pk, ticket.pk])),
        ("post", reverse("incidents:client_add", args=[pk])),
        ("post", reverse("incidents:client_remove", args=[pk, client.pk])),
        ("post", reverse("incidents:next_update", args=[pk])),
        ("get", reverse("incidents:publish", args=[pk])),
        ("get", reverse("incidents:pir", args=[pk])),
        ("post", reverse("incidents:pir_publish", args=[pk])),
        ("get", reverse("incidents:pir_pdf", args=[pk])),
    ]


def test_every_staff_url_refuses_contacts_and_sends_visitors_to_login(client, incident, tenants):
    ticket = incident.ticket_links.get().ticket
    urls = staff_urls(incident, ticket, tenants["affected"])

    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url

    client.force_login(tenants["a_user"].user)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url


def test_every_staff_url_opens_for_staff(client, incident, tenants, technician):
    ticket = incident.ticket_links.get().ticket
    client.force_login(technician.user)
    for method, url in staff_urls(incident, ticket, tenants["affected"]):
        response = getattr(client, method)(url)
        assert response.status_code in (200, 302), url
        if method == "get":
            assert response.status_code == 200, url
    assert client.get(reverse("incidents:detail", args=[999999])).status_code == 404


def test_client_pages_are_for_contacts_of_affected_clients_only(
    client, incident, tenants, technician
):
    publish(incident, technician.user)
    publish(incident, technician.user, kind="resolution")
    services.pir_save(incident=incident, by=technician.user, impact="Coupure", root_cause="Disque")
    services.pir_publish(incident=incident, by=technician.user)
    report = reverse("extranet:incident_report", args=[incident.pk])
    pdf = reverse("extranet:incident_report_pdf", args=[incident.pk])
    home = reverse("extranet:incidents")

    response = client.get(home)
    assert response.status_code == 302 and "/extranet/connexion/" in response["Location"]
    client.force_login(technician.user)
    response = client.get(home)  # staff have their own screens: sent to the back-office
    assert response.status_code == 302 and "/extranet/" not in response["Location"]

    client.force_login(tenants["b_user"].user)
    response = client.get(home)
    assert response.status_code == 200
    assert incident.title.encode() not in response.content
    assert client.get(report).status_code == 404
    assert client.get(pdf).status_code == 404

    client.force_login(tenants["a_user"].user)
    response = client.get(home)
    assert incident.title in response.content.decode()
    assert client.get(report).status_code == 200
    response = client.get(pdf)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_an_unpublished_report_is_not_shown_to_the_client(client, incident, tenants, technician):
    publish(incident, technician.user)
    publish(incident, technician.user, kind="resolution")
    services.pir_save(incident=incident, by=technician.user, impact="Coupure", root_cause="Disque")
    client.force_login(tenants["a_user"].user)
    assert client.get(reverse("extranet:incident_report", args=[incident.pk])).status_code == 404


def test_an_inactive_contact_account_is_refused(client, tenants):
    user = UserFactory(username="former")
    ContactFactory(client=tenants["affected"], user=user, is_active=False)
    client.force_login(user)
    assert client.get(reverse("extranet:incidents")).status_code == 403


def test_staff_open_an_incident_with_clients_and_tickets_from_the_form(client, tenants, technician):
    ticket = make_ticket(client=tenants["other"], title="Téléphonie muette")
    client.force_login(technician.user)
    response = client.post(
        reverse("incidents:create"),
        {
            "title": "Coupure opérateur",
            "services": "Téléphonie\nInternet",
            "description": "",
            "started_at": "2026-03-02T09:15",
            "next_update_at": "",
            "clients": [tenants["affected"].pk],
            "tickets": ticket.reference.lower(),
        },
    )
    incident = MajorIncident.objects.get(title="Coupure opérateur")
    assert response.status_code == 302
    assert set(incident.affected_clients.all()) == {tenants["affected"], tenants["other"]}
    ticket.refresh_from_db()
    assert ticket.kind == Kind.INCIDENT
    assert timezone.localtime(incident.started_at).strftime("%H:%M") == "09:15"


def test_an_unknown_ticket_reference_is_a_form_error(client, technician):
    client.force_login(technician.user)
    response = client.post(
        reverse("incidents:create"),
        {"title": "X", "started_at": "2026-03-02T09:15", "tickets": "OC-1999-000001"},
    )
    assert response.status_code == 200
    assert "Demande introuvable : OC-1999-000001" in response.content.decode()
    assert not MajorIncident.objects.exists()


def test_the_publish_page_loads_a_template_and_publishing_mails_the_clients(
    client, incident, tenants, technician, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(technician.user)
    url = reverse("incidents:publish", args=[incident.pk])
    page = client.get(url, {"kind": "initial"}).content.decode()
    assert "Nous vous informons qu&#x27;un incident est en cours" in page

    later = timezone.localtime() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "kind": "initial",
                "subject": "[Oceanis] Incident en cours",
                "body": "La messagerie est indisponible.",
                "next_update_at": later.strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert response.status_code == 302
    assert len(mailoutbox) == IncidentMessageDelivery.objects.count() == 4


def test_publishing_out_of_order_shows_the_error_and_sends_nothing(
    client, incident, technician, mailoutbox
):
    client.force_login(technician.user)
    response = client.post(
        reverse("incidents:publish", args=[incident.pk]),
        {"kind": "update", "subject": "Point", "body": "En cours", "next_update_at": ""},
    )
    assert response.status_code == 200
    assert "Publiez d&#x27;abord la notification initiale." in response.content.decode()
    assert not IncidentMessageDelivery.objects.exists() and not mailoutbox


def test_linking_from_the_detail_page_reports_each_ticket(client, incident, tenants, technician):
    ticket = make_ticket(client=tenants["other"])
    linked = incident.ticket_links.get().ticket
    client.force_login(technician.user)
    response = client.post(
        reverse("incidents:link", args=[incident.pk]),
        {"references": f"{ticket.reference} {linked.reference}"},
        follow=True,
    )
    page = response.content.decode()
    assert f"{ticket.reference} rattachée." in page
    assert "déjà rattachée" in page
    assert incident.ticket_links.count() == 2


def test_the_report_editor_saves_and_publishes(client, incident, technician):
    publish(incident, technician.user)
    publish(incident, technician.user, kind="resolution")
    client.force_login(technician.user)
    url = reverse("incidents:pir", args=[incident.pk])
    client.post(url, {"impact": "Coupure", "root_cause": "Disque", "actions": "A\nB"})
    client.post(reverse("incidents:pir_publish", args=[incident.pk]), {"publish": "1"})
    incident.refresh_from_db()
    assert incident.pir.published and incident.pir.action_list() == ["A", "B"]
    pdf = client.get(reverse("incidents:pir_pdf", args=[incident.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_the_incident_list_costs_a_fixed_number_of_queries(
    client, tenants, technician, django_assert_num_queries
):
    for n in range(5):
        i = services.incident_create(
            title=f"Incident {n}",
            by=technician.user,
            clients=[tenants["affected"], tenants["other"]],
            tickets=[make_ticket(client=tenants["affected"])],
        )
        publish(i, technician.user)
    client.force_login(technician.user)
    # session, user, the list query, the shared top bar's manager check (Dispatch, Reports links)
    with django_assert_num_queries(4):
        response = client.get(reverse("incidents:list"))
    assert response.content.decode().count('class="state state-open"') == 5


def test_the_incident_detail_costs_a_fixed_number_of_queries(
    client, incident, tenants, technician, django_assert_max_num_queries
):
    for _n in range(4):
        services.incident_link_ticket(
            incident=incident, ticket=make_ticket(client=tenants["other"]), by=technician.user
        )
    publish(incident, technician.user)
    client.force_login(technician.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200


def test_an_overdue_incident_is_red_on_its_page(client, incident, technician):
    MajorIncident.objects.filter(pk=incident.pk).update(
        next_update_at=timezone.now() - dt.timedelta(minutes=5)
    )
    client.force_login(technician.user)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="next-update" class="overdue"' in page
    assert 'tr class="overdue"' in client.get(reverse("incidents:list")).content.decode()
