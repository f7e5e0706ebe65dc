"""Percentiles of a duration computed by the database.

PostgreSQL: ``percentile_cont(f) WITHIN GROUP (ORDER BY expr)``, an ordered-set aggregate, so
several percentiles of several populations come out of ONE query (``filter=`` selects each
population).

SQLite has no percentile aggregate. The fallback still lets the database do the work: it counts
the population, then reads only the one or two rows around the wanted rank with
``ORDER BY expr LIMIT 2 OFFSET k`` and interpolates linearly between them exactly as
``percentile_cont`` does (rank ``f * (n - 1)``). Two small queries per percentile, whatever the
number of tickets; never a Python loop over the population.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import NotSupportedError, connection
from django.db.models import Aggregate, Count, DurationField, Q, QuerySet


class Percentile(Aggregate):
    """Continuous percentile (PostgreSQL only), e.g. ``Percentile("ti_measured", 0.9)``."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, output_field=None, **extra):
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("A percentile fraction lies between 0 and 1")
        # The fraction is a float we validated, so it may be written into the SQL text.
        super().__init__(
            expression,
            fraction=repr(fraction),
            output_field=output_field or DurationField(),
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra_context):  # pragma: no cover - guard
        raise NotSupportedError("Use percentiles() which falls back to LIMIT/OFFSET on SQLite")


def supports_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


def percentiles(
    queryset: QuerySet,
    specs: dict[str, tuple[object, float, Q | None]],
) -> dict[str, timedelta | None]:
    """Compute named percentiles ``{name: (expression, fraction, population filter)}``.

    Empty populations give ``None``. On PostgreSQL this is one query; on SQLite one count query
    plus at most one ``LIMIT 2 OFFSET k`` query per percentile.
    """
    if not specs:
        return {}
    if supports_percentile_cont():
        return queryset.aggregate(
            **{
                name: Percentile(expr, fraction, filter=population)
                for name, (expr, fraction, population) in specs.items()
            }
        )
    counts = queryset.aggregate(
        **{
            f"n{i}": Count(expr, filter=population)
            for i, (expr, _fraction, population) in enumerate(specs.values())
        }
    )
    result = {}
    for i, (name, (expr, fraction, population)) in enumerate(specs.items()):
        result[name] = _offset_percentile(queryset, expr, fraction, population, counts[f"n{i}"])
    return result


def _offset_percentile(queryset, expr, fraction, population, n: int) -> timedelta | None:
    if n == 0:
        return None
    rank = fraction * (n - 1)
    low = math.floor(rank)
    weight = rank - low
    rows = queryset.filter(population) if population is not None else queryset
    values = list(
        rows.annotate(_pv=expr)
        .filter(_pv__isnull=False)
        .order_by("_pv")
        .values_list("_pv", flat=True)[low : low + 2]
    )
    lower = values[0]
    if weight == 0 or len(values) == 1:
        return lower
    return lower + (values[1] - lower) * weight
