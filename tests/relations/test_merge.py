"""Merging a duplicate: nothing lost, both references resolve, the contacts are told, and a
mail reply to the duplicate's thread lands on the ticket that continues it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.inbound.service import inbound_receive
from notifications.models import KnownMessageId, Notification
from relations.models import TicketLink, TicketMerge
from relations.selectors import merge_target
from relations.services import ticket_merge
from tests.factories import make_ticket
from tickets import services
from tickets.attachments import attachment_add
from tickets.models import EventKind, State, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(acme, marie, paul, tech):
    target = make_ticket(client=acme, contact=marie, title="Imprimante du 2e bloquée")
    source = make_ticket(
        client=acme, contact=paul, title="Imprimante HS", description="Elle affiche 13.B"
    )
    return source, target


def _reply(subject: str, body: str, in_reply_to: str, sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: support@oceanis.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <reply-{abs(hash((subject, body)))}@acme.test>\r\n"
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_merge_copies_entries_files_and_watchers_and_cancels_the_source(pair, tech, manager):
    source, target = pair
    report = services.ticket_add_entry(
        ticket=source, by=tech.user, body="Bourrage papier constaté", public=True, minutes_spent=15
    )
    services.ticket_add_entry(ticket=source, by=tech.user, body="Voir le tiroir 2", public=False)
    attachment_add(
        ticket=source, name="photo.png", content=b"\x89PNG..", by=tech.user, event=report
    )
    services.ticket_watcher_add(ticket=source, by=tech.user, user=manager.user)
    source_history = list(source.events.values_list("pk", "kind", "body"))

    merge = ticket_merge(source=source, target=target, by=tech.user, reason="Même imprimante")

    source.refresh_from_db()
    assert source.state == State.CANCELLED
    cancel = source.events.get(kind=EventKind.TRANSITION, to_state=State.CANCELLED)
    assert cancel.public and target.reference in cancel.body and "Même imprimante" in cancel.body
    assert cancel.payload["merged_into"]["reference"] == target.reference
    # The source's own history is untouched (append-only): only the cancellation was added.
    assert list(source.events.exclude(pk=cancel.pk).values_list("pk", "kind", "body")) == (
        source_history
    )
    copies = target.events.filter(payload__merged_from=source.reference)
    bodies = [e.body for e in copies]
    assert any("Elle affiche 13.B" in b for b in bodies)  # the source's description
    copied_report = copies.get(payload__origin_event=report.pk)
    assert copied_report.public and copied_report.kind == EventKind.REPORT
    assert "Bourrage papier constaté" in copied_report.body
    # Time stays counted once, on the source's entry; the copy says how much it was.
    assert (copied_report.minutes_spent, copied_report.payload["origin_minutes"]) == (0, 15)
    note = copies.get(body__contains="Voir le tiroir 2")
    assert (note.kind, note.public) == (EventKind.NOTE, False)
    assert [a.original_name for a in target.attachments.all()] == ["photo.png"]
    assert target.attachments.get().event == copied_report
    assert source.attachments.count() == 1  # still on the source too
    watchers = {(w.user_id, w.contact_id) for w in target.watchers.all()}
    assert (manager.user.pk, None) in watchers and (None, source.contact_id) in watchers
    assert TicketLink.objects.get(source=source, target=target).kind == "duplicate_of"
    assert merge.summary["entries"] and merge.summary["attachments"] == 1


def test_the_contacts_of_the_duplicate_are_mailed_through_the_outbox(
    pair, tech, mailoutbox, committed
):
    source, target = pair
    mailoutbox.clear()
    with committed():
        ticket_merge(source=source, target=target, by=tech.user, reason="Même imprimante")
    row = Notification.objects.get(ticket=source, recipient="paul.durand@acme.test")
    assert row.status == "sent" and row.kind == "closed"
    mail = next(
        m for m in mailoutbox if m.to == ["paul.durand@acme.test"] and source.reference in m.subject
    )
    assert "fusionnée" in mail.subject
    assert target.reference in mail.body and "Même imprimante" in mail.body
    assert "/satisfaction/" not in mail.body  # a merged duplicate is not rated


def test_a_mail_reply_to_the_duplicates_thread_lands_on_the_target(pair, tech, committed):
    source, target = pair
    with committed():
        pass
    thread_id = "<OC-dup.thread@oceanis.service-desk>"
    KnownMessageId.objects.create(message_id=thread_id, ticket=source, direction="out")
    ticket_merge(source=source, target=target, by=tech.user, reason="Doublon")

    message, _created = inbound_receive(
        _reply(
            f"RE: [{source.reference}] Imprimante HS",
            "Toujours en panne ce matin",
            thread_id,
            "Paul Durand <paul.durand@acme.test>",
        ),
        "imap",
    )
    assert message.status == "processed"
    assert message.ticket_id == target.pk
    assert target.events.filter(kind=EventKind.EMAIL_IN, body__contains="Toujours en panne")
    assert not source.events.filter(kind=EventKind.EMAIL_IN).exists()


def test_a_reply_naming_only_the_duplicates_reference_lands_on_the_target(pair, tech):
    source, target = pair
    ticket_merge(source=source, target=target, by=tech.user, reason="Doublon")
    message, _created = inbound_receive(
        _reply(
            f"RE: [{source.reference}] Imprimante HS",
            "Des nouvelles ?",
            "<unknown@x>",
            "Paul Durand <paul.durand@acme.test>",
        ),
        "imap",
    )
    assert (message.status, message.ticket_id) == ("processed", target.pk)
    assert merge_target(source) == target


def test_both_references_stay_resolvable_on_every_door(pair, tech, client):
    source, target = pair
    ticket_merge(source=source, target=target, by=tech.user, reason="Doublon")
    client.force_login(tech.user)
    page = client.get(reverse("backoffice:ticket", args=[source.reference]))
    assert page.status_code == 200
    panel = client.get(reverse("relations:panel", args=[source.reference])).content.decode()
    assert f"Fusionnée dans {target.reference}" in panel
    assert reverse("backoffice:ticket", args=[target.reference]) in panel
    panel = client.get(reverse("relations:panel", args=[target.reference])).content.decode()
    assert f"{source.reference} a été fusionnée dans cette demande" in panel
    api = client.get(f"/api/v1/tickets/{source.reference}/links/").json()
    assert api["merged_into"] == target.reference
    assert client.get(f"/api/v1/tickets/{source.reference}/").json()["state"] == "cancelled"
    api = client.get(f"/api/v1/tickets/{target.reference}/links/").json()
    assert api["merged_from"] == [source.reference]


@pytest.mark.parametrize("case", ["taken", "other_client", "self", "twice", "blank"])
def test_merges_the_rules_refuse_change_nothing(pair, tech, other_client, case):
    source, target = pair
    reason = "Doublon"
    if case == "taken":
        services.ticket_take_in_charge(ticket=source, by=tech.user)
    elif case == "other_client":
        target = make_ticket(client=other_client, title="Ailleurs")
    elif case == "self":
        target = source
    elif case == "twice":
        ticket_merge(source=source, target=target, by=tech.user, reason="Doublon")
        source.refresh_from_db()
    elif case == "blank":
        reason = "  "
    before = TicketEvent.objects.count()
    with pytest.raises(ValidationError):
        ticket_merge(source=source, target=target, by=tech.user, reason=reason)
    assert TicketEvent.objects.count() == before
    assert TicketMerge.objects.filter(source=source).count() == (1 if case == "twice" else 0)


def test_merge_through_the_api_and_the_ticket_page(pair, tech, client):
    source, target = pair
    client.force_login(tech.user)
    response = client.post(
        f"/api/v1/tickets/{source.reference}/merge/",
        {"target": target.reference, "reason": "Doublon", "extra": 1},
        content_type="application/json",
    )
    assert response.status_code == 400 and "extra" in response.json()["fields"]
    response = client.post(
        f"/api/v1/tickets/{source.reference}/merge/",
        {"target": "OC-1999-000001", "reason": "Doublon"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "target" in response.json()["fields"]
    response = client.post(
        f"/api/v1/tickets/{source.reference}/merge/",
        {"target": target.reference, "reason": "Doublon"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["target"] == target.reference
    assert Ticket.objects.get(pk=source.pk).state == State.CANCELLED
    # The web form: a refused merge (the source is cancelled now) says why, writes nothing.
    response = client.post(
        reverse("relations:merge", args=[source.reference]),
        {"target": target.reference, "reason": "Encore"},
        follow=True,
    )
    assert "déjà été fusionnée" in response.content.decode()
