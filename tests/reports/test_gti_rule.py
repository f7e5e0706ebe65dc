"""One GTI counting rule: the extranet's service level and the monthly report (and its PDF)
give the same met / decided figures for the same client and month."""

import datetime as dt

import time_machine

from extranet import stats
from reports.periods import Period
from reports.selectors.service import ServiceReport
from tests.factories import ContactFactory
from tests.reports.conftest import NOW

MARCH = Period.month(2026, 3)


def test_the_extranet_and_the_monthly_report_count_the_gti_the_same_way(march):
    contact = ContactFactory(client=march.client_a, is_client_admin=True)
    with time_machine.travel(NOW, tick=False):
        rows = stats.service_level(contact, today=NOW.date())
    row = next(r for r in rows if r.month == dt.date(2026, 3, 1))
    report = ServiceReport(march.client_a, MARCH, as_of=NOW)
    for line in report.gti:
        cell = row.cells[line.urgency]
        assert (cell.met, cell.measured) == (line.met, line.measured), line.urgency
    total = report.gti_total
    assert (row.total.met, row.total.measured) == (total.met, total.measured)
    # A request never taken in charge and past its deadline is a breach for both (T5).
    assert row.cells["non_blocking"].measured == 1 and row.cells["non_blocking"].met == 0
    assert row.total.rate == round(100 * total.rate, 1) == 60.0
