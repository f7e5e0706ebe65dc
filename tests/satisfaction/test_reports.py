"""Satisfaction figures per month, technician and client in the reports and the monthly PDF."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from reports.periods import Period
from reports.satisfaction import (
    satisfaction_client_table,
    satisfaction_month_table,
    satisfaction_technician_table,
)
from reports.selectors.service import ServiceReport
from satisfaction.services import rating_submit
from tests.factories import ContractFactory, TechnicianFactory, make_manager, make_ticket

from .test_rating_link import close

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _rated(client, tech, score, when):
    with time_machine.travel(when, tick=False):
        ticket = close(make_ticket(client=client), tech.user)
        rating_submit(ticket=ticket, score=score, channel="mail")


def test_report_tables_give_answers_average_and_low_scores(acme, tech, client):
    other_tech = TechnicianFactory(user__first_name="Léa", user__last_name="Roux")
    globex = ContractFactory(client__name="Globex", client__code="globex").client
    _rated(acme, tech, 5, datetime(2026, 10, 5, 10, tzinfo=PARIS))
    _rated(acme, tech, 2, datetime(2026, 10, 20, 10, tzinfo=PARIS))
    _rated(acme, other_tech, 4, datetime(2026, 11, 3, 10, tzinfo=PARIS))
    _rated(globex, tech, 1, datetime(2026, 11, 4, 10, tzinfo=PARIS))
    _rated(acme, tech, 3, datetime(2026, 12, 1, 10, tzinfo=PARIS))  # outside the period
    period = Period(datetime(2026, 10, 1).date(), datetime(2026, 11, 30).date())

    months = satisfaction_month_table(ServiceReport(acme, period))
    assert [row[:2] for row in months.rows] == [
        ("octobre 2026", 2),
        ("novembre 2026", 1),
        ("Total", 3),
    ]
    assert months.rows[0][2] == "3,50" and months.rows[0][3] == 0.5 and months.rows[0][4] == 1
    techs = satisfaction_technician_table(ServiceReport(acme, period))
    assert {row[0]: row[1] for row in techs.rows} == {
        str(tech.user.get_full_name()): 2,
        "Léa Roux": 1,
    }
    centre = satisfaction_client_table(ServiceReport(None, period))
    assert [(row[0], row[1], row[4]) for row in centre.rows] == [("Acme", 3, 1), ("Globex", 1, 1)]

    manager = make_manager()
    client.force_login(manager.user)
    page = client.get("/reports/", {"client": acme.pk, "start": "2026-10-01", "end": "2026-11-30"})
    assert page.status_code == 200
    assert "Satisfaction client par mois" in page.content.decode()


def test_the_monthly_pdf_has_the_satisfaction_section(acme, tech):
    from reports.pdf import render_report_pdf

    _rated(acme, tech, 5, datetime(2026, 10, 5, 10, tzinfo=PARIS))
    pdf = render_report_pdf(ServiceReport(acme, Period.month(2026, 10)))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Satisfaction client par mois" in text
    assert "Satisfaction client par technicien" in text
