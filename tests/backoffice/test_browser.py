"""End to end in headless Chromium: a phone ticket from creation to closure.

A technician creates it and sees its GTI deadline; the manager assigns it from the dispatch
screen; the technician takes it in charge, adds a public report, resolves and closes it with a
synthesis. Screenshots of the dispatch screen and the ticket page go to docs/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from clients.models import Contract
from sla.policy import HoursPlan, Urgency
from staff.models import Level, Team
from tests.factories import (
    ContactFactory,
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login
from tickets.models import EventKind, State, Ticket

pytestmark = BROWSER_TEST


@pytest.fixture
def team(settings, tmp_path):
    """The centre: a manager, a referent technician, colleagues, and a little work in progress
    so the dispatch screen has something to rank."""
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = make_manager("sophie")
    manager.user.first_name, manager.user.last_name = "Sophie", "Garnier"
    manager.user.save()
    julien = TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Morel"
    )
    thomas = TechnicianFactory(
        user__username="thomas",
        user__first_name="Thomas",
        user__last_name="Fournier",
        level=Level.CONFIRMED,
    )
    TechnicianFactory(
        user__username="emilie",
        user__first_name="Émilie",
        user__last_name="Dupuis",
        level=Level.EXPERT,
        team=Team.RUN,
    )
    TechnicianFactory(
        user__username="laura",
        user__first_name="Laura",
        user__last_name="Girard",
        available=False,
    )
    # 24x7 subscribed hours: the deadline is "now + GTI" whatever the hour the test runs.
    contract = ContractFactory(
        client__name="Vendée Logistique",
        client__code="vendee-logistique",
        hours_plan=HoursPlan.ON_CALL,
        billing=Contract.Billing.FLAT_FEE,
        referent=julien,
    )
    site = SiteFactory(client=contract.client, name="Les Herbiers")
    ContactFactory(client=contract.client, site=site, first_name="Pierre", last_name="Martin")
    other = ContractFactory(client__name="Mairie de Givrand", hours_plan=HoursPlan.ON_CALL)
    make_ticket(client=other.client, title="Imprimante bloquée", assignee=thomas)
    make_ticket(
        client=other.client,
        title="Question sur Word : publipostage",
        urgency=Urgency.NON_BLOCKING,
    )
    return {"manager": manager, "julien": julien}


def test_a_phone_ticket_from_creation_to_closure(live_server, browser, team):
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # 1. Julien takes a phone call and creates the ticket; the deadline shows up at once.
    tech = login(browser, live_server, "julien")
    tech.get_by_role("link", name="Nouvelle demande").first.click()
    tech.fill("#client-q", "vendée")
    tech.get_by_role("button", name=re.compile("Vendée Logistique")).click()
    expect(tech.get_by_test_id("contract")).to_contain_text("Astreinte 24h/24 7j/7")
    tech.select_option("#id_contact", label="Pierre Martin")
    tech.select_option("#id_site", label="Vendée Logistique – Les Herbiers")
    tech.get_by_role("radio", name=re.compile("Très bloquant")).check()
    preview = tech.get_by_test_id("gti-preview")
    expect(preview).to_contain_text("Échéance GTI")
    expect(preview).to_contain_text("4 h sur Astreinte 24h/24 7j/7")
    tech.fill("#id_title", "Sauvegarde en échec cette nuit")
    tech.fill("#id_description", "M. Martin signale l'échec de la sauvegarde nocturne.")
    tech.get_by_role("button", name="Créer la demande").click()
    expect(tech.locator(".messages")).to_contain_text("Échéance GTI")
    ticket = Ticket.objects.get(title="Sauvegarde en échec cette nuit")
    assert ticket.gti_deadline - ticket.created_at == ticket.gti_duration
    sla = tech.locator("#sla-panel")
    expect(sla).to_contain_text("Échéance")
    expect(sla).to_contain_text("4 h")
    expect(tech.get_by_test_id("gti-explanation")).to_contain_text("→")

    # 2. Sophie, the manager, assigns it from the dispatch screen: Julien is the referent.
    boss = login(browser, live_server, "sophie")
    boss.get_by_role("link", name="Dispatch").click()
    row = boss.locator(f"#d-{ticket.reference}")
    expect(row).to_contain_text("Technicien référent du contrat")
    expect(boss.locator(".team-board")).to_contain_text("Laura Girard")
    boss.screenshot(path=str(SCREENSHOTS / "dispatch.png"), full_page=True)
    row.get_by_role("button", name=f"Affecter {ticket.reference} à Julien Morel").click()
    expect(boss.locator("#dispatch-live .messages")).to_contain_text(
        f"{ticket.reference} affectée à Julien Morel"
    )
    expect(boss.locator(f"#d-{ticket.reference}")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.assignee == team["julien"]
    assert ticket.events.get(kind=EventKind.ASSIGNED).actor == team["manager"].user

    # 3. Julien finds it in his queue, takes it in charge, reports, resolves and closes it.
    tech.get_by_role("link", name="Mes demandes").click()
    tech.get_by_role("link", name=ticket.reference).click()
    tech.get_by_role("button", name="Prendre en charge").click()
    expect(tech.locator(".ticket-head")).to_contain_text("Prise en charge")
    expect(tech.locator("#sla-panel")).to_contain_text("GTI respectée")

    tech.fill("#id_entry_body", "Relance du job de sauvegarde : terminé sans erreur.")
    tech.fill("#id_entry_minutes_spent", "25")
    tech.get_by_role("button", name="Enregistrer").click()
    expect(tech.locator(".timeline")).to_contain_text("Relance du job de sauvegarde")

    tech.locator("summary", has_text="Résoudre").click()
    tech.fill("#id_resolve_note", "Espace disque libéré sur le NAS, sauvegarde relancée.")
    tech.get_by_role("button", name="Résoudre").click()
    expect(tech.locator(".ticket-head")).to_contain_text("Résolue")

    tech.locator("summary", has_text="Clôturer").click()
    tech.fill("#id_close_synthesis", "Saturation du NAS ; purge et alerte de capacité ajoutée.")
    tech.select_option("#id_close_technical_domain", label="Sauvegarde")
    tech.get_by_role("button", name="Clôturer").click()
    expect(tech.locator(".ticket-head")).to_contain_text("Clôturée")
    expect(tech.locator(".facts")).to_contain_text("Saturation du NAS")
    tech.screenshot(path=str(SCREENSHOTS / "ticket.png"), full_page=True)

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.gti_met is True
    assert ticket.technical_domain == "backup"
    assert ticket.events.filter(kind=EventKind.REPORT, public=True, minutes_spent=25).exists()
    services_used = set(ticket.events.values_list("kind", flat=True))
    assert {EventKind.CREATED, EventKind.ASSIGNED, EventKind.TRANSITION} <= services_used
