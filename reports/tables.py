"""Every figure of the reports as plain tables: the page, the CSV/XLSX exports and the PDF all
render these same objects, so what is shown, exported and printed cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from oceanis import numbers

from .periods import local_tz, month_label
from .selectors.billing import BillingSummary, OverrideEntry
from .selectors.service import DIMENSIONS, ServiceReport
from .team import TeamReport

TEXT, INT, PERCENT, MINUTES, DATETIME, DATE, MONTH, MONEY = (
    "text",
    "int",
    "percent",
    "minutes",
    "datetime",
    "date",
    "month",
    "money",
)


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    note: str = ""
    pdf_widths: tuple[int, ...] | None = None  # relative column widths when the PDF needs them


def minutes_of(value) -> float | None:
    """Durations are exported as minutes (one decimal): numbers any tool can add up."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 60, 1)
    return value


def export_label(column: Column) -> str:
    """Exports carry bare numbers, so their headers name the unit."""
    unit = {MINUTES: " (min)", PERCENT: " (%)"}.get(column.kind, "")
    return column.label + unit


def export_value(value, kind: str):
    """The typed value written to CSV/XLSX (numbers stay numbers, instants in Paris time)."""
    if value is None:
        return None
    if kind == PERCENT:
        return round(value * 100, 1)
    if kind == MINUTES:
        return minutes_of(value)
    if kind == DATETIME:
        return timezone.localtime(value, local_tz()).replace(tzinfo=None, microsecond=0)
    if kind == MONTH:
        return value.strftime("%Y-%m")
    return value


def display(value, kind: str) -> str:
    """Display for the page and the PDF, in the reader's language ("60,0 %" / "60.0%")."""
    if value is None or value == "":
        return "–"
    if kind == PERCENT:
        return numbers.percent(value * 100)
    if kind == MINUTES:
        return human_duration(value)
    if kind == DATETIME:
        local = timezone.localtime(value, local_tz())
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")
    if kind == DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == MONTH:
        return month_label(value)
    if kind == MONEY:
        return numbers.money(value)
    if kind == INT:
        return numbers.number(value)
    return str(value)


def human_duration(value) -> str:
    minutes = value.total_seconds() / 60 if isinstance(value, timedelta) else float(value)
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


def _yes(value: bool) -> str:
    return _("oui") if value else _("non")


# --- service report --------------------------------------------------------------------------


def _breakdown(report: ServiceReport, field_name: str, title: str) -> Table:
    total = report.total
    rows = [
        (b.label, b.count, b.count / total if total else None)
        for b in report.breakdowns[field_name]
    ]
    return Table(
        field_name,
        _("Demandes par %(dimension)s") % {"dimension": title.lower()},
        [Column(title), Column(_("Demandes"), INT), Column(_("Part"), PERCENT)],
        rows,
    )


def gti_table(report: ServiceReport) -> Table:
    lines = [*report.gti, report.gti_total]
    return Table(
        "gti",
        _("Respect de la GTI par urgence"),
        [
            Column(_("Urgence")),
            Column(_("Mesurées"), INT),
            Column(_("Respectées"), INT),
            Column(_("Dépassées"), INT),
            Column(_("Taux de respect"), PERCENT),
        ],
        [(g.label, g.measured, g.met, g.breached, g.rate) for g in lines],
        note=_(
            "Demandes créées sur la période ; une demande non prise en charge dont l'échéance "
            "est passée compte comme dépassée."
        ),
    )


def breaches_table(report: ServiceReport, limit: int | None) -> Table:
    rows = [
        (
            t.reference,
            t.client.name,
            t.title,
            t.get_urgency_display(),
            t.created_at,
            t.gti_deadline,
            t.taken_in_charge_at,
            t.ti_measured,
            t.gti_duration,
            str(t.assignee) if t.assignee_id else "",
        )
        for t in report.breaches(limit)
    ]
    breached = report.gti_total.breached
    note = ""
    if limit and breached > len(rows):
        note = _("%(shown)s sur %(total)s affichées.") % {"shown": len(rows), "total": breached}
    return Table(
        "breaches",
        _("Dépassements de GTI"),
        [
            Column(_("Référence")),
            Column(_("Client")),
            Column(_("Objet")),
            Column(_("Urgence")),
            Column(_("Créée le"), DATETIME),
            Column(_("Échéance GTI"), DATETIME),
            Column(_("Prise en charge le"), DATETIME),
            Column(_("TI mesuré"), MINUTES),
            Column(_("GTI"), MINUTES),
            Column(_("Technicien")),
        ],
        rows,
        note=note,
    )


def durations_table(report: ServiceReport) -> Table:
    return Table(
        "durations",
        _("Délais : médiane et 90e centile"),
        [
            Column(_("Mesure")),
            Column(_("Demandes"), INT),
            Column(_("Médiane"), MINUTES),
            Column(_("90e centile"), MINUTES),
        ],
        [(d.label, d.count, d.median, d.p90) for d in report.durations],
        note=_(
            "Prise en charge : demandes créées sur la période ; traitement : demandes "
            "clôturées sur la période (de la prise en charge à la clôture)."
        ),
    )


def backlog_table(report: ServiceReport) -> Table:
    return Table(
        "backlog",
        _("Demandes ouvertes en fin de journée"),
        [Column(_("Jour"), DATE), Column(_("Demandes ouvertes"), INT)],
        [(p.day, p.value) for p in report.backlog],
        note=_("Demandes créées et ni clôturées ni annulées à minuit."),
    )


def volume_table(report: ServiceReport) -> Table:
    return Table(
        "volume",
        _("Demandes créées et clôturées"),
        [
            Column(
                _("Mois") if report.volume_by_month else _("Jour"),
                MONTH if report.volume_by_month else DATE,
            ),
            Column(_("Créées"), INT),
            Column(_("Clôturées"), INT),
        ],
        list(report.volume),
    )


def reopen_table(report: ServiceReport) -> Table:
    resolved, reopened = report.reopen
    return Table(
        "reopen",
        _("Taux de réouverture"),
        [
            Column(_("Résolues sur la période"), INT),
            Column(_("Réouvertes"), INT),
            Column(_("Taux"), PERCENT),
        ],
        [(resolved, reopened, report.reopen_rate)],
    )


def equipment_table(report: ServiceReport) -> Table:
    return Table(
        "equipment",
        _("Matériels et projets les plus cités"),
        [Column(_("Matériel ou projet")), Column(_("Demandes"), INT)],
        list(report.top_equipment),
    )


REPORT_TABLES: dict[str, Callable[[ServiceReport, int | None], Table]] = {
    **{
        field_name: (lambda f, t: lambda r, _limit: _breakdown(r, f, t))(field_name, title)
        for field_name, _choices, title in DIMENSIONS
    },
    "gti": lambda r, _limit: gti_table(r),
    "breaches": breaches_table,
    "durations": lambda r, _limit: durations_table(r),
    "backlog": lambda r, _limit: backlog_table(r),
    "volume": lambda r, _limit: volume_table(r),
    "reopen": lambda r, _limit: reopen_table(r),
    "equipment": lambda r, _limit: equipment_table(r),
    # Customer satisfaction (reports/satisfaction.py, imported at call time: it builds on Table).
    "satisfaction": lambda r, _limit: _satisfaction().satisfaction_month_table(r),
    "satisfaction_technicians": lambda r, _limit: _satisfaction().satisfaction_technician_table(r),
    "satisfaction_clients": lambda r, _limit: _satisfaction().satisfaction_client_table(r),
}


def _satisfaction():
    from . import satisfaction

    return satisfaction


def report_tables(report: ServiceReport, breach_limit: int | None = 200) -> list[Table]:
    return [build(report, breach_limit) for build in REPORT_TABLES.values()]


# --- team and billing ------------------------------------------------------------------------


def team_table(team: TeamReport) -> Table:
    columns = [
        Column(_("Technicien")),
        Column(_("Prises en charge"), INT),
        Column(_("Clôturées"), INT),
        Column(_("Temps saisi"), MINUTES),
        Column(_("Trajets"), MINUTES),
        Column(_("Temps total"), MINUTES),
        Column(_("Ouvertes (maintenant)"), INT),
        Column(_("À risque (maintenant)"), INT),
    ]
    if team.oncall_available:
        columns += [
            Column(_("Appels d'astreinte"), INT),
            Column(_("Engagement 1 h tenu"), INT),
            Column(_("Taux engagement 1 h"), PERCENT),
        ]
    rows = []
    for line in [*team.lines, team.total]:
        name = str(line.technician) if line.technician else _("Total")
        row = (
            name,
            line.taken,
            line.handled,
            line.minutes,
            line.travel,
            line.total_minutes,
            line.open_now,
            line.at_risk_now,
        )
        if team.oncall_available:
            row += (line.pages, line.pages_met, line.met_rate)
        rows.append(row)
    return Table(
        "team",
        _("Activité de l'équipe"),
        columns,
        rows,
        note=""
        if team.oncall_available
        else _("Module d'astreinte indisponible : appels non comptés."),
    )


def billing_table(summary: BillingSummary) -> Table:
    return Table(
        "billing",
        _("Export de facturation"),
        [
            Column(_("Référence")),
            Column(_("Objet")),
            Column(_("Créée le"), DATETIME),
            Column(_("Clôturée le"), DATETIME),
            Column(_("Contrat")),
            Column(_("Mode")),
            Column(_("Facturable")),
            Column(_("Dérogation")),
            Column(_("Taux horaire (€ HT)"), MONEY),
            Column(_("Temps saisi (min)"), INT),
            Column(_("Trajets (min)"), INT),
            Column(_("Temps total (min)"), INT),
            Column(_("Montant (€ HT)"), MONEY),
            Column(_("Astreinte")),
        ],
        [
            (
                line.ticket.reference,
                line.ticket.title,
                line.ticket.created_at,
                line.ticket.closed_at,
                line.ticket.contract.name if line.ticket.contract else "",
                line.contract_mode,
                _yes(line.billable),
                _yes(line.billable_overridden or line.rate_overridden),
                line.rate,
                line.minutes,
                line.travel,
                line.total_minutes,
                line.amount,
                _yes(line.oncall),
            )
            for line in summary.lines
        ],
    )


def override_table(entries: list[OverrideEntry]) -> Table:
    return Table(
        "billing-overrides",
        _("Journal des dérogations"),
        [
            Column(_("Le"), DATETIME),
            Column(_("Demande")),
            Column(_("Objet de la dérogation")),
            Column(_("Avant")),
            Column(_("Après")),
            Column(_("Par")),
            Column(_("Motif")),
            Column(_("Origine")),
        ],
        [
            (e.at, e.ticket_reference, e.what, e.old, e.new, e.by, e.reason, e.source)
            for e in entries
        ],
    )


def cell_pairs(table: Table) -> list[list[tuple[str, str]]]:
    """(display text, kind) per cell, for templates."""
    return [
        [(display(v, c.kind), c.kind) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
