"""Trigram indexes for "contains" search on title and reference (PostgreSQL only).

The back-office search filters ``UPPER(title) LIKE '%…%'``; without these it scans every ticket.
SQLite (the embedded mode) has no pg_trgm and does not need them.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ticket_title_trgm ON tickets_ticket "
    "USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ticket_reference_trgm ON tickets_ticket "
    "USING gin (UPPER(reference) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS ticket_title_trgm",
    "DROP INDEX IF EXISTS ticket_reference_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_report_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
