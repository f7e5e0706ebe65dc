"""In headless Chromium: a manager logs in, sees who is on call, browses the on-call calendar
(DST week included, an override shown, 26 weeks on demand) and acknowledges a page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from oncall.models import Override
from oncall.services import rotation_set_members, rotation_swap_weeks
from tests.factories import TechnicianFactory, make_manager, make_ticket
from tests.oncall.conftest import paris
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login

NOW = paris(2026, 10, 17, 2, 40)  # a Saturday night, 3rd week of the rotation

pytestmark = BROWSER_TEST


@pytest.fixture
def scene():
    from oncall.models import Rotation
    from sla.policy import HoursPlan
    from tests.factories import ContractFactory

    manager = make_manager("sophie")
    manager.user.first_name, manager.user.last_name = "Sophie", "Garnier"
    manager.user.save()
    people = [("julien", "Julien", "Morel"), ("camille", "Camille", "Roux"),
              ("thomas", "Thomas", "Fournier"), ("laura", "Laura", "Girard")]  # fmt: skip
    techs = [
        TechnicianFactory(
            user__username=u, user__first_name=f, user__last_name=last, phone="+33 6 12 34 56 78"
        )
        for u, f, last in people
    ]
    rotation = Rotation.objects.create(
        name="Astreinte Oceanis", start_date=dt.date(2026, 10, 1), escalation_contact=manager
    )
    rotation_set_members(rotation=rotation, technicians=techs)
    rotation_swap_weeks(
        rotation=rotation, first=dt.date(2026, 11, 5), second=dt.date(2026, 11, 12), reason="Congés"
    )
    Override.objects.create(
        rotation=rotation,
        technician=techs[1],  # Camille covers Laura's Saturday night
        starts_at=paris(2026, 10, 24, 20, 0),
        ends_at=paris(2026, 10, 25, 8, 0),
        reason="Rendez-vous médical",
    )
    client = ContractFactory(
        hours_plan=HoursPlan.ON_CALL, client__name="Clinique du Littoral"
    ).client
    with time_machine.travel(NOW - dt.timedelta(minutes=12), tick=False):
        ticket = make_ticket(
            client=client, urgency="critical", title="Baie de stockage en alarme (contrôleur B)"
        )  # transaction=True: the on-commit hooks run and page for real
    return {"manager": manager, "techs": techs, "ticket": ticket}


def test_a_manager_browses_the_on_call_calendar_and_acknowledges_a_page(
    live_server, browser, scene
):
    from oncall.models import Page, PageState

    page_row = Page.objects.get(ticket=scene["ticket"])
    assert page_row.target.user.username == "thomas"
    with time_machine.travel(NOW, tick=True):
        tab = login(browser, live_server, "sophie", "/oncall/", timezone_id="Europe/Paris")
        assert tab.locator("[data-role=primary]").inner_text().startswith("Thomas Fournier")
        assert tab.locator("[data-role=backup]").inner_text().startswith("Laura Girard")
        assert "Hors heures ouvrées" in tab.locator(".oc-now h2").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "oncall-now.png"), full_page=True)

        tab.get_by_role("link", name="Calendrier", exact=True).click()
        tab.wait_for_url("**/oncall/calendar/")
        rows = tab.locator("tr.oc-week")
        assert rows.count() == 12
        current = tab.locator("tr.oc-current")
        assert current.count() == 1 and "Thomas Fournier" in current.inner_text()
        dst_week = tab.locator("tr[data-week='3']")  # 22 → 29 Oct: the clocks go back on the 25th
        assert "22/10/2026 08:30" in dst_week.inner_text()
        assert "29/10/2026 08:30" in dst_week.inner_text()
        assert "Rendez-vous médical" in dst_week.inner_text()
        swapped = tab.locator("tr[data-week='5']")
        assert "échange" in swapped.inner_text()
        tab.screenshot(path=str(SCREENSHOTS / "oncall.png"), full_page=True)

        tab.select_option("#weeks", "26")
        tab.wait_for_url("**/oncall/calendar/?weeks=26")
        assert tab.locator("tr.oc-week").count() == 26

        tab.get_by_role("link", name="Appels", exact=True).click()
        tab.locator("tr[data-page] a").first.click()
        assert "Journal des envois" in tab.content()
        tab.get_by_role("button", name="Acquitter et prendre en charge").click()
        assert "Appel acquitté" in tab.locator(".messages").inner_text()
        assert "Acquittée" in tab.locator("[data-field=state]").inner_text()
        tab.context.close()
    page_row.refresh_from_db()
    assert page_row.state == PageState.ACKNOWLEDGED
    assert page_row.intervention_met is True
