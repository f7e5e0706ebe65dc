import datetime as dt

import pytest
import time_machine

from alerts.models import Event, MonitoredHost, RejectedAlert
from api.services import token_create
from sla.policy import HoursPlan
from tests.alerts.conftest import alert
from tests.api.conftest import bearer
from tests.factories import ContractFactory, SiteFactory, TechnicianFactory
from tickets.models import Channel, EventKind, Kind, State, Ticket
from tickets.services import ticket_take_in_charge

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/"
MONDAY_10H = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris: business hours
SUNDAY_3H = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # 03:00 in Paris: out of hours


def send(api, payload, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return api.post(URL + suffix, payload, format="json")


def test_a_warning_creates_an_event_but_no_ticket(monitoring, acme):
    response = send(monitoring, alert())
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1 and response.json()["tickets_opened"] == []
    event = Event.objects.get()
    assert (event.client, event.count, event.severity, event.ticket) == (acme, 1, "warning", None)


def test_repeated_alerts_update_the_open_event_instead_of_creating_one(monitoring, acme):
    with time_machine.travel(MONDAY_10H, tick=False):
        send(monitoring, alert(summary="v1"))
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        body = send(monitoring, alert(summary="v2")).json()
    assert body["updated"] == 1 and body["created"] == 0
    event = Event.objects.get()
    assert event.count == 2 and event.summary == "v2"
    assert event.first_seen == MONDAY_10H
    assert event.last_seen == MONDAY_10H + dt.timedelta(minutes=5)


def test_a_critical_alert_opens_one_monitoring_ticket_once(monitoring, acme):
    first = send(monitoring, alert(severity="critical", summary="Disque plein")).json()
    [reference] = first["tickets_opened"]
    ticket = Ticket.objects.get(reference=reference)
    assert ticket.channel == Channel.MONITORING and ticket.urgency == "critical"
    assert ticket.kind == Kind.INCIDENT and ticket.client == acme
    assert ticket.created_by == monitoring.token.user
    assert "Disque plein" in ticket.title
    for _ in range(3):
        assert send(monitoring, alert(severity="critical")).json()["tickets_opened"] == []
    assert Ticket.objects.count() == 1
    assert Event.objects.get().ticket == ticket


def test_a_major_alert_opens_a_very_blocking_ticket(monitoring, acme):
    [reference] = send(monitoring, alert(severity="major")).json()["tickets_opened"]
    assert Ticket.objects.get(reference=reference).urgency == "very_blocking"


def test_a_worsening_event_opens_then_raises_its_ticket(monitoring, acme):
    send(monitoring, alert(severity="warning"))
    assert not Ticket.objects.exists()
    send(monitoring, alert(severity="major"))
    ticket = Ticket.objects.get()
    assert ticket.urgency == "very_blocking"
    send(monitoring, alert(severity="critical"))
    ticket.refresh_from_db()
    assert ticket.urgency == "critical"
    assert ticket.events.filter(kind=EventKind.URGENCY).count() == 1
    send(monitoring, alert(severity="warning"))  # a milder repeat never lowers it
    ticket.refresh_from_db()
    assert ticket.urgency == "critical" and Event.objects.get().severity == "critical"


def test_recovery_cancels_a_ticket_nobody_took_in_charge(monitoring, acme):
    send(monitoring, alert(severity="critical"))
    body = send(monitoring, alert(status="resolved")).json()
    assert body["resolved"] == 1
    event = Event.objects.get()
    assert event.resolved_at is not None and event.ticket_cancelled_on_recovery
    ticket = event.ticket
    assert ticket.state == State.CANCELLED
    assert ticket.ti_measured is None and ticket.gti_met is None  # no fake intervention time
    note = ticket.events.get(kind=EventKind.NOTE)
    assert "rétablie" in note.body and note.public is False
    assert note.payload == {
        "monitoring_event": event.pk,
        "status": "resolved",
        # the sentence's code, rendered in each reader's language (oceanis.messages)
        "message": {"code": "alert.recovered", "params": {"subject": "srv1", "count": 1}},
    }
    cancel = ticket.events.get(kind=EventKind.TRANSITION, to_state=State.CANCELLED)
    assert "supervision" in cancel.body


def test_recovery_only_notes_a_ticket_already_taken_in_charge(monitoring, acme):
    send(monitoring, alert(severity="critical"))
    ticket = Ticket.objects.get()
    ticket_take_in_charge(ticket=ticket, by=TechnicianFactory().user)
    send(monitoring, alert(status="resolved"))
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    assert ticket.events.filter(kind=EventKind.NOTE).count() == 1


def test_auto_resolve_can_be_switched_off(monitoring, acme, settings):
    settings.ALERTS_AUTO_RESOLVE = False
    send(monitoring, alert(severity="critical"))
    send(monitoring, alert(status="resolved"))
    assert Ticket.objects.get().state == State.NEW


def test_a_resolved_alert_without_open_event_is_acknowledged_and_ignored(monitoring, acme):
    body = send(monitoring, alert(status="resolved")).json()
    assert body["ignored"] == 1 and not Event.objects.exists()


def test_an_alert_after_recovery_opens_a_new_event(monitoring, acme):
    send(monitoring, alert(severity="warning"))
    send(monitoring, alert(status="resolved"))
    send(monitoring, alert(severity="warning"))
    assert Event.objects.count() == 2
    assert Event.objects.filter(resolved_at__isnull=True).count() == 1


def test_a_flapping_alert_rejoins_the_still_open_ticket(monitoring, acme):
    send(monitoring, alert(severity="critical"))
    ticket = Ticket.objects.get()
    ticket_take_in_charge(ticket=ticket, by=TechnicianFactory().user)
    send(monitoring, alert(status="resolved"))
    send(monitoring, alert(severity="critical"))
    assert Ticket.objects.count() == 1
    assert set(Event.objects.values_list("ticket", flat=True)) == {ticket.pk}
    assert ticket.events.filter(kind=EventKind.NOTE, body__contains="de nouveau").exists()


def test_the_host_mapping_gives_client_and_site(monitoring, acme):
    site = SiteFactory(client=acme)
    MonitoredHost.objects.create(host="SRV-DB1", client=acme, site=site)
    payload = {"host": "srv-db1.acme.lan", "severity": "critical", "summary": "DB down"}
    assert send(monitoring, payload).status_code == 200
    event = Event.objects.get()
    assert (event.client, event.site) == (acme, site)
    assert event.ticket.site == site


def test_an_alert_without_a_known_client_is_rejected_alone_and_logged(monitoring, acme):
    payload = [alert(severity="critical"), {"host": "mystery", "severity": "critical"}]
    response = send(monitoring, payload)
    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["created"], body["rejected"]) == (2, 1, 1)
    assert list(body["errors"]) == ["alerts.1.client"]
    assert len(body["tickets_opened"]) == 1  # the known client's critical alert is not held back
    assert Event.objects.get().client == acme
    rejected = RejectedAlert.objects.get()
    assert "mystery" in rejected.body and rejected.credential == "Supervision"
    assert rejected.errors == body["errors"] and "1 alerte(s) sur 2" in rejected.reason


def test_a_payload_where_no_alert_has_a_client_gets_400_and_writes_nothing(monitoring, acme):
    payload = [{"host": "mystery", "severity": "critical"}, {"host": "ghost", "severity": "minor"}]
    response = send(monitoring, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_alert"
    assert set(body["fields"]) == {"alerts.0.client", "alerts.1.client"}
    assert not Event.objects.exists()
    assert RejectedAlert.objects.get().errors == body["fields"]


def test_alerts_of_a_client_no_longer_served_are_rejected_and_logged(monitoring, acme):
    MonitoredHost.objects.create(host="acme-fw", client=acme)
    acme.is_active = False
    acme.save()
    for payload in ({"host": "acme-fw", "severity": "critical"}, alert(client="acme")):
        response = send(monitoring, payload)
        assert response.status_code == 400 and "client" in response.json()["fields"]
    assert not Event.objects.exists() and not Ticket.objects.exists()
    assert RejectedAlert.objects.count() == 2


def test_invalid_json_is_rejected_and_kept_verbatim(monitoring):
    response = monitoring.post(URL, "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_alert"
    assert RejectedAlert.objects.get().body == "{oops"


def test_an_invalid_severity_is_rejected_with_the_reason(monitoring, acme):
    response = send(monitoring, alert(severity="apocalyptic"))
    assert response.status_code == 400
    assert "apocalyptic" in response.json()["fields"]["alert"][0]
    assert RejectedAlert.objects.count() == 1


def test_a_client_token_only_sends_alerts_for_its_client(acme):
    globex = ContractFactory(client__code="globex").client
    MonitoredHost.objects.create(host="globex-fw", client=globex)
    _token, raw = token_create(name="Supervision ACME", client=acme, scopes=["alerts:write"])
    api = bearer(raw)
    assert send(api, alert(client="globex")).status_code == 400
    assert send(api, {"host": "globex-fw", "severity": "info"}).status_code == 400
    ok = send(api, {"host": "unmapped", "severity": "info"})  # defaults to the token's client
    assert ok.status_code == 200
    assert Event.objects.get().client == acme
    assert RejectedAlert.objects.count() == 2


def test_a_client_token_mixing_in_another_clients_alert_gets_only_its_own_ingested(acme):
    globex = ContractFactory(client__code="globex").client
    MonitoredHost.objects.create(host="globex-fw", client=globex)
    _token, raw = token_create(name="Supervision ACME", client=acme, scopes=["alerts:write"])
    payload = [
        {"host": "acme-srv", "severity": "critical"},
        {"host": "globex-fw", "severity": "critical"},
        alert(client="globex", service="vpn"),
    ]
    body = send(bearer(raw), payload).json()
    assert (body["created"], body["rejected"]) == (1, 2)
    assert set(body["errors"]) == {"alerts.1.client", "alerts.2.client"}
    assert list(Event.objects.values_list("client__code", flat=True)) == ["acme"]
    assert not Ticket.objects.filter(client=globex).exists()


def test_an_alertmanager_group_is_ingested_in_one_request(monitoring, acme):
    payload = {
        "version": "4",
        "receiver": "oceanis",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": f"A{i}", "instance": f"h{i}:9100", "client": "acme"},
                "fingerprint": f"fp{i}",
            }
            for i in range(5)
        ],
    }
    body = send(monitoring, payload).json()
    assert body["created"] == 5 and Event.objects.count() == 5


# Outside a transaction, as in production: inside one (the other tests) the upsert takes a
# savepoint so that an alert the database refuses can be isolated.
@pytest.mark.django_db(transaction=True)
def test_a_batch_costs_a_fixed_number_of_queries(monitoring, acme, django_assert_num_queries):
    send(monitoring, alert())
    payload = [alert(service=f"svc{i}") for i in range(40)]
    # token, clients by code and host mappings together, one upsert for the whole batch
    with django_assert_num_queries(3) as ctx:
        send(monitoring, payload)
    assert sum("ON CONFLICT" in q["sql"] for q in ctx.captured_queries) == 1
    assert Event.objects.count() == 41


def _contract_24x7(acme):
    contract = acme.contracts.get()
    contract.hours_plan = HoursPlan.ON_CALL
    contract.save()


def test_a_critical_alert_out_of_hours_for_a_24x7_client_is_flagged_for_on_call(monitoring, acme):
    _contract_24x7(acme)
    with time_machine.travel(SUNDAY_3H, tick=False):
        send(monitoring, alert(severity="critical"))
    event = Event.objects.get()
    assert event.needs_oncall_page is True and event.oncall_flagged_at == SUNDAY_3H


@pytest.mark.parametrize(
    "when,plan,severity",
    [
        (MONDAY_10H, HoursPlan.ON_CALL, "critical"),  # in hours: the desk is there
        (SUNDAY_3H, HoursPlan.STANDARD, "critical"),  # no 24x7 contract
        (SUNDAY_3H, HoursPlan.ON_CALL, "major"),  # not critical
    ],
)
def test_no_on_call_flag_otherwise(monitoring, acme, when, plan, severity):
    contract = acme.contracts.get()
    contract.hours_plan = plan
    contract.save()
    with time_machine.travel(when, tick=False):
        send(monitoring, alert(severity=severity))
    assert Event.objects.get().needs_oncall_page is False


def test_a_critical_event_still_firing_after_hours_gets_flagged(monitoring, acme):
    _contract_24x7(acme)
    friday_17h = dt.datetime(2026, 3, 6, 16, 0, tzinfo=dt.UTC)
    with time_machine.travel(friday_17h, tick=False):
        send(monitoring, alert(severity="critical"))
    assert Event.objects.get().needs_oncall_page is False
    with time_machine.travel(friday_17h + dt.timedelta(hours=3), tick=False):
        send(monitoring, alert(severity="critical"))
    assert Event.objects.get().needs_oncall_page is True


def test_an_alert_storm_of_10000_alerts_over_50_fingerprints_yields_50_events(monitoring, acme):
    severities = ["critical", "major", "warning", "minor", "info"]
    alerts = [
        alert(host=f"host{i % 50}", service="ping", severity=severities[(i % 50) % 5])
        for i in range(10_000)
    ]
    for start in range(0, len(alerts), 500):
        response = send(monitoring, alerts[start : start + 500])
        assert response.status_code == 200
    assert Event.objects.count() == 50
    assert sum(Event.objects.values_list("count", flat=True)) == 10_000
    tickets = Ticket.objects.count()
    assert tickets == 20 and tickets <= 50  # only the critical and major fingerprints
    assert Ticket.objects.filter(channel=Channel.MONITORING).count() == tickets
