"""End to end in headless Chromium: the capacity grid, a booking, and a refused over-booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from projects.booking import book
from projects.capacity import holiday_name, week_capacity, week_start
from projects.models import Absence
from staff.models import Level, Team
from tests.factories import ClientFactory, TechnicianFactory, UserFactory, make_manager
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login

from .conftest import make_project

pytestmark = BROWSER_TEST


def working_monday(rank: int) -> dt.date:
    """Monday of the rank-th coming week without a public holiday (the figures stay simple)."""
    this_week = week_start(timezone.localdate())
    mondays = [this_week + dt.timedelta(weeks=k) for k in range(1, 8)]
    clear = [
        m for m in mondays if not any(holiday_name(m + dt.timedelta(days=d)) for d in range(5))
    ]
    return clear[rank - 1]


@pytest.fixture
def scene(db):
    pm = UserFactory(username="cdp", first_name="Inès", last_name="Caron", is_staff=True)
    manager = make_manager().user
    claire, hugo = (
        TechnicianFactory(
            user__username=username,
            user__first_name=first,
            user__last_name=last,
            team=Team.BUILD,
            level=Level.EXPERT,
        )
        for username, first, last in [
            ("projet1", "Claire", "Fontaine"),
            ("projet2", "Hugo", "Chevalier"),
        ]
    )
    client = ClientFactory(name="Vendée Logistique", code="vendee-logistique")
    vpn = make_project(client, pm, name="VPN inter-sites")
    colo = make_project(client, pm, name="Colocation baie 42U", kind="colocation")
    next_week = working_monday(1)
    Absence.objects.create(technician=claire, start=next_week, end=next_week + dt.timedelta(days=1))
    book(project=vpn, engineer=claire, start=next_week + dt.timedelta(days=2), by=pm)
    # Hugo: the whole of next week on the VPN, and the manager forces a morning on the colocation.
    book(project=vpn, engineer=hugo, start=next_week, end=next_week + dt.timedelta(days=4), by=pm)
    book(
        project=colo,
        engineer=hugo,
        start=next_week + dt.timedelta(days=1),
        half="am",
        by=manager,
        force=True,
    )
    return {"pm": pm, "claire": claire, "hugo": hugo, "vpn": vpn, "colo": colo, "week": next_week}


def cell(page, engineer, monday):
    return page.locator(f'td[data-engineer="{engineer.pk}"][data-week="{monday:%Y-%m-%d}"]')


def test_the_capacity_grid_books_an_engineer_and_refuses_an_overbooking(
    live_server, browser, scene
):
    page = login(
        browser, live_server, "cdp", "/projects/capacite/", viewport={"width": 1400, "height": 1100}
    )
    assert page.locator("h1").inner_text() == "Capacité des ingénieurs BUILD"
    assert page.locator("#capacity-grid thead th").count() == 9  # engineer + 8 weeks

    hugo, claire, week = scene["hugo"], scene["claire"], scene["week"]
    hugo_figures = week_capacity(hugo, week)
    over = cell(page, hugo, week)
    assert hugo_figures.overbooked
    assert over.locator(".cap-figures").inner_text() == (
        f"{hugo_figures.booked} / {hugo_figures.available}"
    )
    assert "surréservé" in over.inner_text()
    background = over.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(253, 232, 231)"  # highlighted in red
    assert "disponibles" in over.get_attribute("title")

    # Book Claire for a day in three weeks' time on the colocation project.
    target = working_monday(3) + dt.timedelta(days=2)
    before = week_capacity(claire, target)
    page.select_option('select[name="engineer"]', str(claire.pk))
    page.select_option('select[name="project"]', str(scene["colo"].pk))
    page.fill('input[name="start"]', target.isoformat())
    page.select_option('select[name="half"]', "day")
    page.click('#booking-form button[type="submit"]')
    page.wait_for_selector(".messages li")
    assert "Claire Fontaine réservé(e) sur « Colocation baie 42U »" in page.inner_text(".messages")
    assert cell(page, claire, working_monday(3)).locator(".cap-figures").inner_text() == (
        f"{before.booked + 2} / {before.available}"
    )

    # Hugo has nothing left next week: the project manager is refused, with the reasons.
    page.select_option('select[name="engineer"]', str(hugo.pk))
    page.select_option('select[name="project"]', str(scene["colo"].pk))
    page.fill('input[name="start"]', (week + dt.timedelta(days=3)).isoformat())
    page.select_option('select[name="half"]', "pm")
    page.click('#booking-form button[type="submit"]')
    error = page.locator("#booking-form .error[role=alert]")
    error.wait_for()
    text = error.inner_text()
    assert "Surréservation refusée pour Hugo Chevalier" in text
    assert "déjà réservé(e) sur le projet « VPN inter-sites »" in text
    assert "Seul un responsable peut forcer une surréservation." in text
    assert page.locator('input[name="force"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "capacity.png"), full_page=True)
    page.close()
