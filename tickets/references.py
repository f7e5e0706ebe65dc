"""Ticket reference numbering: OC-YYYY-NNNNNN, gap-free per year and safe under concurrency."""

from django.db import connection

from oceanis.db import hot_cursor

from .models import ReferenceCounter

PREFIX = "OC"

# One statement creates the year's row or bumps it, and returns the number: the row lock it takes
# is held until the creating transaction commits, so concurrent creators queue instead of reading
# the same number, and a rolled-back creation gives its number back. PostgreSQL and SQLite ≥ 3.35
# both speak this dialect.
_NEXT_SQL = (
    "INSERT INTO {table} (year, last_number) VALUES (%s, 1) "
    "ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 "
    "RETURNING last_number"
)


def next_reference(year: int) -> str:
    """Issue the next reference of ``year``; call it inside the ticket-creating transaction."""
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with hot_cursor() as cursor:
        cursor.execute(_NEXT_SQL.format(table=table), [year])
        (number,) = cursor.fetchone()
    return f"{PREFIX}-{year}-{number:06d}"
