"""Figures shown to people follow the reader's language; figures in files do not."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext

from oceanis import numbers
from reports.tables import INT, MONEY, PERCENT, display, export_value


def test_a_percentage_reads_52_comma_9_space_percent_in_french_and_52_point_9_percent_in_english():
    with translation.override("fr"):
        assert numbers.percent(52.94) == "52,9 %"
        assert display(0.5294, PERCENT) == "52,9 %"
    with translation.override("en"):
        assert numbers.percent(52.94) == gettext("%(number)s %%") % {"number": "52.9"}
        assert display(0.5294, PERCENT) == numbers.percent(52.94)
        assert numbers.percent(52.94) == "52.9%"  # needs catalogue


def test_amounts_and_counts_take_the_readers_separators():
    with translation.override("fr"):
        assert display(Decimal("1234.5"), MONEY) == "1\xa0234,50 €"
        assert display(12345, INT) == "12\xa0345"
    with translation.override("en"):
        assert display(12345, INT) == "12,345"
        assert display(Decimal("1234.5"), MONEY) == gettext("%(amount)s €") % {"amount": "1,234.50"}
        assert display(Decimal("1234.5"), MONEY) == "€1,234.50"  # needs catalogue


def test_the_template_filter_formats_in_the_active_language():
    template = Template("{% load oceanis_numbers %}{{ rate|percent }} {{ whole|percent:0 }}")
    context = Context({"rate": 52.94, "whole": 75})
    with translation.override("fr"):
        assert template.render(context) == "52,9 % 75 %"
    with translation.override("en"):
        assert template.render(context) == "52.9% 75%"  # needs catalogue


def test_exported_figures_stay_plain_numbers_whatever_the_language():
    for language in ("fr", "en"):
        with translation.override(language):
            assert export_value(0.5294, PERCENT) == 52.9
