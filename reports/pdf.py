"""The monthly client report (steering-committee pack) as a PDF, drawn with fpdf2.

Pure Python: fpdf2's built-in Helvetica with the Windows-1252 encoding covers French (accents,
œ, €, typographic quotes and dashes); any other character is replaced by "?" rather than failing.
Charts are drawn with fpdf2 primitives (rectangles, lines), so no image library is involved.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from .periods import local_tz
from .queries import DIMENSIONS, ServiceReport
from .tables import (
    PERCENT,
    REPORT_TABLES,
    Table,
    backlog_table,
    breaches_table,
    display,
    durations_table,
    equipment_table,
    gti_table,
    reopen_table,
    volume_table,
)

PDF_BREACH_LIMIT = 40
BRAND = (11, 92, 138)
MUTED = (91, 107, 124)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(232, 240, 247))
# Breaches: the columns that fit on a portrait page.
BREACH_COLUMNS = (0, 2, 3, 4, 5, 7)
BREACH_WIDTHS = (16, 34, 13, 14, 14, 9)


def pdf_text(value: str) -> str:
    return str(value).encode("cp1252", errors="replace").decode("cp1252")


class ReportPDF(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.set_title(pdf_text(title))
        self.set_author("Oceanis Service Desk")
        self.set_creator("Oceanis Service Desk")

    def footer(self):
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, pdf_text(f"{self.report_title} – page {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0, 0, 0)


def render_report_pdf(report: ServiceReport) -> bytes:
    """The whole pack for one client (or the centre) over the report's period."""
    title = _("Rapport de service – %(scope)s – %(period)s") % {
        "scope": report.scope_label,
        "period": report.period.label,
    }
    pdf = ReportPDF(title)
    pdf.add_page()
    _cover(pdf, report)

    for field_name, *_rest in DIMENSIONS:
        table = REPORT_TABLES[field_name](report, None)
        _section(pdf, table, chart=_bars_of(table, value_index=1))
    gti = gti_table(report)
    _section(pdf, gti, chart=_bars_of(gti, value_index=4, percent=True, skip_last=True))
    _section(pdf, durations_table(report))
    backlog = backlog_table(report)
    _section(pdf, backlog, chart=("line", [(display(r[0], "date"), r[1]) for r in backlog.rows]))
    _section(pdf, volume_table(report))
    _section(pdf, reopen_table(report))
    _section(pdf, equipment_table(report))
    _section(pdf, _pdf_breaches(report))
    return bytes(pdf.output())


def _cover(pdf: ReportPDF, report: ServiceReport) -> None:
    pdf.set_font("helvetica", "B", 18)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 9, pdf_text(_("Rapport de service")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "B", 14)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 8, pdf_text(report.scope_label), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(
        0,
        6,
        pdf_text(_("Période : %(period)s") % {"period": report.period.label}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    generated = report.as_of.astimezone(local_tz())
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        6,
        pdf_text(
            _("Établi le %(date)s à %(time)s (heure de Paris)")
            % {"date": f"{generated:%d/%m/%Y}", "time": f"{generated:%H:%M}"}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    gti = report.gti_total
    resolved, reopened = report.reopen
    backlog_end = report.backlog[-1].value if report.backlog else 0
    summary = [
        (_("Demandes créées"), display(report.total, "int")),
        (_("GTI respectée"), display(gti.rate, PERCENT)),
        (_("Dépassements de GTI"), display(gti.breached, "int")),
        (_("Taux de réouverture"), display(report.reopen_rate, PERCENT)),
        (_("Demandes ouvertes en fin de période"), display(backlog_end, "int")),
    ]
    with pdf.table(
        col_widths=(60, 40), width=120, align="LEFT", first_row_as_headings=False
    ) as table:
        for label, value in summary:
            row = table.row()
            row.cell(pdf_text(label))
            row.cell(pdf_text(value), align="RIGHT")
    pdf.ln(4)


def _bars_of(table: Table, *, value_index: int, percent: bool = False, skip_last: bool = False):
    rows = table.rows[:-1] if skip_last else table.rows
    return ("bars", [(str(r[0]), r[value_index]) for r in rows], percent)


def _section(pdf: ReportPDF, table: Table, chart=None) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.set_font("helvetica", "B", 12)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 7, pdf_text(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    if chart and chart[0] == "bars":
        _draw_bars(pdf, chart[1], percent=chart[2])
    elif chart and chart[0] == "line":
        _draw_line(pdf, chart[1])
    pdf.set_font("helvetica", size=8)
    if not table.rows:
        pdf.multi_cell(
            0, 5, pdf_text(_("Aucune donnée sur la période.")), new_x="LMARGIN", new_y="NEXT"
        )
    else:
        widths = table.pdf_widths
        with pdf.table(
            headings_style=HEADINGS, col_widths=widths, line_height=4.5, text_align="LEFT"
        ) as grid:
            grid.row([pdf_text(c.label) for c in table.columns])
            for raw in table.rows:
                row = grid.row()
                for value, column in zip(raw, table.columns, strict=True):
                    numeric = column.kind not in ("text", "date", "datetime", "month")
                    row.cell(
                        pdf_text(display(value, column.kind)), align="RIGHT" if numeric else "LEFT"
                    )
    if table.note:
        pdf.set_font("helvetica", "I", 8)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.5, pdf_text(table.note), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)


def _draw_bars(pdf: ReportPDF, items, *, percent: bool) -> None:
    """Horizontal bars with their label and value, scaled to the largest value."""
    row_h, label_w, bar_w = 5, 45, 100
    height = row_h * len(items) + 2
    if pdf.will_page_break(height):
        pdf.add_page()
    top = 1.0 if percent else max((v or 0 for _l, v in items), default=0)
    x0, y = pdf.l_margin, pdf.get_y() + 1
    pdf.set_font("helvetica", size=8)
    for label, value in items:
        pdf.set_xy(x0, y)
        pdf.cell(label_w - 2, row_h, pdf_text(label)[:32], align="R")
        length = 0 if not top or value is None else bar_w * value / top
        if length:
            pdf.set_fill_color(*BRAND)
            pdf.rect(x0 + label_w, y + 0.8, length, row_h - 1.6, style="F")
        pdf.set_xy(x0 + label_w + length + 1, y)
        pdf.cell(20, row_h, pdf_text(display(value, PERCENT if percent else "int")))
        y += row_h
    pdf.set_xy(x0, y + 2)


def _draw_line(pdf: ReportPDF, points) -> None:
    """The backlog curve with its axes, the first and last day and the maximum written."""
    width, height = 150, 35
    if pdf.will_page_break(height + 10):
        pdf.add_page()
    x0, y0 = pdf.l_margin + 10, pdf.get_y() + 2
    top = max((v for _d, v in points), default=0) or 1
    pdf.set_draw_color(*MUTED)
    pdf.line(x0, y0 + height, x0 + width, y0 + height)
    pdf.line(x0, y0, x0, y0 + height)
    pdf.set_font("helvetica", size=7)
    pdf.set_xy(x0 - 10, y0 - 1)
    pdf.cell(9, 3, str(top), align="R")
    n = len(points)
    coords = [
        (x0 + (width * i / (n - 1) if n > 1 else width / 2), y0 + height - height * v / top)
        for i, (_d, v) in enumerate(points)
    ]
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.5)
    for (xa, ya), (xb, yb) in zip(coords, coords[1:], strict=False):
        pdf.line(xa, ya, xb, yb)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    if points:
        pdf.set_xy(x0, y0 + height + 1)
        pdf.cell(30, 3, pdf_text(points[0][0]))
        pdf.set_xy(x0 + width - 30, y0 + height + 1)
        pdf.cell(30, 3, pdf_text(points[-1][0]), align="R")
    pdf.set_xy(pdf.l_margin, y0 + height + 6)


def _pdf_breaches(report: ServiceReport) -> Table:
    full = breaches_table(report, PDF_BREACH_LIMIT)
    table = Table(
        full.key,
        full.title,
        [full.columns[i] for i in BREACH_COLUMNS],
        [tuple(row[i] for i in BREACH_COLUMNS) for row in full.rows],
        note=full.note,
        pdf_widths=BREACH_WIDTHS,
    )
    return table
