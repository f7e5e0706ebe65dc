"""Each hand-written hot statement returns what the equivalent ORM query returns, on the same data.

``HotSelect`` builds its column list from model metadata and converts values with Django's
backend converters (internals: ``Field.cached_col``, ``ops.get_db_converters``); its ``tail`` and
the ``hot_cursor`` statements name columns by hand. Each test below runs one statement and the
ORM query it replaces on the same rows and compares every concrete field, value and type (a
Decimal left as a float, a JSON column left as text or a naive datetime would fail). CI runs them
on PostgreSQL, where the statements are prepared; locally they run on SQLite too.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

# The modules declaring the statements: importing them registers them in HotSelect.declared.
import api.auth  # noqa: F401
import api.serializers  # noqa: F401
from alerts.models import Event, MonitoredHost
from alerts.parsing import Alert
from alerts.routing import resolve_clients
from api.models import ApiToken, hash_token
from backoffice.views.ticket import get_viewed_ticket
from clients.models import Client, Contract
from oceanis.db import HotSelect
from tests.factories import (
    ClientFactory,
    ContactFactory,
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    UserFactory,
    make_ticket,
)
from tickets.models import ReferenceCounter, Ticket, TicketSeen
from tickets.references import next_reference

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = ("api.ApiToken", settings.AUTH_USER_MODEL, "clients.Client")
CLIENT_BY_CODE = ("clients.Client",)
CONTRACT_IN_FORCE = ("clients.Contract",)
VIEWED_TICKET = (
    "tickets.Ticket",
    "clients.Client",
    "clients.Contact",
    "clients.Site",
    "clients.Contract",
    settings.AUTH_USER_MODEL,
)


def statement(*labels: str) -> HotSelect:
    found = [s for s in HotSelect.declared if s.labels == labels]
    assert len(found) == 1, f"expected one HotSelect over {labels}, found {len(found)}"
    return found[0]


def snapshot(instance) -> list | None:
    """Every concrete field as (name, type, value), and how the instance was loaded."""
    if instance is None:
        return None
    values = [
        (f.attname, type(getattr(instance, f.attname)), getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
    ]
    return [type(instance), instance._state.db, instance._state.adding, *values]


def test_every_hotselect_of_the_code_has_its_equivalence_test_here():
    declared = 0
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "var/")) or relative == "oceanis/db.py":
            continue
        declared += len(re.findall(r"\bHotSelect\(", path.read_text(encoding="utf-8")))
    tested = {TOKEN, CLIENT_BY_CODE, CONTRACT_IN_FORCE, VIEWED_TICKET}
    assert declared == len(tested)
    assert {s.labels for s in HotSelect.declared} >= tested
    for labels in tested:
        statement(*labels)


def _viewed_ticket_orm(reference: str, viewer) -> Ticket:
    """The ticket page's query before its prepared statement."""
    seen = TicketSeen.objects.filter(ticket=OuterRef("pk"), user=viewer).values("seen_at")[:1]
    related = ("client", "contact", "site", "contract", "created_by")
    tickets = Ticket.objects.select_related(*related).annotate(viewer_seen_at=Subquery(seen))
    return tickets.get(reference=reference)


def test_the_viewed_ticket_statement_returns_the_orm_ticket():
    client = ClientFactory(notification_recipients="a@acme.test")
    site = SiteFactory(client=client)
    referent = TechnicianFactory()
    ContractFactory(client=client, hourly_rate=Decimal("92.50"), referent=referent)
    author = UserFactory(last_login=timezone.now())
    full = make_ticket(
        client=client,
        contact=ContactFactory(client=client, site=site, phone="02 51 10 20 00"),
        site=site,
        by=author,
        description="Bourrage papier",
        billable=True,
    )
    # No contact, site, contract nor author: every outer join unmatched.
    bare = make_ticket(client=ClientFactory())
    viewer, other, never = UserFactory(), UserFactory(), UserFactory()
    seen_at = timezone.now().replace(microsecond=654321)
    TicketSeen.objects.create(ticket=full, user=viewer, seen_at=seen_at)
    TicketSeen.objects.create(ticket=full, user=other, seen_at=seen_at - dt.timedelta(days=1))
    TicketSeen.objects.create(ticket=bare, user=other, seen_at=seen_at)
    related = ("client", "contact", "site", "contract", "created_by")
    for ticket in (full, bare):
        for user in (viewer, other, never):
            hot = get_viewed_ticket(ticket.reference, user)
            orm = _viewed_ticket_orm(ticket.reference, user)
            assert [snapshot(hot)] + [snapshot(getattr(hot, name)) for name in related] == [
                snapshot(orm)
            ] + [snapshot(getattr(orm, name)) for name in related]
            # Loaded with the ticket, not on access.
            assert set(hot._state.fields_cache) == set(orm._state.fields_cache) >= set(related)
            assert (type(hot.viewer_seen_at), hot.viewer_seen_at) == (
                type(orm.viewer_seen_at),
                orm.viewer_seen_at,
            )
    # What the comparison covered: both join outcomes, a mark, another's mark, none.
    assert get_viewed_ticket(full.reference, viewer).viewer_seen_at == seen_at
    assert get_viewed_ticket(bare.reference, viewer).viewer_seen_at is None
    assert get_viewed_ticket(full.reference, never).viewer_seen_at is None
    assert get_viewed_ticket(bare.reference, other).viewer_seen_at == seen_at
    loaded = get_viewed_ticket(full.reference, viewer)
    assert loaded.contract.hourly_rate == Decimal("92.50") and loaded.created_by == author
    unmatched = get_viewed_ticket(bare.reference, viewer)
    assert [getattr(unmatched, name) for name in related[1:]] == [None] * 4
    with pytest.raises(Http404):
        get_viewed_ticket("OC-1999-000001", viewer)


def _token(raw: str, **fields) -> ApiToken:
    fields.setdefault("user", UserFactory(username=f"svc-{raw}"))
    return ApiToken.objects.create(name=raw, prefix=raw, key_hash=hash_token(raw), **fields)


def test_the_token_statement_returns_the_orm_rows():
    acme = ClientFactory(code="acme", notification_recipients="a@acme.test\nb@acme.test")
    used = timezone.now().replace(microsecond=123456)
    staff_wide = _token(
        "oc_staff",
        user=UserFactory(username="svc-phone", last_login=used),
        scopes=["tickets:read", "tickets:write"],
        last_used_at=used,
    )
    scoped = _token("oc_acme", client=acme, acts_for_person=True)
    revoked = _token("oc_old", client=acme, revoked_at=used)
    hot = statement(*TOKEN)
    for key_hash in (staff_wide.key_hash, scoped.key_hash, revoked.key_hash, "0" * 64):
        row = hot.first([key_hash])
        orm = (
            ApiToken.objects.select_related("user", "client")
            .filter(key_hash=key_hash, revoked_at__isnull=True)
            .first()
        )
        expected = (
            None if orm is None else [snapshot(orm), snapshot(orm.user), snapshot(orm.client)]
        )
        assert (None if row is None else [snapshot(i) for i in row]) == expected
    # What the comparison covered: both join outcomes and the revoked filter.
    assert hot.first([staff_wide.key_hash])[2] is None
    assert hot.first([scoped.key_hash])[2].code == "acme"
    assert hot.first([revoked.key_hash]) is None


def test_the_client_by_code_statement_returns_the_orm_row():
    ClientFactory(code="acme", multi_site=True, notification_recipients="x@acme.test")
    ClientFactory(code="gone", is_active=False)
    ClientFactory(code="other")
    hot = statement(*CLIENT_BY_CODE)
    for code in ("acme", "other", "gone", "unknown", "ACME"):
        row = hot.first([code])
        orm = Client.objects.filter(code=code, is_active=True).first()
        assert (None if row is None else snapshot(row[0])) == snapshot(orm), code
    assert hot.first(["gone"]) is None and hot.first(["acme"])[0].multi_site is True


def _contract_in_force_orm(client: Client, on: dt.date) -> Contract | None:
    return (
        Contract.objects.filter(client=client, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-start_date", "-id")
        .first()
    )


def test_the_contract_in_force_statement_returns_the_orm_row():
    client = ClientFactory()
    ContractFactory(client=client, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    ContractFactory(
        client=client,
        start_date=dt.date(2025, 6, 1),
        hourly_rate=Decimal("92.50"),
        gti_critical_minutes=90,
    )
    # Same start as the previous one: the most recent row wins, in both.
    ContractFactory(client=client, name="Avenant", start_date=dt.date(2025, 6, 1))
    ContractFactory(client=client, start_date=dt.date(2027, 1, 1))
    ContractFactory(start_date=dt.date(2024, 1, 1))  # another client's
    days = [
        dt.date(2024, 12, 31),
        dt.date(2025, 1, 1),
        dt.date(2025, 5, 31),
        dt.date(2025, 6, 1),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 1),
        dt.date(2027, 1, 1),
    ]
    found = []
    for day in days:
        contract = client.active_contract(day)
        assert snapshot(contract) == snapshot(_contract_in_force_orm(client, day)), day
        found.append(contract and contract.name)
    assert found[0] is None and found[3] == "Avenant"
    assert isinstance(client.active_contract(dt.date(2025, 5, 31)).start_date, dt.date)


def _alert(host: str = "", client_code: str = "") -> Alert:
    return Alert(
        source="zabbix",
        fingerprint=f"fp-{host}-{client_code}",
        status="firing",
        severity="critical",
        host=host,
        service="ping",
        summary="down",
        description="",
        client_code=client_code,
    )


def test_the_alert_routing_statement_returns_the_orm_mappings():
    acme = ClientFactory(code="acme")
    gone = ClientFactory(code="gone", is_active=False)
    site = SiteFactory(client=acme)
    MonitoredHost.objects.create(host="srv1", client=acme, site=site)
    MonitoredHost.objects.create(host="nas.acme.lan", client=acme)
    MonitoredHost.objects.create(host="old", client=gone)
    alerts = [
        _alert(client_code="acme"),
        _alert(client_code="gone"),
        _alert(host="srv1.acme.lan"),
        _alert(host="nas.acme.lan"),
        _alert(host="old"),
        _alert(host="srv1", client_code="acme"),
        _alert(host="unknown"),
    ]
    targets, _errors = resolve_clients(alerts, None)

    codes = dict(Client.objects.filter(is_active=True).values_list("code", "id"))
    hosts = {
        h.host: (h.client_id, h.site_id)
        for h in MonitoredHost.objects.filter(client__is_active=True)
    }

    def by_orm(alert: Alert):
        names = [alert.host, alert.host.split(".", 1)[0]] if alert.host else []
        mapped = next((hosts[n] for n in names if n in hosts), None)
        if alert.client_code:
            client_id = codes.get(alert.client_code)
            return None if client_id is None else (client_id, mapped[1] if mapped else None)
        return mapped

    assert targets == [by_orm(a) for a in alerts]
    assert targets[2] == (acme.pk, site.pk) and targets[4] is None


def test_the_reference_statement_returns_the_counter_the_orm_reads():
    year = 2031
    issued = [next_reference(year) for _ in range(3)]
    counter = ReferenceCounter.objects.get(year=year)
    assert issued == [f"OC-{year}-{n:06d}" for n in range(1, counter.last_number + 1)]
    ReferenceCounter.objects.filter(year=year).update(last_number=41)
    assert next_reference(year) == f"OC-{year}-000042"
    assert ReferenceCounter.objects.get(year=year).last_number == 42


def test_the_alert_upsert_statement_returns_the_rows_the_orm_reads():
    from alerts.dedup import upsert_events

    acme = ClientFactory(code="acme")
    now = timezone.now().replace(microsecond=0)
    firing = [
        (_alert(host="srv1"), (acme.pk, None)),
        (_alert(host="srv1"), (acme.pk, None)),
        (_alert(host="srv2"), (acme.pk, None)),
    ]
    for _round in range(2):  # inserted, then updated
        returned = upsert_events(firing, now)
        for row in returned:
            event = Event.objects.get(pk=row["id"])
            for column, value in row.items():
                if column != "inserted":
                    assert getattr(event, column) == value, column
    assert sorted(r["count"] for r in returned) == [2, 4]
