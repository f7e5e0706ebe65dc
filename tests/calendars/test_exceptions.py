"""Calendar exceptions entered by a manager: they move the deadlines of tickets created after
they were entered, never of those created before, and the ticket page names them."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from backoffice.slapanel import sla_panel
from calendars import registry
from calendars.models import CalendarChange, CalendarException, ChangeAction, ExceptionKind
from calendars.services import calendar_exception_add, calendar_exception_withdraw
from sla.policy import HoursPlan, Urgency, calendar_for
from tests.factories import ContractFactory, make_ticket
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db

BRIDGE = dt.date(2026, 5, 15)  # Friday after Ascension (Thursday 14 May 2026)


def ticket_at(instant, contract, urgency=Urgency.SLIGHTLY_BLOCKING):
    with time_machine.travel(instant, tick=False):
        return make_ticket(client=contract.client, urgency=urgency)


ENTERED = paris(2026, 5, 13, 10, 0)


def enter_bridge(manager, at=ENTERED, **fields):
    fields.setdefault("calendar", "")
    with time_machine.travel(at, tick=False):
        return calendar_exception_add(
            kind=ExceptionKind.CLOSURE,
            day=BRIDGE,
            label="pont de l'Ascension",
            by=manager.user,
            **fields,
        )


def test_a_bridge_day_moves_the_deadline_of_later_tickets_only(manager):
    contract = ContractFactory()
    earlier = ticket_at(paris(2026, 5, 13, 9, 0), contract)  # before the manager entered it
    enter_bridge(manager)
    evening_before = ticket_at(paris(2026, 5, 14, 20, 0), contract)
    # 8 h of Oceanis hours: earlier keeps Friday 09:00; the later one skips the bridge day.
    earlier.refresh_from_db()
    assert earlier.gti_deadline == paris(2026, 5, 15, 9, 0)
    assert evening_before.gti_deadline == paris(2026, 5, 18, 18, 0)
    with time_machine.travel(paris(2026, 5, 15, 12, 0), tick=False):
        late = sla_panel(evening_before, dt.datetime.now(dt.UTC))
        kept = sla_panel(earlier, dt.datetime.now(dt.UTC))
    assert "fermeture exceptionnelle : pont de l'Ascension" in late.explanation
    assert late.explanation.startswith("8 h lun. 18/05 → lun. 18/05 18:00")
    assert late.gti.remaining == dt.timedelta(hours=8)  # nothing consumed on the bridge day
    # The earlier ticket keeps the calendar its deadline was computed on.
    assert "pont" not in kept.explanation and kept.explanation.endswith("ven. 15/05 09:00")
    assert kept.gti.breached


def test_a_closure_for_the_desk_leaves_24x7_alone_unless_targeted(manager):
    enter_bridge(manager)
    assert not calendar_for(HoursPlan.EXTENDED).is_open(paris(2026, 5, 15, 10, 0))
    assert calendar_for(HoursPlan.ON_CALL).is_open(paris(2026, 5, 15, 10, 0))
    enter_bridge(manager, calendar=HoursPlan.ON_CALL)
    assert not calendar_for(HoursPlan.ON_CALL).is_open(paris(2026, 5, 15, 10, 0))


def test_half_day_closure_reopening_and_special_hours(manager):
    calendar_exception_add(
        kind=ExceptionKind.CLOSURE,
        day=dt.date(2026, 12, 24),
        start_time=dt.time(14),
        end_time=dt.time(18),
        label="réveillon",
        by=manager.user,
    )
    calendar_exception_add(
        kind=ExceptionKind.REOPENING, day=dt.date(2026, 5, 25), label="lundi de Pentecôte travaillé"
    )
    calendar_exception_add(
        kind=ExceptionKind.HOURS,
        day=dt.date(2026, 7, 3),
        start_time=dt.time(9),
        end_time=dt.time(11),
        label="séminaire",
    )
    standard = calendar_for(HoursPlan.STANDARD)
    # Critical 1 h at 12:00 on 24 December: 30 min, then 28 December (25th holiday, weekend).
    assert standard.add(paris(2026, 12, 24, 12, 0), dt.timedelta(hours=1)) == paris(
        2026, 12, 28, 9, 0
    )
    assert standard.is_open(paris(2026, 5, 25, 9, 0))
    assert not standard.is_open(paris(2026, 7, 3, 8, 45))
    assert standard.add(paris(2026, 7, 3, 8, 0), dt.timedelta(hours=3)) == paris(2026, 7, 6, 9, 30)


def test_a_withdrawn_exception_stops_counting_and_the_log_says_who(manager):
    exception = enter_bridge(manager)
    with time_machine.travel(paris(2026, 5, 13, 11, 0), tick=False):
        calendar_exception_withdraw(exception=exception, by=manager.user)
    assert calendar_for(HoursPlan.STANDARD).is_open(paris(2026, 5, 15, 10, 0))
    # A ticket created while it was in force keeps it.
    assert not calendar_for(HoursPlan.STANDARD, as_of=paris(2026, 5, 13, 10, 30)).is_open(
        paris(2026, 5, 15, 10, 0)
    )
    log = list(CalendarChange.objects.order_by("at").values_list("action", "by"))
    assert log == [
        (ChangeAction.EXCEPTION_ADDED, manager.user.pk),
        (ChangeAction.EXCEPTION_WITHDRAWN, manager.user.pk),
    ]
    with pytest.raises(Exception, match="append-only"):
        CalendarChange.objects.first().delete()


def test_other_processes_see_a_change_through_the_database_version(settings):
    assert calendar_for(HoursPlan.STANDARD).is_open(paris(2026, 5, 15, 10, 0))
    # Another process entered it: no bump in this process, only rows in the database.
    CalendarException.objects.create(
        kind=ExceptionKind.CLOSURE, day=BRIDGE, label="pont", created_at=paris(2026, 5, 1, 9, 0)
    )
    CalendarChange.objects.create(action=ChangeAction.EXCEPTION_ADDED, subject="pont")
    assert calendar_for(HoursPlan.STANDARD).is_open(paris(2026, 5, 15, 10, 0))  # cached
    settings.CALENDARS_RECHECK_SECONDS = 0
    registry._current[0].token_read = 0.0
    assert not calendar_for(HoursPlan.STANDARD).is_open(paris(2026, 5, 15, 10, 0))


def test_reading_calendars_costs_no_query_once_loaded(manager, django_assert_num_queries):
    enter_bridge(manager)
    calendar_for(HoursPlan.STANDARD)
    with django_assert_num_queries(0):
        for _ in range(100):
            calendar_for(HoursPlan.STANDARD, as_of=paris(2026, 5, 14, 9, 0))


# --- the managers' screen ---------------------------------------------------------------------


def test_a_manager_enters_and_withdraws_a_closure_on_the_screen(client, manager):
    client.force_login(manager.user)
    url = reverse("calendars:index")
    response = client.post(
        url,
        {"kind": "closure", "day": "2026-05-15", "calendar": "", "label": "pont de l'Ascension"},
    )
    assert response.status_code == 302
    exception = CalendarException.objects.get()
    assert exception.created_by == manager.user
    page = client.get(url).content.decode()
    assert "pont de l&#x27;Ascension" in page
    client.post(reverse("calendars:withdraw", args=[exception.pk]))
    exception.refresh_from_db()
    assert exception.withdrawn_by == manager.user


def test_bad_input_is_a_form_error(client, manager):
    client.force_login(manager.user)
    response = client.post(
        reverse("calendars:index"),
        {
            "kind": "hours",
            "day": "2026-05-15",
            "label": "x",
            "start_time": "12:00",
            "end_time": "09:00",
        },
    )
    assert response.status_code == 400
    assert not CalendarException.objects.exists()
    response = client.post(reverse("calendars:index"), {"kind": "nope", "day": "demain"})
    assert response.status_code == 400


def test_only_managers_reach_the_screen(client, technician):
    client.force_login(technician.user)
    assert client.get(reverse("calendars:index")).status_code == 403
    assert client.post(reverse("calendars:withdraw", args=[1])).status_code == 403


def test_the_screen_query_count_does_not_grow(client, manager, django_assert_max_num_queries):
    client.force_login(manager.user)
    for day in range(1, 20):
        calendar_exception_add(
            kind=ExceptionKind.CLOSURE, day=dt.date(2030, 1, day), label=f"j{day}", by=manager.user
        )
    with django_assert_max_num_queries(8):
        assert client.get(reverse("calendars:index")).status_code == 200


def test_the_admin_goes_through_the_service(client, manager):
    manager.user.is_staff = manager.user.is_superuser = True
    manager.user.save()
    client.force_login(manager.user)
    response = client.post(
        reverse("admin:calendars_calendarexception_add"),
        {"kind": "closure", "day": "2026-05-15", "calendar": "", "label": "pont"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarChange.objects.get().action == ChangeAction.EXCEPTION_ADDED
    assert not calendar_for(HoursPlan.STANDARD).is_open(paris(2026, 5, 15, 10, 0))
