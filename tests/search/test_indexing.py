"""Documents follow their sources after commit: ticket text by audience, problems, rollbacks."""

import pytest
from django.db import transaction

from changes import services as problem_services
from search.models import Audience, DocType, SearchDocument
from search.services import documents_rebuild
from tests.factories import make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def document(ticket):
    return SearchDocument.objects.get(doc_type=DocType.TICKET, object_id=ticket.pk)


def test_a_ticket_is_indexed_once_its_transaction_commits(acme, tech, indexed):
    with indexed() as callbacks:
        ticket = make_ticket(client=acme, title="Serveur de fichiers lent", description="Depuis 9h")
        assert not SearchDocument.objects.exists()  # nothing inside the transaction
    batches = [c for c in callbacks if type(getattr(c, "__self__", None)).__name__ == "_Batch"]
    assert len(batches) == 1  # one batch for the ticket and its creation event
    row = document(ticket)
    assert (row.reference, row.title, row.client_id) == (ticket.reference, ticket.title, acme.pk)
    assert row.audience == Audience.CLIENT and row.state == "new"
    assert "Depuis 9h" in row.public_text
    assert "ACME Logistique" in row.names


def test_reports_are_public_text_and_notes_and_private_mails_are_not(acme, tech, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="VPN")
    with indexed():
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="Routeur redémarré", public=True
        )
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="Mot de passe admin", public=False
        )
        services.ticket_add_entry(
            ticket=ticket, by=None, body="Mail du fournisseur", public=False, kind="email_in"
        )
    row = document(ticket)
    assert "Routeur redémarré" in row.public_text
    assert "Mot de passe admin" in row.private_text and "Mot de passe admin" not in row.public_text
    assert "Mail du fournisseur" in row.private_text


def test_a_rolled_back_write_indexes_nothing(acme, indexed):
    with indexed() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(client=acme, title="Annulé")
        raise RuntimeError
    assert not SearchDocument.objects.exists()
    assert not [c for c in callbacks if type(getattr(c, "__self__", None)).__name__ == "_Batch"]


def test_problems_are_indexed_for_staff_only(tech, indexed):
    with indexed():
        problem = problem_services.problem_create(
            by=tech.user,
            title="Saturation du cluster",
            description="",
            owner=None,
            root_cause="Journalisation",
            workaround="Purger les journaux",
            incidents=[],
            tickets=[],
        )
    row = SearchDocument.objects.get(doc_type=DocType.PROBLEM, object_id=problem.pk)
    assert row.audience == Audience.STAFF and row.reference == problem.reference
    assert "Purger les journaux" in row.private_text


def test_rebuild_repairs_a_missing_document(acme):
    ticket = make_ticket(client=acme, title="Jamais indexée")  # its transaction never commits
    assert not SearchDocument.objects.exists()
    assert documents_rebuild(doc_type=DocType.TICKET) == 1
    assert document(ticket).title == "Jamais indexée"
