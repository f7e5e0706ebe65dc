"""The one PDF base of the project (monthly client report, post-incident report), drawn by fpdf2.

Text is drawn with Open Sans, a Unicode TrueType font shipped by the ``ttf-opensans`` package and
embedded (subset) in each document: any character a client's name, a title or a comment holds is
drawn as written, in every PDF reader, with no conversion to a legacy code page.
"""

from __future__ import annotations

from fpdf import FPDF
from ttf_opensans import (
    OPENSANS_BOLD,
    OPENSANS_BOLDITALIC,
    OPENSANS_ITALIC,
    OPENSANS_REGULAR,
)

FONT = "opensans"
BRAND = (11, 92, 138)
MUTED = (91, 107, 124)
TEXT = (17, 24, 39)
WHITE = (255, 255, 255)
# Characters our texts use that Open Sans has no glyph for: French number formatting puts a
# narrow no-break space before "%", and GTI explanations draw arrows.
SUBSTITUTES = str.maketrans({"\u202f": "\u00a0", "\u2011": "-", "→": "->", "←": "<-"})


class OceanisPDF(FPDF):
    """A4 portrait, Open Sans, a footer naming the document and the page."""

    def __init__(self, title: str, *, footer_label: str = ""):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document_title = title
        self.footer_label = footer_label or title
        faces = {"": OPENSANS_REGULAR, "B": OPENSANS_BOLD, "I": OPENSANS_ITALIC}
        for style, face in {**faces, "BI": OPENSANS_BOLDITALIC}.items():
            self.add_font(FONT, style, str(face.path))
        self.set_font(FONT, size=10)
        self.set_text_color(*TEXT)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.set_title(title)
        self.set_author("Oceanis Service Desk")
        self.set_creator("Oceanis Service Desk")

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(text.translate(SUBSTITUTES))

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_label} – page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*TEXT)

    def reset_colours(self) -> None:
        """Drawing a chart changes the fill and draw colours: tables drawn after it must not
        inherit them (a table cell is filled with the current fill colour)."""
        self.set_fill_color(*WHITE)
        self.set_draw_color(0, 0, 0)
        self.set_text_color(*TEXT)
        self.set_line_width(0.2)
