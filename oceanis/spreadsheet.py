"""The one way the project writes CSV files (report exports, the extranet history).

One choice for every file: UTF-8 with a BOM (so Excel detects the encoding), CRLF line ends, and
the separator of ``CSV_DELIMITER`` — ";" by default, what French Excel opens into columns. With
";" numbers use the decimal comma (French Excel reads "66,7" as a number, "66.7" as text); with
"," they use the decimal point. Text a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, CR first) is prefixed with an apostrophe: titles and comments come from clients.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


def neutralise(value):
    """Keep spreadsheets from evaluating text as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def delimiter() -> str:
    return settings.CSV_DELIMITER


def cell(value) -> str:
    """One value as CSV text: formulas neutralised, numbers with the file's decimal mark,
    instants as ISO text (date, then time)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | Decimal):
        text = str(value)
        return text.replace(".", ",") if delimiter() == ";" else text
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


class Writer:
    """Rows to a text stream (a string buffer, an ``HttpResponse``): BOM first."""

    def __init__(self, stream):
        stream.write(BOM)
        self._writer = csv.writer(stream, delimiter=delimiter(), lineterminator="\r\n")

    def row(self, values: Iterable) -> None:
        self._writer.writerow([cell(v) for v in values])


def to_bytes(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = Writer(buffer)
    writer.row(header)
    for row in rows:
        writer.row(row)
    return buffer.getvalue().encode("utf-8")
