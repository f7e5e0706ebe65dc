"""The monthly PDF as a client sees it: rendered to pixels (PDFium), its table cells are light
with dark text, and no section title is left alone at the foot of a page."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from reports.pdf import render_report_pdf
from reports.periods import Period
from reports.selectors.service import ServiceReport
from tests.reports.conftest import NOW

MARCH = Period.month(2026, 3)
SCALE = 2  # pixels per PDF point
FOOTER_ZONE = 40  # points from the bottom edge: the footer, not content


def luminance(pixel) -> float:
    r, g, b = pixel[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.fixture
def document(march):
    return pdfium.PdfDocument(render_report_pdf(ServiceReport(march.client_a, MARCH, as_of=NOW)))


def find(document, needle):
    """(page index, (left, bottom, right, top) in points) of every occurrence of a text."""
    found = []
    for index in range(len(document)):
        text = document[index].get_textpage()
        searcher = text.search(needle, match_case=True)
        while (hit := searcher.get_next()) is not None:
            first, count = hit
            boxes = [text.get_charbox(i) for i in range(first, first + count)]
            found.append(
                (
                    index,
                    (
                        min(b[0] for b in boxes),
                        min(b[1] for b in boxes),
                        max(b[2] for b in boxes),
                        max(b[3] for b in boxes),
                    ),
                )
            )
    return found


@pytest.mark.parametrize(
    "cell",
    ["Toutes urgences", "Critique", "Réseau", "FW-01", "Délai de prise en charge (heures ouvrées)"],
)
def test_table_cells_are_light_with_dark_text(document, cell):
    hits = find(document, cell)
    assert hits, f"{cell!r} not drawn"
    for page_index, (left, bottom, right, top) in hits:
        page = document[page_index]
        image = page.render(scale=SCALE).to_pil().convert("RGB")
        height = page.get_height()
        box = (
            int(left * SCALE) - 4,
            int((height - top) * SCALE) - 4,
            int(right * SCALE) + 4,
            int((height - bottom) * SCALE) + 4,
        )
        pixels = list(image.crop(box).get_flattened_data())
        lights = sorted(luminance(p) for p in pixels)
        background = lights[len(lights) // 2]  # text is thin: most of the box is background
        ink = lights[0]
        assert background > 200, f"{cell!r} on page {page_index + 1}: background {background:.0f}"
        assert ink < 110, f"{cell!r} on page {page_index + 1}: text {ink:.0f} is not dark"


def test_no_section_title_is_left_alone_at_the_foot_of_a_page(document):
    titles = ["Respect de la GTI par urgence", "Stock de demandes ouvertes", "Taux de réouverture"]
    checked = 0
    for title in titles:
        for page_index, (_left, bottom, _right, _top) in find(document, title):
            text = document[page_index].get_textpage()
            below = [
                text.get_charbox(i)
                for i in range(text.count_chars())
                if FOOTER_ZONE < text.get_charbox(i)[3] < bottom - 2
            ]
            assert below, f"{title!r} ends page {page_index + 1} with nothing under it"
            checked += 1
    assert checked >= 2
