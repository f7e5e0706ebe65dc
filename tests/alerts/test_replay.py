"""Replaying rejected alerts once the host mapping or client is fixed: only what was refused,
within the sending token's scope, once."""

import pytest

from alerts.models import Event, MonitoredHost, RejectedAlert
from alerts.parsing import AlertPayloadError
from alerts.replay import AlreadyReplayed, rejected_alert_replay
from api.services import token_create
from tests.alerts.conftest import alert
from tests.alerts.test_intake import send
from tests.api.conftest import bearer
from tests.factories import ContractFactory, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_partly_rejected_payload_replays_only_its_rejected_alert(monitoring, acme):
    payload = [alert(host="srv1"), {"host": "srv-new", "severity": "critical"}]
    assert send(monitoring, payload).json()["rejected"] == 1
    rejected = RejectedAlert.objects.get()
    MonitoredHost.objects.create(host="srv-new", client=acme)
    by = TechnicianFactory().user
    result = rejected_alert_replay(rejected=rejected, by=by)
    assert (result.received, result.created, result.rejected) == (1, 1, 0)
    assert len(result.tickets_opened) == 1  # the critical alert now opens its ticket
    assert sorted(Event.objects.values_list("host", "count")) == [("srv-new", 1), ("srv1", 1)]
    rejected.refresh_from_db()
    assert rejected.replayed_at is not None and rejected.replayed_by == by
    with pytest.raises(AlreadyReplayed):
        rejected_alert_replay(rejected=rejected, by=by)
    assert Event.objects.get(host="srv1").count == 1  # never counted twice


def test_what_is_still_unknown_stays_rejected_for_a_later_replay(monitoring, acme):
    payload = [
        {"host": "a-new", "severity": "minor"},
        alert(host="srv1"),
        {"host": "b-new", "severity": "minor"},
    ]
    send(monitoring, payload)
    rejected = RejectedAlert.objects.get()
    assert set(rejected.errors) == {"alerts.0.client", "alerts.2.client"}
    MonitoredHost.objects.create(host="b-new", client=acme)
    result = rejected_alert_replay(rejected=rejected, by=None)
    assert (result.created, result.rejected) == (1, 1)
    rejected.refresh_from_db()
    assert rejected.replayed_at is None and list(rejected.errors) == ["alerts.0.client"]
    MonitoredHost.objects.create(host="a-new", client=acme)
    assert rejected_alert_replay(rejected=rejected, by=None).created == 1
    rejected.refresh_from_db()
    assert rejected.replayed_at is not None
    assert Event.objects.count() == 3 and set(Event.objects.values_list("count", flat=True)) == {1}


def test_a_payload_still_refused_as_a_whole_is_left_as_it_was(monitoring, acme):
    send(monitoring, {"host": "ghost", "severity": "critical"})
    rejected = RejectedAlert.objects.get()
    with pytest.raises(AlertPayloadError):
        rejected_alert_replay(rejected=rejected, by=None)
    rejected.refresh_from_db()
    assert rejected.replayed_at is None and rejected.errors == {
        "client": [rejected.errors["client"][0]]
    }
    assert not Event.objects.exists()


def test_a_client_tokens_alert_never_lands_in_another_client_when_replayed(acme):
    globex = ContractFactory(client__code="globex").client
    _token, raw = token_create(name="Supervision ACME", client=acme, scopes=["alerts:write"])
    send(bearer(raw), [alert(client="acme"), alert(client="globex", service="vpn")])
    rejected = RejectedAlert.objects.get()
    assert rejected.scope_client == acme
    with pytest.raises(AlertPayloadError):  # replayed by Oceanis staff: still ACME's scope
        rejected_alert_replay(rejected=rejected, by=TechnicianFactory().user)
    assert not Event.objects.filter(client=globex).exists()


def test_the_forced_type_is_replayed_as_sent(monitoring, acme):
    zabbix = {"event_id": "42", "host": "fw-new", "trigger_name": "WAN", "event_severity": "High"}
    assert send(monitoring, zabbix, type="zabbix").status_code == 400
    rejected = RejectedAlert.objects.get()
    assert rejected.flavour == "zabbix"
    MonitoredHost.objects.create(host="fw-new", client=acme)
    assert rejected_alert_replay(rejected=rejected, by=None).created == 1
    assert Event.objects.get().fingerprint


def test_the_admin_replays_the_selected_rows(monitoring, acme, settings, client):
    settings.ROOT_URLCONF = "oceanis.urls"
    send(monitoring, {"host": "srv-new", "severity": "warning"})
    MonitoredHost.objects.create(host="srv-new", client=acme)
    rejected = RejectedAlert.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/alerts/rejectedalert/",
        {"action": "replay", "_selected_action": [rejected.pk]},
        follow=True,
    )
    assert response.status_code == 200
    rejected.refresh_from_db()
    assert rejected.replayed_at is not None and Event.objects.count() == 1
