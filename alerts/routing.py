"""Which client (and site) each alert belongs to: explicit code, else host mapping, else token."""

from __future__ import annotations

from django.db import connection

from clients.models import Client
from oceanis.db import hot_cursor

from .models import MonitoredHost
from .parsing import Alert


def client_error_key(index: int, count: int) -> str:
    """Where a payload's alert ``index`` (of ``count``) gets its client error."""
    return "client" if count == 1 else f"alerts.{index}.client"


def client_error_index(key: str) -> int | None:
    """The alert position of a ``client_error_key``; None for any other error."""
    if key == "client":
        return 0
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "alerts" and parts[1].isdigit() and parts[2] == "client":
        return int(parts[1])
    return None


def refused_alert_index(key: str) -> int | None:
    """The position of the alert an error is about: refused for its client (``client``,
    ``alerts.<n>.client``) or as invalid / not storable (``alert``, ``alerts.<n>``); None for
    an error about the payload as a whole."""
    if key == "alert":
        return 0
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "alerts" and parts[1].isdigit():
        return int(parts[1])
    return client_error_index(key)


def resolve_clients(
    alerts: list[Alert | None], scope_client_id: int | None
) -> tuple[list[tuple[int, int | None] | None], dict[str, list[str]]]:
    """(client_id, site_id) per alert, in one query whatever the number of alerts.

    An alert without a client (no code, unmapped host, no client-scoped token), or naming
    another client than a client-scoped token's, gets None and an error under
    ``alerts.<index>.client`` (``client`` for a single alert): the caller decides whether the
    rest of the payload goes on. An invalid alert (None, refused by the parser) gets None and
    no error here. Returns ``(targets, errors)``.
    """
    codes = {a.client_code for a in alerts if a is not None and a.client_code}
    names = {n for a in alerts if a is not None and a.host for n in _host_keys(a.host)}
    by_code, by_host = _lookup(sorted(codes), sorted(names))
    targets, errors = [], {}
    for index, alert in enumerate(alerts):
        if alert is None:
            targets.append(None)
            continue
        key = client_error_key(index, len(alerts))
        mapped = next((by_host[n] for n in _host_keys(alert.host) if n in by_host), None)
        if alert.client_code:
            client_id = by_code.get(alert.client_code)
            site_id = mapped[1] if mapped and mapped[0] == client_id else None
        elif mapped:
            client_id, site_id = mapped
        else:
            client_id, site_id = scope_client_id, None
        if client_id is None:
            errors[key] = [f"client inconnu pour l'hôte « {alert.host} » (code ou hôte déclaré)"]
        elif scope_client_id is not None and client_id != scope_client_id:
            errors[key] = ["ce jeton n'accepte que les alertes de son client"]
        targets.append(None if key in errors else (client_id, site_id))
    return targets, errors


def _lookup(codes: list[str], hosts: list[str]) -> tuple[dict, dict]:
    """Active clients by code, and host mappings of active clients, in one round trip (this
    runs per request). A client Oceanis no longer serves is unknown either way."""
    q = connection.ops.quote_name
    client, host = q(Client._meta.db_table), q(MonitoredHost._meta.db_table)
    parts, params = [], []
    if codes:
        parts.append(
            f"SELECT 0, {q('code')}, {q('id')}, NULL FROM {client} "  # noqa: S608
            f"WHERE {q('is_active')} AND {q('code')} IN ({', '.join(['%s'] * len(codes))})"
        )
        params += codes
    if hosts:
        parts.append(
            f"SELECT 1, {host}.{q('host')}, {host}.{q('client_id')}, {host}.{q('site_id')} "  # noqa: S608
            f"FROM {host} INNER JOIN {client} ON {client}.{q('id')} = {host}.{q('client_id')} "
            f"WHERE {client}.{q('is_active')} "
            f"AND {host}.{q('host')} IN ({', '.join(['%s'] * len(hosts))})"
        )
        params += hosts
    by_code, by_host = {}, {}
    if parts:
        with hot_cursor() as cursor:
            # Only quoted identifiers and %s placeholders are interpolated.
            cursor.execute(" UNION ALL ".join(parts), params)
            for kind, key, client_id, site_id in cursor.fetchall():
                if kind == 0:
                    by_code[key] = client_id
                else:
                    by_host[key] = (client_id, site_id)
    return by_code, by_host


def _host_keys(host: str) -> list[str]:
    """The host as sent, then its short name: srv1.acme.lan maps like srv1."""
    host = host.strip().lower()
    short = host.split(".", 1)[0]
    return [host] if short == host else [host, short]
