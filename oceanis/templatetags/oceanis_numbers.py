"""``{{ rate|percent }}`` (a percentage already × 100; ``|percent:0`` for whole numbers) in the
reader's language. See ``oceanis.numbers``."""

from __future__ import annotations

from django import template

from oceanis import numbers

register = template.Library()


@register.filter
def percent(value, decimals: int = 1) -> str:
    if value is None or value == "":
        return ""
    return numbers.percent(value, int(decimals))
