"""The deduplicating write: one ``INSERT … ON CONFLICT … DO UPDATE`` per payload.

Firing alerts are aggregated per (client, fingerprint) and written in one statement; the partial
unique constraint (one open event per fingerprint) makes concurrent senders converge on one row.
"""

from __future__ import annotations

import functools
from datetime import datetime

from django.db import connection

from oceanis.db import hot_cursor

from .models import SEVERITY_RANK, Event

_COLUMNS = (
    "client_id",
    "site_id",
    "fingerprint",
    "source",
    "host",
    "service",
    "summary",
    "description",
    "labels",
    "severity",
    "severity_rank",
    "count",
    "first_seen",
    "last_seen",
    "ticket_severity_rank",
    "ticket_cancelled_on_recovery",
    "needs_oncall_page",
)
_RETURNING = ("id", "client_id", "fingerprint", "count", "severity_rank", "ticket_id")
_RETURNING += ("ticket_severity_rank", "needs_oncall_page")


def _aggregate(firing, now: datetime) -> list[dict]:
    """One row per (client, fingerprint): latest texts, worst severity, number of alerts."""
    rows: dict[tuple[int, str], dict] = {}
    for alert, (client_id, site_id) in firing:
        rank = SEVERITY_RANK[alert.severity]
        row = rows.get((client_id, alert.fingerprint))
        if row is None:
            row = rows[(client_id, alert.fingerprint)] = {
                "client_id": client_id,
                "site_id": site_id,
                "fingerprint": alert.fingerprint,
                "severity_rank": 0,
                "count": 0,
                "first_seen": now,
                "last_seen": now,
                "ticket_severity_rank": 0,
                "ticket_cancelled_on_recovery": False,
                "needs_oncall_page": False,
            }
        row.update(
            source=alert.source,
            host=alert.host,
            service=alert.service,
            summary=alert.summary,
            description=alert.description,
            labels=alert.labels,
        )
        row["count"] += 1
        if rank > row["severity_rank"]:
            row["severity_rank"], row["severity"] = rank, alert.severity
    # A fixed order: concurrent multi-row upserts then lock rows in the same order (no deadlock).
    return [rows[key] for key in sorted(rows)]


@functools.lru_cache(maxsize=16)
def _upsert_sql(vendor: str, rows: int) -> str:
    """The upsert statement for ``rows`` rows, built once per size (it runs per request)."""
    table = connection.ops.quote_name(Event._meta.db_table)
    q = connection.ops.quote_name
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * rows)

    def worst(column):
        return (
            f"CASE WHEN excluded.{q('severity_rank')} > {table}.{q('severity_rank')} "
            f"THEN excluded.{q(column)} ELSE {table}.{q(column)} END"
        )

    # Only quoted identifiers and %s placeholders are interpolated: values go as parameters.
    columns = ", ".join(q(c) for c in _COLUMNS)
    return (
        f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({q('client_id')}, {q('fingerprint')}) WHERE {q('resolved_at')} IS NULL "
        f"DO UPDATE SET {q('count')} = {table}.{q('count')} + excluded.{q('count')}, "
        f"{q('last_seen')} = excluded.{q('last_seen')}, "
        f"{q('severity')} = {worst('severity')}, "
        f"{q('severity_rank')} = {worst('severity_rank')}, "
        + ", ".join(
            f"{q(c)} = excluded.{q(c)}"
            for c in ("source", "host", "service", "summary", "description", "labels")
        )
        + f" RETURNING {', '.join(q(c) for c in _RETURNING)}"
    )


def upsert_events(firing, now: datetime) -> list[dict]:
    """Write firing ``(alert, (client_id, site_id))`` pairs; one dict per event touched.

    Each dict holds the event's ``id``, ``count``, severity and ticket columns as they are after
    the write, and ``inserted`` (the event was created by this call).
    """
    rows = _aggregate(firing, now)
    if not rows:
        return []
    prepare = [(c, Event._meta.get_field(c.removesuffix("_id")).get_db_prep_save) for c in _COLUMNS]
    params = [prep(row[c], connection) for row in rows for c, prep in prepare]
    sent = {(row["client_id"], row["fingerprint"]): row["count"] for row in rows}
    # One statement: atomic by itself, no BEGIN/COMMIT round trips needed around it.
    with hot_cursor() as cursor:
        cursor.execute(_upsert_sql(connection.vendor, len(rows)), params)
        returned = [dict(zip(_RETURNING, values, strict=True)) for values in cursor.fetchall()]
    for row in returned:
        # A new row holds exactly the alerts just sent; an updated one holds more.
        row["inserted"] = row["count"] == sent[(row["client_id"], row["fingerprint"])]
        row["needs_oncall_page"] = bool(row["needs_oncall_page"])
    return returned
