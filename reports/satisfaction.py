"""The customer-satisfaction section of the reports: ratings of the tickets closed in the
period, by month, by technician and (for the whole centre) by client. Same ``Table`` objects as
every other section, so the page, the exports and the monthly PDF show the same figures."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oceanis import numbers
from satisfaction import selectors

from .periods import local_tz, month_label
from .selectors.service import ServiceReport
from .tables import INT, PERCENT, TEXT, Column, Table


def _columns(first: str, kind: str = TEXT) -> list[Column]:
    return [
        Column(first, kind),
        Column(_("Avis"), INT),
        Column(_("Note moyenne /5"), TEXT),
        Column(_("Satisfaits (4-5)"), PERCENT),
        Column(_("Avis de 1 ou 2"), INT),
    ]


def _tail(line) -> tuple:
    return (line.answers, line.average, line.satisfied_rate, line.low)


def _rows(lines) -> list[tuple]:
    return [
        (
            line.label,
            line.answers,
            "–" if line.average is None else numbers.number(line.average, 2),
            line.satisfied_rate,
            line.low,
        )
        for line in lines
    ]


NOTE = gettext_lazy(
    "Avis donnés sur les demandes clôturées pendant la période (lien du mail de clôture "
    "ou extranet), notes de 1 à 5."
)


def satisfaction_month_table(report: ServiceReport) -> Table:
    period = report.period
    lines = selectors.by_month(report.client, period.start_at, period.end_at, local_tz())
    total = selectors.total(lines)
    rows = _rows(
        [selectors.SatisfactionLine(month_label(line.label), *_tail(line)) for line in lines]
    )
    if lines:
        rows += [(_("Total"), *_rows([total])[0][1:])]
    return Table(
        "satisfaction",
        _("Satisfaction client par mois"),
        _columns(_("Mois")),
        rows,
        note=str(NOTE),
    )


def satisfaction_technician_table(report: ServiceReport) -> Table:
    period = report.period
    lines = selectors.by_technician(report.client, period.start_at, period.end_at)
    return Table(
        "satisfaction_technicians",
        _("Satisfaction client par technicien"),
        _columns(_("Technicien")),
        _rows(lines),
    )


def satisfaction_client_table(report: ServiceReport) -> Table:
    period = report.period
    lines = [] if report.client else selectors.by_client(period.start_at, period.end_at)
    return Table(
        "satisfaction_clients",
        _("Satisfaction client par client"),
        _columns(_("Client")),
        _rows(lines),
    )
