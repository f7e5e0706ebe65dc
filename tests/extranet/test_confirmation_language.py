"""The client's confirmation of a resolution is stored in French and read in each reader's
language (oceanis.messages)."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from oceanis.messages import text_of
from tickets.models import State

pytestmark = pytest.mark.django_db


def test_the_confirmation_closing_a_request_reads_in_english(contact_client, org_a):
    contact_client.post(reverse("extranet:request_confirm", args=[org_a.resolved.pk]))
    closing = org_a.resolved.events.get(to_state=State.CLOSED)
    contact = str(org_a.contact)
    assert closing.body == f"Toner remplacé a\n\nRésolution confirmée par le client ({contact})."
    with translation.override("fr"):
        assert text_of(closing) == closing.body
    with translation.override("en"):
        confirmed = gettext("%(note)s\n\nRésolution confirmée par le client (%(contact)s).")
        assert text_of(closing) == confirmed % {"note": "Toner remplacé a", "contact": contact}
        # needs catalogue
        assert text_of(closing).endswith(f"\n\nResolution confirmed by the client ({contact}).")


def test_the_request_page_shows_the_synthesis_in_the_readers_language(contact_client, org_a):
    contact_client.post(reverse("extranet:request_confirm", args=[org_a.resolved.pk]))
    url = reverse("extranet:request", args=[org_a.resolved.pk])
    contact = str(org_a.contact)
    french = contact_client.get(url).content.decode()
    assert f"Résolution confirmée par le client ({contact})." in french
    org_a.contact.language = "en"  # the extranet speaks the contact's language
    org_a.contact.save(update_fields=["language"])
    english = contact_client.get(url).content.decode()
    assert '<html lang="en">' in english
    with translation.override("en"):
        confirmed = gettext("%(note)s\n\nRésolution confirmée par le client (%(contact)s).")
    expected = (confirmed % {"note": "Toner remplacé a", "contact": contact}).split("\n")[-1]
    assert expected in english
    assert f"Resolution confirmed by the client ({contact})." in english  # needs catalogue


def test_the_history_and_its_csv_show_the_synthesis_in_the_readers_language(contact_client, org_a):
    contact_client.post(reverse("extranet:request_confirm", args=[org_a.resolved.pk]))
    contact = str(org_a.contact)
    org_a.contact.language = "en"
    org_a.contact.save(update_fields=["language"])
    english = f"Resolution confirmed by the client ({contact})."
    assert english in contact_client.get(reverse("extranet:history")).content.decode()
    csv = contact_client.get(reverse("extranet:history_csv")).content.decode("utf-8-sig")
    assert english in csv
    assert "Résolution confirmée" not in csv
