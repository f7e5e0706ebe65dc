"""Numbers shown to people, in the reader's language: "52,9 %" and "1 234,50 €" in French,
"52.9%" and "1,234.50 €" in English (separators from Django's locale formats, the place of the
percent and currency signs from the catalogue). Files and charts (CSV, XLSX, JSON, SVG
coordinates) keep locale-independent numbers and never call these."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

Number = int | float | Decimal


def number(value: Number, decimals: int | None = None) -> str:
    """``value`` with the active language's decimal and thousand separators."""
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def percent(value: Number, decimals: int = 1) -> str:
    """A percentage already multiplied by 100: ``52.94`` → "52,9 %" / "52.9%"."""
    # Translators: a percentage; English writes no space before the sign ("52.9%").
    return _("%(number)s %%") % {"number": number(value, decimals)}


def money(value: Number, decimals: int = 2) -> str:
    """An amount in euros."""
    return _("%(amount)s €") % {"amount": number(value, decimals)}
