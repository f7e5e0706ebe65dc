"""Banners, overdue updates and the post-incident report (timeline and PDF)."""

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from incidents import services
from incidents.pir import pir_pdf, pir_timeline
from incidents.selectors import active_banners_for_client, overdue_updates
from tests.factories import make_ticket
from tickets.models import Ticket
from tickets.services import ticket_add_entry, ticket_escalate, ticket_take_in_charge

from .helpers import publish

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_banner_shows_only_for_affected_clients_once_announced(incident, tenants, technician):
    assert active_banners_for_client(tenants["affected"]) == []  # nothing published yet

    publish(incident, technician.user)
    update = publish(incident, technician.user, kind="update", body="Disque remplacé.")

    banners = active_banners_for_client(tenants["affected"])
    assert [(b.incident, b.message) for b in banners] == [(incident, update)]
    assert not banners[0].resolved
    assert active_banners_for_client(tenants["other"]) == []
    assert active_banners_for_client(None) == []


def test_a_resolved_banner_stays_a_day_then_disappears(incident, tenants, technician):
    publish(incident, technician.user)
    publish(incident, technician.user, kind="resolution", body="Service rétabli.")

    (banner,) = active_banners_for_client(tenants["affected"])
    assert banner.resolved
    later = timezone.now() + dt.timedelta(hours=25)
    assert active_banners_for_client(tenants["affected"], now=later) == []


def test_banners_cost_two_queries_whatever_their_number(
    tenants, technician, django_assert_num_queries
):
    for n in range(3):
        i = services.incident_create(
            title=f"Incident {n}", by=technician.user, clients=[tenants["affected"]]
        )
        publish(i, technician.user)
    with django_assert_num_queries(2):
        assert len(active_banners_for_client(tenants["affected"])) == 3


def test_an_incident_whose_next_update_time_passed_is_overdue(incident, technician):
    publish(incident, technician.user, minutes=30)
    now = timezone.now()
    assert list(overdue_updates(now)) == []
    assert list(overdue_updates(now + dt.timedelta(minutes=31))) == [incident]
    incident.refresh_from_db()
    assert incident.update_overdue(now + dt.timedelta(minutes=31))

    publish(incident, technician.user, kind="resolution")
    assert list(overdue_updates(now + dt.timedelta(hours=5))) == []


@pytest.fixture
def resolved_incident(incident, tenants, technician):
    """Two clients' tickets, an internal note, an escalation and three communications."""
    user = technician.user
    alpha_ticket = incident.ticket_links.get().ticket
    ticket_take_in_charge(ticket=alpha_ticket, by=user)
    ticket_add_entry(ticket=alpha_ticket, by=user, body="Note interne secrète", public=False)
    ticket_escalate(ticket=alpha_ticket, by=user, reason="Baie de stockage HS")
    bravo_ticket = make_ticket(client=tenants["other"], title="Bravo sans mail")
    services.incident_link_ticket(incident=incident, ticket=bravo_ticket, by=user)
    publish(incident, user)
    publish(incident, user, kind="update", body="Remplacement du contrôleur en cours.")
    publish(incident, user, kind="resolution", body="Service rétabli à 100 %.")
    services.pir_save(
        incident=incident,
        by=user,
        summary="Coupure de la messagerie hébergée.",
        impact="Messagerie indisponible pour deux clients pendant 40 minutes.",
        root_cause="Contrôleur de la baie de stockage défaillant.",
        actions="Remplacer le contrôleur\nSurveiller la latence des disques",
    )
    incident.refresh_from_db()
    return incident, alpha_ticket, bravo_ticket


def test_the_staff_timeline_assembles_events_and_communications_in_order(resolved_incident):
    incident, alpha_ticket, bravo_ticket = resolved_incident

    timeline = pir_timeline(incident)

    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    titles = [e.title for e in timeline]
    assert titles[0] == "Début de l'incident" and titles[-1] == "Fin de l'incident"
    assert sum(t.startswith("Communication") for t in titles) == 3
    assert any(alpha_ticket.reference in t and "N1 → N2" in t for t in titles)
    assert any(bravo_ticket.reference in t for t in titles)
    assert [e.body for e in timeline if e.internal].count("Note interne secrète") == 1


def test_a_client_timeline_has_its_own_public_events_only(resolved_incident, tenants):
    incident, alpha_ticket, bravo_ticket = resolved_incident
    visible = Ticket.objects.filter(client=tenants["affected"])

    timeline = pir_timeline(incident, visible_tickets=visible)

    text = " ".join(f"{e.title} {e.body}" for e in timeline)
    assert alpha_ticket.reference in text
    assert bravo_ticket.reference not in text
    assert "Note interne secrète" not in text
    assert not any(e.internal for e in timeline)


def test_the_report_pdf_carries_the_analysis_and_the_timeline(resolved_incident, tenants):
    incident, alpha_ticket, bravo_ticket = resolved_incident
    visible = Ticket.objects.filter(client=tenants["affected"])

    content = pir_pdf(
        incident,
        incident.pir,
        pir_timeline(incident, visible_tickets=visible),
        client_name="Alpha",
    )

    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    for expected in (
        "Rapport post-incident",
        incident.reference,
        "Panne de la messagerie hébergée",
        "Contrôleur de la baie de stockage défaillant.",
        "Messagerie indisponible pour deux clients pendant 40 minutes.",
        "- Remplacer le contrôleur",
        "Communication : Notification initiale",
        "Service rétabli à 100 %.",
        "Client : Alpha",
        alpha_ticket.reference,
    ):
        assert expected in text, expected
    assert bravo_ticket.reference not in text
    assert "Note interne secrète" not in text


def test_the_pdf_keeps_local_times_across_daylight_saving(technician, tenants):
    # 26 Oct 2025 01:30 UTC is 02:30 CET after the clocks went back (03:30 CEST before).
    with time_machine.travel(dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC), tick=False):
        incident = services.incident_create(
            title="Nuit du changement d'heure", by=technician.user, clients=[tenants["affected"]]
        )
    text = pdf_text(pir_pdf(incident, None, pir_timeline(incident)))
    assert "26 octobre 2025 02:30" in text
