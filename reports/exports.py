"""CSV and XLSX files of report tables, for spreadsheets and the accounting tool.

Both formats carry the same typed values (``tables.export_value``): durations in minutes,
percentages as numbers (66.7), instants in Paris time, money as decimals. CSV follows the
project's one CSV convention (``oceanis.spreadsheet``: separator, decimal mark, BOM, formulas
neutralised); XLSX cells are typed, their text neutralised the same way.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from oceanis import spreadsheet
from oceanis.spreadsheet import neutralise

from .tables import DATE, DATETIME, MONEY, Table, export_label, export_value

CSV_CONTENT_TYPE = spreadsheet.CONTENT_TYPE
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _typed_rows(table: Table):
    for row in table.rows:
        yield [
            neutralise(export_value(value, column.kind))
            for value, column in zip(row, table.columns, strict=True)
        ]


def to_csv(table: Table) -> bytes:
    return spreadsheet.to_bytes([export_label(c) for c in table.columns], _typed_rows(table))


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
