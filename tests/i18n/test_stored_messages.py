"""Sentences the system stores are rendered in the reader's language (oceanis.messages).

Each test writes a row once, through the service, then reads the same row in French and in
English. English literals marked ``# needs catalogue`` hold once the lead has added the new
msgids of /tmp/brief/i18n_translations.txt to locale/en; the others are already translated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext

from oceanis.messages import (
    REGISTRY,
    Message,
    label,
    moment,
    per_language,
    text_of,
    translate_stored,
)
from tests.factories import make_ticket
from tickets import services
from tickets.models import EventKind, PlannedIntervention

pytestmark = pytest.mark.django_db


def in_both(row, field="body") -> tuple[str, str]:
    with translation.override("fr"):
        french = text_of(row, field)
    with translation.override("en"):
        english = text_of(row, field)
    return french, english


def english(msgid: str, **params) -> str:
    with translation.override("en"):
        return gettext(msgid) % params if params else gettext(msgid)


def test_a_message_is_stored_in_french_with_its_code_and_rendered_for_each_reader():
    ticket = make_ticket()
    event = services.ticket_add_entry(
        ticket=ticket,
        by=None,
        body=Message("incident.ticket_unlinked", ref="MI-2026-0001"),
        public=False,
    )
    event.refresh_from_db()
    assert event.body == "Détachée de l'incident majeur MI-2026-0001"
    assert event.payload["message"] == {
        "code": "incident.ticket_unlinked",
        "params": {"ref": "MI-2026-0001"},
    }
    french, in_english = in_both(event)
    assert french == event.body
    assert in_english == english("Détachée de l'incident majeur %(ref)s", ref="MI-2026-0001")
    assert in_english == "Unlinked from major incident MI-2026-0001"


def test_an_old_row_without_a_code_and_words_of_people_render_as_stored():
    ticket = make_ticket()
    event = services.ticket_add_entry(
        ticket=ticket, by=None, body="Redémarré le serveur d'impression.", public=True
    )
    event.refresh_from_db()
    assert "message" not in event.payload
    assert in_both(event) == (event.body, event.body)


def test_an_attachment_entry_reads_in_english(tmp_path):
    ticket = make_ticket()
    services.ticket_attach_file(
        ticket=ticket, by=None, name="rapport.pdf", content=b"%PDF-1.4 x", public=True
    )
    event = ticket.events.get(kind=EventKind.REPORT)
    french, in_english = in_both(event)
    assert french == "Pièce jointe ajoutée : rapport.pdf" == event.body
    assert in_english == "Attachment added: rapport.pdf"


def test_a_planned_intervention_reads_with_the_readers_date_and_mode(technician):
    from tickets.planning import intervention_plan

    ticket = make_ticket()
    starts = dt.datetime(2026, 12, 3, 13, 30, tzinfo=dt.UTC)  # 14:30 in Paris
    intervention_plan(
        ticket=ticket,
        technician=technician,
        starts_at=starts,
        duration=dt.timedelta(hours=1),
        mode=PlannedIntervention.Mode.REMOTE,
        by=None,
    )
    event = ticket.events.get(kind=EventKind.REPORT)
    french, in_english = in_both(event)
    name = technician.user.first_name
    assert french == event.body
    assert french == f"Intervention planifiée le 03/12/2026 14:30 (À distance) avec {name}."
    assert in_english.startswith("Intervention scheduled on 12/03/2026 2:30")
    assert "(Remote)" in in_english


def test_every_registered_sentence_stored_on_a_timeline_reads_in_both_languages():
    samples = {
        "name": "x.pdf",
        "ref": "OC-2026-000001",
        "when": moment(dt.datetime(2026, 12, 3, 13, 30, tzinfo=dt.UTC)),
        "mode": label(PlannedIntervention.Mode.ON_SITE.label),
        "tech": "Paul",
        "date": moment(dt.datetime(2026, 12, 3, 13, 30, tzinfo=dt.UTC), "SHORT_DATE_FORMAT"),
        "time": moment(dt.datetime(2026, 12, 3, 13, 30, tzinfo=dt.UTC), "TIME_FORMAT"),
        "contact": "Pierre Martin",
        "note": "Câble changé.",
        "rank": 1,
        "reasons": per_language(lambda: gettext("Charge : aucune demande ouverte")),
        "from": "Alice",
        "to": "Bruno",
        "title": "Panne réseau",
        "contract": "Infogérance",
        "severity": label("Critique"),
        "summary": "Disque plein",
        "subject": "srv1",
        "count": 3,
        "host": "srv1",
    }
    ticket = make_ticket()
    untranslated = []
    for code, template in REGISTRY.items():
        with translation.override(None):
            msgid = str(template)
        needed = {name: samples[name] for name in samples if f"%({name})" in msgid}
        message = Message(code, **needed)
        services.ticket_add_entry(ticket=ticket, by=None, body=message, public=False)
        row = ticket.events.latest("pk")  # the stored row, read back from the database
        french, in_english = in_both(row)
        assert french == row.body == str(message)
        with translation.override("en"):
            assert in_english == gettext(msgid) % {k: _shown(v) for k, v in needed.items()}
        if in_english == french:
            untranslated.append(code)
    assert untranslated == []  # needs catalogue (the new msgids)


def _shown(value):
    from oceanis.messages import _param

    return _param(value)


def test_a_stored_sentence_without_parameters_reads_in_english():
    stored = str(Message("oncall.nobody_in_role"))
    assert stored == "Personne n'occupe ce rôle : étape suivante."
    with translation.override("en"):
        assert translate_stored(stored) == english(stored)
        assert translate_stored(stored) == "Nobody holds this role: next step."
        assert translate_stored("Timeout du fournisseur SMS") == "Timeout du fournisseur SMS"


def test_the_services_strip_keeps_the_code():
    message = Message("ticket.client_replied_resume")
    assert message.strip() is message
    assert message.as_payload() == {"code": "ticket.client_replied_resume", "params": {}}


def test_the_template_filter_renders_rows_and_bare_stored_texts():
    from django.template import Context, Template

    ticket = make_ticket()
    services.ticket_add_entry(
        ticket=ticket, by=None, body=Message("change.pre_approved"), public=False
    )
    event = ticket.events.latest("pk")
    template = Template(
        "{% load oceanis_messages %}{{ event|stored_text }}|{{ error|stored_text }}"
    )
    context = Context({"event": event, "error": "Aucune coordonnée pour ce canal sur la fiche."})
    with translation.override("en"):
        assert template.render(context) == (
            "Pre-approved: standard change.|No contact details for this channel on the record."
        )


def test_the_digest_line_is_worded_when_the_mail_is_rendered():
    from notifications.emails import digest_line

    ticket = make_ticket()
    services.ticket_add_entry(
        ticket=ticket,
        by=None,
        body=Message("ticket.follow_up_after_closure", ref="OC-2026-000009"),
        public=True,
    )
    line = digest_line(ticket.events.latest("pk"))  # built in French (the active language)
    with translation.override("en"):
        assert str(line.body) == "Reply received after closure: follow-up in OC-2026-000009."
    with translation.override("fr"):
        assert str(line.body) == "Réponse reçue après clôture : suite dans OC-2026-000009."
