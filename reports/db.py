"""Database session settings for report queries."""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from django.db import connection, transaction


@contextmanager
def reporting_queries():
    """Run report queries with PostgreSQL's JIT compiler off (for this transaction only).

    The reports send few queries carrying many filtered aggregates (one per day of the backlog,
    per urgency, per dimension value). Over a large table their estimated cost passes
    ``jit_above_cost`` and PostgreSQL then spends seconds compiling those expressions for a scan
    that takes milliseconds (measured: 11 s of JIT for a 15 ms query). ``SET LOCAL`` keeps the
    change inside the transaction opened here. Other databases: nothing to do.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def reporting_view(view):
    """Decorate a view whose queries are report queries (see ``reporting_queries``)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with reporting_queries():
            return view(*args, **kwargs)

    return wrapper
