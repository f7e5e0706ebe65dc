"""A low satisfaction score notifies the client's service manager and backup too."""

from __future__ import annotations

import pytest

from notices.models import Notice
from portfolios.services import portfolio_assign
from satisfaction.services import low_score_recipients, rating_submit
from tests.factories import make_ticket
from tests.satisfaction.test_rating_link import close

pytestmark = pytest.mark.django_db


def test_a_low_score_reaches_the_service_manager_and_the_backup(
    portfolios, boss, claire, paul, acme, tech
):
    portfolio_assign(client=acme, service_manager=claire, backup=paul, by=boss)
    ticket = close(make_ticket(client=acme), tech)
    rating_submit(ticket=ticket, score=1, comment="Toujours en panne", channel="mail")
    told = set(Notice.objects.filter(kind="low_satisfaction").values_list("recipient", flat=True))
    assert {claire.pk, paul.pk, boss.pk} <= told


def test_the_service_manager_of_another_client_is_not_told(portfolios, paul, acme, tech):
    ticket = close(make_ticket(client=acme), tech)
    assert paul.pk not in low_score_recipients(ticket)


def test_an_inactive_service_manager_is_not_told(portfolios, claire, acme, tech):
    claire.is_active = False
    claire.save()
    ticket = close(make_ticket(client=acme), tech)
    assert claire.pk not in low_score_recipients(ticket)
