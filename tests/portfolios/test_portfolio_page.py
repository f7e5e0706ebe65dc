""" "Mon portefeuille": a service manager sees their clients' cards only, with GTI compliance,
satisfaction and its low scores, open major incidents, upcoming changes, reports and committees;
a technician sees none; the page's query count does not grow with the number of clients."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from changes.models import ChangeRequest
from incidents import services as incident_services
from portfolios.services import portfolio_assign
from reports.models import ClientReport
from satisfaction.models import Rating
from tests.factories import ContractFactory, make_ticket
from tickets.models import State

from .conftest import committee_for

pytestmark = pytest.mark.django_db


def _rating(client, score, comment="", days_ago=3):
    ticket = make_ticket(client=client, title=f"Demande notée {score}")
    return Rating.objects.create(
        ticket=ticket,
        client=client,
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
        score=score,
        comment=comment,
        channel="mail",
    )


def _gti(client, met: int, breached: int):
    tickets = [make_ticket(client=client) for _ in range(met + breached)]
    for i, ticket in enumerate(tickets):
        type(ticket).objects.filter(pk=ticket.pk).update(gti_met=i < met, state=State.IN_PROGRESS)


def _change(client, title, start_in_days, state=ChangeRequest.State.SCHEDULED):
    start = timezone.now() + dt.timedelta(days=start_in_days)
    change = ChangeRequest.objects.create(
        title=title, planned_start=start, planned_end=start + dt.timedelta(hours=2)
    )
    ChangeRequest.objects.filter(pk=change.pk).update(state=state)
    change.affected_clients.add(client)
    return change


def _furnish(client, boss, tag):
    """One of everything a card shows, named after ``tag``."""
    _rating(client, 5)
    _rating(client, 1, comment=f"Trop lent {tag}")
    incident_services.incident_create(title=f"Panne réseau {tag}", by=boss, clients=[client])
    _change(client, f"Mise à jour pare-feu {tag}", 3)
    _change(client, f"Brouillon {tag}", 3, state=ChangeRequest.State.DRAFT)
    report = ClientReport(
        client=client, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31)
    )
    report.file.save(f"{tag}.pdf", ContentFile(b"%PDF-1.4 demo"), save=True)
    committee_for(client, boss, decisions=f"Décision {tag}")
    return report


def test_a_service_manager_sees_their_clients_cards_only(
    client, settings, tmp_path, portfolios, boss, claire, acme, globex
):
    settings.MEDIA_ROOT = tmp_path
    _gti(acme, met=3, breached=1)
    acme_report = _furnish(acme, boss, "ACME")
    _furnish(globex, boss, "GLOBEX")
    client.force_login(claire)
    page = client.get(reverse("portfolios:mine")).content.decode()
    assert "Acme Logistique" in page and "Globex" not in page
    assert "GLOBEX" not in page
    assert "75 %" in page or "75 %" in page  # 3 of 4 GTIs met
    assert "3 sur 4" in page
    assert "Trop lent ACME" in page  # the recent low score
    assert "3,0 / 5" in page  # (5 + 1) / 2
    assert "Panne réseau ACME" in page
    assert "Mise à jour pare-feu ACME" in page and "Brouillon ACME" not in page
    assert reverse("reports:monthly_download", args=[acme_report.pk]) in page
    assert f"{reverse('reports:index')}?client={acme.pk}" in page
    assert "Comité du 20/11/2026" in page


def test_the_managers_see_every_active_client(client, portfolios, boss):
    client.force_login(boss)
    page = client.get(reverse("portfolios:mine")).content.decode()
    assert "Acme Logistique" in page and "Globex Santé" in page
    assert "Claire Bernard" in page and "Paul Renaud" in page


def test_a_technician_has_no_portfolio_page_nor_menu_entry(client, portfolios, tech):
    client.force_login(tech)
    assert client.get(reverse("portfolios:mine")).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert reverse("portfolios:mine") not in home


def test_the_menu_offers_the_portfolio_to_service_managers(client, portfolios, claire):
    client.force_login(claire)
    home = client.get(reverse("home")).content.decode()
    assert reverse("portfolios:mine") in home
    assert (
        reverse("portfolios:assignments")
        not in client.get(reverse("portfolios:mine")).content.decode()
    )


def test_an_empty_portfolio_says_who_assigns(client, claire):
    client.force_login(claire)
    page = client.get(reverse("portfolios:mine")).content.decode()
    assert "Aucun client dans votre portefeuille" in page


def test_the_page_costs_the_same_queries_for_one_or_many_clients(
    client, settings, tmp_path, boss, claire, django_assert_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    first = ContractFactory(client__name="Client A").client
    portfolio_assign(client=first, service_manager=claire, by=boss)
    _furnish(first, boss, "A")
    client.force_login(claire)
    client.get(reverse("portfolios:mine"))  # warm the session and caches

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portfolios:mine")).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    assert one == PAGE_QUERIES  # session, user, groups, then the cards' eight queries
    for i in range(3):
        other = ContractFactory(client__name=f"Client {i}B").client
        portfolio_assign(client=other, service_manager=claire, by=boss)
        _furnish(other, boss, f"B{i}")
    assert count() == one
    with django_assert_num_queries(one):
        client.get(reverse("portfolios:mine"))


PAGE_QUERIES = 11
