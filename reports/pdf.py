"""The monthly client report (steering-committee pack) as a PDF, drawn with fpdf2.

Built on the project's PDF base (``oceanis.pdf``: embedded Unicode font). Charts are drawn with
fpdf2 primitives (rectangles, lines), so no image library is involved. Table bodies are white
with dark text; a section's title is never left alone at the foot of a page.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from oceanis.pdf import BRAND, FONT, MUTED, TEXT, OceanisPDF

from .periods import local_tz
from .selectors.service import DIMENSIONS, ServiceReport
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
HEADINGS = FontFace(emphasis="BOLD", color=TEXT, fill_color=(232, 240, 247))
ZEBRA = (246, 248, 250)  # every other body row: light, the text stays dark
# Room a section needs below its title before the page ends: title, chart, first table rows.
SECTION_MIN_HEIGHT = 30
TITLE_HEIGHT = 8
BAR_ROW_HEIGHT = 5
LINE_CHART_HEIGHT = 41
# Breaches: the columns that fit on a portrait page.
BREACH_COLUMNS = (0, 2, 3, 4, 5, 7)
BREACH_WIDTHS = (16, 34, 13, 14, 14, 9)


def render_report_pdf(report: ServiceReport) -> bytes:
    """The whole pack for one client (or the centre) over the report's period."""
    title = _("Rapport de service – %(scope)s – %(period)s") % {
        "scope": report.scope_label,
        "period": report.period.label,
    }
    pdf = OceanisPDF(title)
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
    for key in ("satisfaction", "satisfaction_technicians"):
        _section(pdf, REPORT_TABLES[key](report, None))
    return bytes(pdf.output())


def _cover(pdf: OceanisPDF, report: ServiceReport) -> None:
    pdf.set_font(FONT, "B", 18)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 9, _("Rapport de service"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 14)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 8, report.scope_label, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(
        0,
        6,
        _("Période : %(period)s") % {"period": report.period.label},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    generated = report.as_of.astimezone(local_tz())
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        6,
        _("Établi le %(date)s à %(time)s (heure de Paris)")
        % {"date": f"{generated:%d/%m/%Y}", "time": f"{generated:%H:%M}"},
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
            row.cell(label)
            row.cell(value, align="RIGHT")
    pdf.ln(4)


def _bars_of(table: Table, *, value_index: int, percent: bool = False, skip_last: bool = False):
    rows = table.rows[:-1] if skip_last else table.rows
    return ("bars", [(str(r[0]), r[value_index]) for r in rows], percent)


def _chart_height(chart) -> float:
    if chart and chart[0] == "bars":
        return BAR_ROW_HEIGHT * len(chart[1]) + 4
    if chart and chart[0] == "line":
        return LINE_CHART_HEIGHT
    return 0


def _section(pdf: OceanisPDF, table: Table, chart=None) -> None:
    # The title, its chart and the first rows of its table start on the same page.
    if pdf.will_page_break(TITLE_HEIGHT + _chart_height(chart) + SECTION_MIN_HEIGHT):
        pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.reset_colours()
    if chart and chart[0] == "bars":
        _draw_bars(pdf, chart[1], percent=chart[2])
    elif chart and chart[0] == "line":
        _draw_line(pdf, chart[1])
    pdf.reset_colours()
    pdf.set_font(FONT, size=8)
    if not table.rows:
        pdf.multi_cell(0, 5, _("Aucune donnée sur la période."), new_x="LMARGIN", new_y="NEXT")
    else:
        widths = table.pdf_widths
        with pdf.table(
            headings_style=HEADINGS,
            col_widths=widths,
            line_height=4.5,
            text_align="LEFT",
            cell_fill_color=ZEBRA,
            cell_fill_mode="EVEN_ROWS",
        ) as grid:
            grid.row([c.label for c in table.columns])
            for raw in table.rows:
                row = grid.row()
                for value, column in zip(raw, table.columns, strict=True):
                    numeric = column.kind not in ("text", "date", "datetime", "month")
                    row.cell(display(value, column.kind), align="RIGHT" if numeric else "LEFT")
    if table.note:
        pdf.set_font(FONT, "I", 8)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.5, table.note, new_x="LMARGIN", new_y="NEXT")
        pdf.reset_colours()
    pdf.ln(4)


def _draw_bars(pdf: OceanisPDF, items, *, percent: bool) -> None:
    """Horizontal bars with their label and value, scaled to the largest value."""
    row_h, label_w, bar_w = BAR_ROW_HEIGHT, 45, 100
    top = 1.0 if percent else max((v or 0 for _l, v in items), default=0)
    x0, y = pdf.l_margin, pdf.get_y() + 1
    pdf.set_font(FONT, size=8)
    for label, value in items:
        pdf.set_xy(x0, y)
        pdf.cell(label_w - 2, row_h, label[:32], align="R")
        length = 0 if not top or value is None else bar_w * value / top
        if length:
            pdf.set_fill_color(*BRAND)
            pdf.rect(x0 + label_w, y + 0.8, length, row_h - 1.6, style="F")
        pdf.set_xy(x0 + label_w + length + 1, y)
        pdf.cell(20, row_h, display(value, PERCENT if percent else "int"))
        y += row_h
    pdf.set_xy(x0, y + 2)


def _draw_line(pdf: OceanisPDF, points) -> None:
    """The backlog curve with its axes, the first and last day and the maximum written."""
    width, height = 150, 35
    x0, y0 = pdf.l_margin + 10, pdf.get_y() + 2
    top = max((v for _d, v in points), default=0) or 1
    pdf.set_draw_color(*MUTED)
    pdf.line(x0, y0 + height, x0 + width, y0 + height)
    pdf.line(x0, y0, x0, y0 + height)
    pdf.set_font(FONT, size=7)
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
        pdf.cell(30, 3, points[0][0])
        pdf.set_xy(x0 + width - 30, y0 + height + 1)
        pdf.cell(30, 3, points[-1][0], align="R")
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
