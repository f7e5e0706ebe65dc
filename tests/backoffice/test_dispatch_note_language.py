"""The dispatch note is stored in French with its code, and each reader sees it in their
language, with the ranking's reasons in theirs (oceanis.messages)."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import make_ticket
from tickets.models import EventKind

pytestmark = pytest.mark.django_db


def test_a_dispatch_note_written_in_english_is_stored_in_french_and_read_in_each_language(
    manager_client, referent_contract
):
    ticket = make_ticket(client=referent_contract.client)
    manager_client.post(
        reverse("backoffice:dispatch_assign"),
        {"ticket": ticket.reference, "technician": referent_contract.referent.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.body.startswith("Dispatch : suggestion n° 1 (Technicien référent du contrat ; ")
    assert event.payload["message"]["code"] == "dispatch.suggestion"

    page = reverse("backoffice:ticket", args=[ticket.reference])
    french = manager_client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Dispatch : suggestion n° 1 (Technicien référent du contrat ; " in french
    english = manager_client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        note = gettext("Dispatch : suggestion n° %(rank)d (%(reasons)s).")
        head = (note % {"rank": 1, "reasons": "|"}).split("|")[0]
        reason = gettext("Technicien référent du contrat")
    assert f"{head}{reason} ; " in english
    assert "Dispatch: suggestion no. 1 (Referent technician of the contract ; " in english
    assert "Technicien référent du contrat" not in english
