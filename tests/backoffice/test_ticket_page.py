"""Ticket page: SLA panel with its explanation, timeline, entries, attachments."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from backoffice.templatetags.backoffice import choice_label
from sla.policy import Urgency
from tests.factories import make_ticket
from tickets import services
from tickets.attachments import attachment_add
from tickets.models import EventKind, Ticket, TicketEvent

from .conftest import MONDAY_9, PARIS

pytestmark = pytest.mark.django_db
FRIDAY_17H30 = dt.datetime(2026, 3, 6, 17, 30, tzinfo=PARIS)


def url(name, ticket):
    return reverse(f"backoffice:{name}", args=[ticket.reference])


def test_the_sla_panel_explains_the_deadline_and_shows_open_time_left(tech_client):
    with time_machine.travel(FRIDAY_17H30, tick=False):
        ticket = make_ticket(urgency=Urgency.VERY_BLOCKING)
    with time_machine.travel(FRIDAY_17H30 + dt.timedelta(days=1), tick=False):
        body = tech_client.get(url("ticket", ticket)).content.decode()
    assert "30 min ven. 06/03 + 3 h 30 lun. 09/03 → lun. 09/03 12:00" in body
    assert "lundi 09/03/2026 12:00" in body
    assert "3 h 30" in body  # remaining open time, not wall-clock time
    assert "le décompte reprend lundi 09/03 08:30" in body
    assert 'hx-trigger="every 30s"' in body


def test_the_sla_panel_shows_the_measured_ti_once_taken_in_charge(tech_client, technician):
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(urgency=Urgency.CRITICAL, assignee=technician)
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=75), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
        body = tech_client.get(url("ticket", ticket)).content.decode()
    assert "TI mesuré" in body and "1 h 15" in body
    assert "GTI non respectée" in body
    assert 'hx-trigger="every 30s"' not in body  # the clock stopped: no more polling


def test_the_sla_fragment_is_served_alone_for_polling(tech_client):
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(urgency=Urgency.CRITICAL)
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=90), tick=False):
        body = tech_client.get(url("ticket_sla", ticket)).content.decode()
    assert body.lstrip().startswith('<section id="sla-panel"')
    assert "GTI dépassée de 30 min" in body


def test_an_unknown_reference_is_a_404(tech_client):
    assert tech_client.get("/tickets/OC-2026-999999/").status_code == 404


def test_the_timeline_shows_every_event_with_its_visibility(tech_client, technician):
    ticket = make_ticket(assignee=technician, description="Plus rien ne sort")
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    services.ticket_add_entry(
        ticket=ticket, by=technician.user, body="Pilote réinstallé", public=True, minutes_spent=20
    )
    services.ticket_add_entry(
        ticket=ticket, by=technician.user, body="Voir avec le référent", public=False
    )
    TicketEvent(
        ticket=ticket, kind=EventKind.EMAIL_OUT, public=True, body="Prise en charge",
        payload={"subject": "[OC] Prise en charge", "recipients": ["a@client.test"]},
    ).save(force_insert=True)  # fmt: skip
    body = tech_client.get(url("ticket", ticket)).content.decode()
    for text in (
        "Création",
        "Affectation",
        "Affectée → Prise en charge",
        "Pilote réinstallé",
        "Voir avec le référent",
        "[OC] Prise en charge — a@client.test",
        "20 min",
        "interne",
        "visible du client",
    ):
        assert text in body, text


def test_adding_a_public_report_with_time_spent(tech_client, technician):
    ticket = make_ticket(assignee=technician)
    response = tech_client.post(
        url("ticket_entry", ticket),
        {"body": "Redémarrage du spouleur", "visibility": "public", "minutes_spent": "15"},
    )
    assert response.status_code == 302
    event = ticket.events.get(kind=EventKind.REPORT)
    assert (event.public, event.minutes_spent, event.actor) == (True, 15, technician.user)


def test_adding_an_internal_note(tech_client):
    ticket = make_ticket()
    tech_client.post(
        url("ticket_entry", ticket), {"body": "Client pénible", "visibility": "internal"}
    )
    event = ticket.events.get(kind=EventKind.NOTE)
    assert event.public is False and event.minutes_spent == 0


def test_an_empty_entry_or_negative_time_is_refused(tech_client):
    ticket = make_ticket()
    response = tech_client.post(url("ticket_entry", ticket), {"body": " ", "visibility": "public"})
    assert response.status_code == 400
    response = tech_client.post(
        url("ticket_entry", ticket), {"body": "x", "visibility": "public", "minutes_spent": "-5"}
    )
    assert response.status_code == 400
    assert not ticket.events.exclude(kind=EventKind.CREATED).exists()


def test_no_entry_on_a_cancelled_ticket(tech_client, technician):
    ticket = make_ticket()
    services.ticket_cancel(ticket=ticket, by=technician.user, reason="Doublon")
    response = tech_client.post(url("ticket_entry", ticket), {"body": "x", "visibility": "public"})
    assert response.status_code == 302
    assert ticket.events.count() == 2


def test_uploading_and_downloading_an_attachment(tech_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket()
    upload = SimpleUploadedFile("../../etc/rapport.pdf", b"%PDF-1.4 test")
    response = tech_client.post(url("ticket_attach", ticket), {"file": upload, "public": "on"})
    assert response.status_code == 302
    attachment = ticket.attachments.get()
    assert attachment.original_name == "rapport.pdf"
    download = tech_client.get(reverse("backoffice:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="rapport.pdf"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"


@pytest.mark.parametrize("name", ["page.html", "image.svg", "setup.exe", "sans-extension"])
def test_dangerous_file_types_are_refused(tech_client, settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket()
    response = tech_client.post(
        url("ticket_attach", ticket), {"file": SimpleUploadedFile(name, b"<script>")}
    )
    assert response.status_code == 400
    assert "Type de fichier non autorisé" in response.content.decode()
    assert not ticket.attachments.exists()


def test_oversized_files_are_refused(tech_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket()
    response = tech_client.post(
        url("ticket_attach", ticket), {"file": SimpleUploadedFile("log.txt", b"x" * 11)}
    )
    assert response.status_code == 400
    assert "Fichier trop volumineux" in response.content.decode()


def test_xml_is_downloaded_as_an_opaque_file(tech_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attachment = attachment_add(ticket=make_ticket(), name="conf.xml", content=b"<a/>")
    response = tech_client.get(reverse("backoffice:attachment", args=[attachment.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_missing_file_on_disk_is_a_404(tech_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attachment = attachment_add(ticket=make_ticket(), name="a.txt", content=b"a")
    attachment.file.storage.delete(attachment.file.name)
    assert (
        tech_client.get(reverse("backoffice:attachment", args=[attachment.pk])).status_code == 404
    )


def test_requalification_lines_name_the_fields_and_values(tech_client, technician):
    ticket = make_ticket(assignee=technician)
    services.ticket_requalify(
        ticket=ticket, by=technician.user, values={"technical_domain": "backup", "billable": True}
    )
    body = tech_client.get(url("ticket", ticket)).content.decode()
    assert "domaine technique : — → Sauvegarde" in body
    assert "facturable : non → oui" in body


def test_ticket_page_query_count_does_not_grow_with_its_history(
    manager_client, manager, settings, tmp_path, django_assert_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket(assignee=manager)
    services.ticket_take_in_charge(ticket=ticket, by=manager.user)
    manager_client.get(url("ticket", ticket))
    # 10 (the viewer's technician profile comes with the page's list of technicians) +
    # follow-ups, watchers; no "seen" upsert: no client activity to mark read
    with django_assert_num_queries(12) as few:
        manager_client.get(url("ticket", ticket))
    for n in range(10):
        services.ticket_add_entry(ticket=ticket, by=manager.user, body=f"CR {n}", public=n % 2)
        attachment_add(ticket=ticket, name=f"log{n}.txt", content=b"x", by=manager.user)
    with django_assert_num_queries(len(few.captured_queries)):
        response = manager_client.get(url("ticket", ticket))
    assert len(response.context["lines"]) == 13


def test_an_uploaded_file_shows_in_the_timeline_where_it_was_added(
    tech_client, technician, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket()
    upload = SimpleUploadedFile("schema-reseau.pdf", b"%PDF-1.4 test")
    tech_client.post(url("ticket_attach", ticket), {"file": upload})  # unticked: internal
    attachment = ticket.attachments.get()
    event = attachment.event
    assert (event.kind, event.public, event.actor) == ("note", False, technician.user)
    assert event.body == "Pièce jointe ajoutée : schema-reseau.pdf"
    page = tech_client.get(url("ticket", ticket)).content.decode()
    timeline = page[page.index('id="timeline-title"') : page.index('id="entry-title"')]
    assert reverse("backoffice:attachment", args=[attachment.pk]) in timeline
    assert "schema-reseau.pdf" in timeline


def test_each_action_form_posts_to_its_own_action(manager_client, manager):
    ticket = make_ticket(assignee=manager)
    services.ticket_take_in_charge(ticket=ticket, by=manager.user)
    response = manager_client.get(url("ticket", ticket))
    names = [item["action"].name for item in response.context["actions"]]
    assert len(names) >= 3
    posted = re.findall(r'action="([^"]*/actions/[^"]*)"', response.content.decode())
    assert posted == [
        reverse("backoffice:ticket_action", args=[ticket.reference, n]) for n in names
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_choice_labels_are_the_models_display_values(language):
    fields = ["kind", "state", "urgency", "escalation_level", "technical_domain", "pending_on"]
    with translation.override(language):
        for name in fields:
            values = [v for v, _label in Ticket._meta.get_field(name).flatchoices]
            for value in [*values, "", "unknown", 9]:
                ticket = Ticket(**{name: value})
                shown = choice_label(ticket, name)
                expected = getattr(ticket, f"get_{name}_display")()
                assert (type(shown), shown) == (type(expected), expected), (name, value)
    with translation.override("en"):
        assert choice_label(Ticket(state="new"), "state") == "New"
        assert choice_label(Ticket(escalation_level=9), "escalation_level") == 9
