"""CSV and XLSX exports parsed back and compared with the tables they come from."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook

from reports.exports import neutralise, to_csv, to_xlsx
from reports.periods import Period
from reports.selectors.billing import billing_summary
from reports.selectors.service import ServiceReport
from reports.tables import Column, Table, billing_table, report_tables
from tests.reports.conftest import NOW

MARCH = Period.month(2026, 3)


def read_csv(content: bytes, delimiter: str = ";") -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def test_the_gti_table_exports_to_csv_with_the_same_figures(march):
    report = ServiceReport(march.client_a, MARCH, as_of=NOW)
    gti = next(t for t in report_tables(report) if t.key == "gti")
    rows = read_csv(to_csv(gti))
    assert rows[0] == ["Urgence", "Mesurées", "Respectées", "Dépassées", "Taux de respect (%)"]
    assert rows[1:] == [
        ["Critique", "2", "1", "1", "50,0"],
        ["Très bloquant", "1", "1", "0", "100,0"],
        ["Peu bloquant", "1", "1", "0", "100,0"],
        ["Non bloquant", "1", "0", "1", "0,0"],
        ["Toutes urgences", "5", "3", "2", "60,0"],
    ]


def test_with_a_comma_separator_numbers_use_the_decimal_point(march, settings):
    settings.CSV_DELIMITER = ","
    report = ServiceReport(march.client_a, MARCH, as_of=NOW)
    gti = next(t for t in report_tables(report) if t.key == "gti")
    assert read_csv(to_csv(gti), delimiter=",")[-1] == ["Toutes urgences", "5", "3", "2", "60.0"]


def test_durations_export_in_minutes(march):
    report = ServiceReport(march.client_a, MARCH, as_of=NOW)
    durations = next(t for t in report_tables(report) if t.key == "durations")
    rows = read_csv(to_csv(durations))
    assert rows[0] == ["Mesure", "Demandes", "Médiane (min)", "90e centile (min)"]
    assert rows[1][1:] == ["4", "75,0", "258,0"]
    assert rows[4][1:] == ["3", "360,0", "960,0"]


def test_the_workbook_has_one_sheet_per_table_with_typed_cells(march):
    report = ServiceReport(march.client_a, MARCH, as_of=NOW)
    tables = report_tables(report, breach_limit=None)
    book = load_workbook(io.BytesIO(to_xlsx(tables)))
    assert len(book.sheetnames) == len(tables)
    gti = book["Respect de la GTI par urgence"]
    values = [[c.value for c in row] for row in gti.iter_rows()]
    assert values[-1] == ["Toutes urgences", 5, 3, 2, 60.0]
    breaches = book["Dépassements de GTI"]
    first = [c.value for c in breaches[2]]
    assert first[0] == march.t[2].reference
    assert first[4] == datetime(2026, 3, 2, 10, 0)  # Paris wall time
    assert first[7] == 90.0  # TI in minutes


def test_billing_csv_and_xlsx_agree_line_by_line(march):
    table = billing_table(billing_summary(march.client_a, MARCH))
    csv_rows = read_csv(to_csv(table))
    sheet = load_workbook(io.BytesIO(to_xlsx([table]))).active
    xlsx_rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(csv_rows) == len(xlsx_rows) == 6
    by_ref = {row[0]: row for row in xlsx_rows[1:]}
    t3 = by_ref[march.t[3].reference]
    assert (t3[6], t3[8], t3[11], t3[12]) == ("oui", 90, 20, 30)
    csv_t3 = next(r for r in csv_rows if r[0] == march.t[3].reference)
    assert (csv_t3[8], csv_t3[11], csv_t3[12]) == ("90,00", "20", "30,00")
    assert Decimal(csv_t3[12].replace(",", ".")) == Decimal(t3[12])


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised():
    table = Table("x", "Test", [Column("Objet")], [("=HYPERLINK(1)",), ("-2+3",), ("ok",)])
    assert [r[0] for r in read_csv(to_csv(table))[1:]] == ["'=HYPERLINK(1)", "'-2+3", "ok"]
    sheet = load_workbook(io.BytesIO(to_xlsx([table]))).active
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert neutralise(-2) == -2  # numbers are not text


def test_sheet_names_stay_unique_and_short():
    tables = [Table("a", "Un titre beaucoup trop long pour Excel : [x]", [Column("A")])] * 2
    book = load_workbook(io.BytesIO(to_xlsx(tables)))
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len(set(book.sheetnames)) == 2
