"""CSV and XLSX files of report tables, for spreadsheets and the accounting tool.

Both formats carry the same typed values (``tables.export_value``): durations in minutes,
percentages as numbers (66.7), instants in Paris time, money as decimals. CSV is UTF-8 with a
BOM (so Excel detects the encoding), comma separated, "." as the decimal point.

Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is
prefixed with an apostrophe: ticket titles come from client e-mails.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .tables import DATE, DATETIME, MONEY, Table, export_label, export_value

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """Keep spreadsheets from evaluating text as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _typed_rows(table: Table):
    for row in table.rows:
        yield [
            neutralise(export_value(value, column.kind))
            for value, column in zip(row, table.columns, strict=True)
        ]


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([export_label(c) for c in table.columns])
    for row in _typed_rows(table):
        writer.writerow(["" if v is None else _csv_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_text(value) -> str:
    if hasattr(value, "isoformat") and not isinstance(value, Decimal):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def to_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table, bold header row, typed cells."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.append([export_label(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in _typed_rows(table):
            sheet.append(row)
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            number_format = {
                DATETIME: "dd/mm/yyyy hh:mm",
                DATE: "dd/mm/yyyy",
                MONEY: "#,##0.00",
            }.get(column.kind)
            if number_format:
                for cell in sheet[letter][1:]:
                    cell.number_format = number_format
            sheet.column_dimensions[letter].width = max(12, min(50, len(export_label(column)) + 4))
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    name, n = base, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name
