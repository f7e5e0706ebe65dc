"""In headless Chromium: a service manager records a steering committee with an action from their
portfolio, and the client's contact reads it in the extranet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from portfolios.services import portfolio_assign
from staff.models import SERVICE_MANAGER_GROUP
from tests.browser_checks import axe_violations
from tests.extranet.conftest import make_contact
from tests.factories import ContractFactory, TechnicianFactory, make_manager
from tests.support.browser import BROWSER_TEST, login

pytestmark = BROWSER_TEST

# Not among the README's screenshots: kept beside the test run for a look.
SHOTS = Path(os.environ.get("PORTFOLIO_SCREENSHOTS", tempfile.gettempdir()))


def test_a_committee_recorded_by_the_service_manager_is_read_in_the_extranet(live_server, browser):
    client = ContractFactory(client__name="Vendée Logistique", client__code="vendee").client
    pierre = make_contact(client, username="pierre.martin", first_name="Pierre", last_name="Martin")
    claire = TechnicianFactory(
        user__username="claire", user__first_name="Claire", user__last_name="Bernard"
    ).user
    claire.groups.add(Group.objects.get_or_create(name=SERVICE_MANAGER_GROUP)[0])
    portfolio_assign(client=client, service_manager=claire, by=make_manager().user)

    staff = login(browser, live_server, claire, "/portefeuilles/")
    expect(staff.locator("h1")).to_have_text("Mon portefeuille")
    card = staff.locator("#client-vendee")
    expect(card).to_contain_text("Vendée Logistique")
    staff.screenshot(path=str(SHOTS / "svcmgr-portfolio.png"), full_page=True)
    assert axe_violations(staff) == []
    card.get_by_role("link", name="Nouveau comité de pilotage").click()
    staff.fill("#id_held_on", "2026-11-24")
    staff.get_by_label("Claire Bernard").check()
    staff.get_by_label("Pierre Martin").check()
    staff.fill("#id_decisions", "Passage du quai 3 en supervision 24x7.")
    staff.fill("#id_description", "Transmettre l'inventaire réseau")
    staff.select_option("#id_owner", f"c:{pierre.pk}")
    staff.fill("#id_due_date", "2026-12-15")
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="Enregistrer le comité").click()
    expect(staff.locator("h1")).to_contain_text(
        "Comité de pilotage Vendée Logistique du 24/11/2026"
    )
    expect(staff.locator("table.actions")).to_contain_text("Transmettre l'inventaire réseau")
    assert axe_violations(staff) == []
    staff.screenshot(path=str(SHOTS / "svcmgr-committee.png"), full_page=True)

    page = login(browser, live_server, pierre.user, "/extranet/")
    page.get_by_role("link", name="Comités", exact=True).click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Comité du 24/11/2026").click()
    expect(page.locator("h1")).to_have_text("Comité de pilotage du 24/11/2026")
    expect(page.locator("main")).to_contain_text("Passage du quai 3 en supervision 24x7.")
    actions = page.locator("table.actions")
    expect(actions).to_contain_text("Transmettre l'inventaire réseau")
    expect(actions).to_contain_text("Pierre Martin")
    expect(actions).to_contain_text("15/12/2026")
    expect(actions).to_contain_text("À faire")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "svcmgr-extranet-committee.png"), full_page=True)
