"""End to end in headless Chromium: a contact follows a request and comments; staff see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.extranet.conftest import PASSWORD, make_contact
from tests.factories import ContractFactory, SiteFactory, TechnicianFactory, make_ticket
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, signed_in_context
from tickets import services
from tickets.attachments import attachment_add
from tickets.models import TicketEvent
from tickets.planning import intervention_plan

pytestmark = BROWSER_TEST


@pytest.fixture
def scene(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    contract = ContractFactory(client__name="Clinique du Littoral", client__code="littoral")
    client = contract.client
    site = SiteFactory(client=client, name="Saint-Nazaire")
    SiteFactory(client=client, name="La Baule")
    contact = make_contact(
        client, site=site, username="claire.martin@littoral.test", first_name="Claire",
        last_name="Martin", is_client_admin=True,
    )  # fmt: skip
    tech = TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Moreau"
    )
    by = tech.user
    ticket = make_ticket(
        client=client,
        contact=contact,
        site=site,
        title="Messagerie inaccessible au secrétariat",
        description="Depuis ce matin, Outlook demande le mot de passe en boucle.",
        urgency="very_blocking",
    )
    services.ticket_assign(ticket=ticket, technician=tech, by=by)
    services.ticket_take_in_charge(ticket=ticket, by=by)
    report = services.ticket_add_entry(
        ticket=ticket,
        by=by,
        body="Profil Outlook recréé sur le poste SEC-02, synchronisation en cours.",
        public=True,
    )
    attachment_add(ticket=ticket, name="journal-sync.log", content=b"ok", by=by, event=report)
    services.ticket_add_entry(
        ticket=ticket, by=by, body="Mot de passe admin local : ne pas divulguer", public=False
    )
    intervention_plan(
        ticket=ticket,
        technician=tech,
        starts_at=timezone.now() + dt.timedelta(days=1),
        duration=dt.timedelta(hours=1),
        by=by,
    )
    others = [
        ("Imprimante du 2e étage bloquée", "slightly_blocking"),
        ("Installer Acrobat sur le poste accueil", "non_blocking"),
        ("Sauvegarde de la nuit en échec", "very_blocking"),
    ]
    for title, urgency in others:
        other = make_ticket(client=client, contact=contact, site=site, title=title, urgency=urgency)
        services.ticket_assign(ticket=other, technician=tech, by=by)
    resolved = make_ticket(client=client, site=site, title="Wifi salle de réunion")
    services.ticket_take_in_charge(ticket=resolved, by=by)
    services.ticket_resolve(ticket=resolved, by=by, note="Borne redémarrée.")
    return {"contact": contact, "ticket": ticket, "tech": tech}


def test_a_contact_follows_a_request_comments_and_staff_see_the_comment(
    live_server, browser, scene
):
    ticket = scene["ticket"]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(live_server.url + reverse("extranet:home"))
    assert "/extranet/connexion/" in page.url  # anonymous → extranet login
    page.fill("#id_username", scene["contact"].user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("extranet:home"))
    assert page.locator("text=Messagerie inaccessible au secrétariat").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "extranet-home.png"), full_page=True)

    page.click(f"text={ticket.reference}")
    page.wait_for_url(live_server.url + reverse("extranet:request", args=[ticket.pk]))
    content = page.content()
    assert "Profil Outlook recréé sur le poste SEC-02" in content
    assert "ne pas divulguer" not in content
    page.fill("#id_body", "Merci, cela fonctionne de nouveau sur SEC-02.")
    page.click("#commenter button[type=submit]")
    page.wait_for_selector("text=Votre commentaire a été ajouté")
    assert page.locator("text=Merci, cela fonctionne de nouveau sur SEC-02.").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "extranet-request.png"), full_page=True)

    event = TicketEvent.objects.filter(ticket=ticket).latest("pk")
    assert event.body == "Merci, cela fonctionne de nouveau sur SEC-02."
    assert event.public and event.actor == scene["contact"].user
    assert event.payload["from_client"] is True

    # The back-office shows it to staff (the ticket page, or the admin where it is not built).
    tech_user = scene["tech"].user
    tech_user.is_superuser = True
    tech_user.save()
    staff = signed_in_context(browser, live_server, tech_user, viewport=None).new_page()
    try:
        url = reverse("backoffice:ticket", kwargs={"reference": ticket.reference})
    except NoReverseMatch:
        url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    response = staff.goto(live_server.url + url)
    if response.status != 200:
        url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
        response = staff.goto(live_server.url + url)
    assert response.status == 200
    assert "Merci, cela fonctionne de nouveau sur SEC-02." in staff.content()
