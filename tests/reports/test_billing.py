"""Billing export figures, the override service and its log, on the hand-built month."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reports.models import BillingOverride
from reports.periods import Period
from reports.selectors.billing import billing_summary, override_log
from reports.services import billing_override_record
from reports.team import page_model
from tests.reports.conftest import at, make_page

MARCH = Period.month(2026, 3)


@pytest.fixture
def overridden(march):
    billing_override_record(
        ticket=march.t[2],
        by=march.manager.user,
        billable=True,
        reason="Incident causé par le client",
        at=at(31, 18),
    )
    billing_override_record(
        ticket=march.t[2],
        by=march.manager.user,
        rate=Decimal("120.00"),
        reason="Tarif astreinte",
        at=at(31, 18, 5),
    )
    return march


def test_billing_lines_carry_time_entered_in_the_period_with_travel(overridden):
    m = overridden
    summary = billing_summary(m.client_a, MARCH)
    lines = {line.ticket.pk: line for line in summary.lines}
    # T6 (cancelled, no time) and T7 (no activity) are not concerned.
    assert set(lines) == {m.t[1].pk, m.t[2].pk, m.t[3].pk, m.t[4].pk, m.t[5].pk}
    t2 = lines[m.t[2].pk]
    # 45 min report + 40 min travel; the cancelled visit and April's one are left out.
    assert (t2.minutes, t2.travel, t2.total_minutes) == (45, 40, 85)
    assert (t2.billable, t2.rate, t2.amount) == (True, Decimal("120.00"), Decimal("170.00"))
    assert t2.billable_overridden and t2.rate_overridden
    assert (lines[m.t[1].pk].billable, lines[m.t[1].pk].amount) == (False, None)
    assert lines[m.t[1].pk].contract_mode == "Forfait (couvert)"
    t3 = lines[m.t[3].pk]  # requalified billable at closure, contract rate
    assert (t3.billable, t3.rate, t3.amount) == (True, Decimal("90.00"), Decimal("30.00"))
    assert t3.contract_mode == "Forfait – hors forfait"
    t5 = lines[m.t[5].pk]  # billable chosen at creation, against the flat fee
    assert (t5.total_minutes, t5.amount) == (15, Decimal("22.50"))
    assert summary.billable_minutes == 85 + 20 + 15
    assert summary.covered_minutes == 30 + 60
    assert summary.billable_amount == Decimal("222.50")


def test_the_latest_override_wins_and_can_take_the_flag_back(overridden):
    m = overridden
    billing_override_record(
        ticket=m.t[2], by=m.manager.user, billable=False, reason="Geste commercial", at=at(31, 19)
    )
    line = next(x for x in billing_summary(m.client_a, MARCH).lines if x.ticket.pk == m.t[2].pk)
    assert (line.billable, line.rate, line.amount) == (False, Decimal("120.00"), None)


def test_every_override_is_in_the_log_whatever_its_origin(overridden):
    m = overridden
    log = override_log(m.client_a, MARCH)
    assert [(e.ticket_reference, e.what, e.new, e.source) for e in log] == [
        (m.t[3].reference, "Facturable", "facturable", "Requalification de la demande"),
        (m.t[5].reference, "Facturable", "facturable", "Création de la demande"),
        (m.t[2].reference, "Facturable", "facturable", "Dérogation de facturation"),
        (m.t[2].reference, "Taux horaire", "120.00 €", "Dérogation de facturation"),
    ]
    assert log[0].by == m.tech1.user.get_full_name()
    assert log[2].by == m.manager.user.get_full_name()
    assert log[3].reason == "Tarif astreinte"


def test_an_override_needs_a_reason_and_a_change(march):
    with pytest.raises(ValidationError) as excinfo:
        billing_override_record(ticket=march.t[1], by=march.manager.user, reason=" ")
    assert set(excinfo.value.message_dict) == {"reason", "billable"}
    with pytest.raises(ValidationError) as excinfo:
        billing_override_record(
            ticket=march.t[1], by=march.manager.user, reason="x", rate=Decimal("-1")
        )
    assert "rate" in excinfo.value.message_dict
    assert not BillingOverride.objects.exists()


def test_a_client_billing_export_never_lists_another_clients_tickets(march):
    summary = billing_summary(march.client_b, MARCH)
    assert summary.lines == []
    assert override_log(march.client_b, MARCH) == []


def test_billing_queries_stay_bounded_whatever_the_number_of_tickets(
    march, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # lines with window totals, on-call count
        billing_summary(march.client_a, MARCH)
    with django_assert_max_num_queries(3):
        override_log(march.client_a, MARCH)


@pytest.mark.skipif(page_model() is None, reason="oncall.Page not installed")
def test_on_call_interventions_are_flagged_and_bring_their_ticket_into_the_export(march):
    make_page(march.t[7], march.tech1, at(1, 3), True)  # no time entered, but paged in March
    summary = billing_summary(march.client_a, MARCH)
    flagged = [line.ticket.pk for line in summary.lines if line.oncall]
    assert flagged == [march.t[7].pk]
    assert summary.oncall_count == 1
