"""Capacity figures on a hand-built week, booking conflicts and manager-forced over-booking.

The week of Monday 11 May 2026 has a public holiday (Ascension, Thursday 14). Claire Fontaine is
on leave on Monday 11 and has a 5 h intervention (+30 min travel) planned on Tuesday 12.
"""

import datetime as dt
import sys
import types
from importlib.machinery import ModuleSpec
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import capacity as capacity_module
from projects.booking import OverbookingError, book, booking_cancel
from projects.capacity import (
    build_engineers_by_free_time,
    capacity,
    intervention_half_days,
    week_capacity,
)
from projects.models import Absence, Booking, EventKind, Half, Project, State
from staff.models import Team
from tests.factories import TechnicianFactory, UserFactory, make_manager, make_ticket
from tickets.planning import intervention_plan
from tickets.services import ticket_cancel

from .conftest import make_project

PARIS = ZoneInfo("Europe/Paris")
MON = dt.date(2026, 5, 11)
TUE, WED, THU, FRI = (MON + dt.timedelta(days=i) for i in range(1, 5))
NEXT_MON = dt.date(2026, 5, 18)


@pytest.fixture(autouse=True)
def _no_on_call_unless_asked(monkeypatch):
    """Figures below do not depend on whatever rotation the on-call app may hold."""
    monkeypatch.setattr(capacity_module, "on_call_periods", lambda ids, start, end: {})


@pytest.fixture
def week(engineer, pm):
    """Leave on Monday, an intervention on Tuesday morning (5 h 30 with travel)."""
    Absence.objects.create(technician=engineer, start=MON, end=MON, reason=Absence.Reason.LEAVE)
    ticket = make_ticket(title="Migration du serveur de fichiers")
    intervention_plan(
        ticket=ticket,
        technician=engineer,
        starts_at=dt.datetime(2026, 5, 12, 9, 0, tzinfo=PARIS),
        duration=dt.timedelta(hours=5),
        travel_minutes=30,
        by=pm,
    )
    return ticket


@pytest.mark.django_db
def test_the_hand_built_week_leaves_four_bookable_half_days(engineer, week):
    figures = week_capacity(engineer, WED)
    assert (figures.holidays, figures.absent, figures.interventions, figures.on_call) == (
        2,
        2,
        2,
        0,
    )
    assert figures.available == 4 and figures.booked == 0 and figures.free == 4
    assert figures.blocked[(THU, Half.AM)] == "férié (Ascension)"
    assert figures.blocked[(MON, Half.PM)] == "absence (Congés)"
    assert "10 demi-journées ouvrées − 2 férié − 2 absence − 2 interventions planifiées" in (
        figures.explain()
    )


@pytest.mark.django_db
def test_bookings_fill_the_week_then_the_next_one_is_refused_with_the_figures(
    engineer, week, project, pm
):
    book(project=project, engineer=engineer, start=WED, by=pm)
    book(project=project, engineer=engineer, start=FRI, half=Half.AM, by=pm)
    book(project=project, engineer=engineer, start=FRI, half=Half.PM, by=pm)
    figures = week_capacity(engineer, MON)
    assert (figures.available, figures.booked, figures.free) == (4, 4, 0)
    with pytest.raises(OverbookingError) as excinfo:
        book(project=project, engineer=engineer, start=TUE, half=Half.PM, by=pm)
    messages = excinfo.value.messages
    assert messages[0] == "Surréservation refusée pour Claire Fontaine :"
    assert messages[1] == (
        "Semaine 20 (du 11/05/2026) : 4 demi-journée(s) disponible(s), 4 déjà réservée(s), "
        "1 demandée(s) – dépassement de 1."
    )
    assert Booking.objects.count() == 3


@pytest.mark.django_db
def test_planned_interventions_cost_their_duration_and_travel_rounded_up_to_half_days():
    assert intervention_half_days(dt.timedelta(minutes=30)) == 1
    assert intervention_half_days(dt.timedelta(hours=4)) == 1
    assert intervention_half_days(dt.timedelta(hours=4), travel_minutes=1) == 2
    assert intervention_half_days(dt.timedelta(hours=7, minutes=30), travel_minutes=60) == 3


@pytest.mark.django_db
def test_cancelled_interventions_and_those_of_cancelled_tickets_do_not_count(engineer, week, pm):
    ticket_cancel(ticket=week, by=pm, reason="Doublon")
    assert week_capacity(engineer, MON).interventions == 0


@pytest.mark.django_db
def test_absences_count_half_days_from_the_afternoon_and_until_noon(engineer):
    Absence.objects.create(technician=engineer, start=TUE, end=WED, start_pm=True, end_am=True)
    figures = week_capacity(engineer, MON)
    assert figures.absent == 2
    assert set(figures.blocked) == {(TUE, Half.PM), (WED, Half.AM), (THU, Half.AM), (THU, Half.PM)}


@pytest.mark.django_db
def test_a_booking_on_a_half_day_taken_by_another_project_is_an_overbooking(
    engineer, build_client, project, pm
):
    other = make_project(build_client, pm, name="Colocation baie 42U", kind="colocation")
    book(project=other, engineer=engineer, start=NEXT_MON, half=Half.AM, by=pm)
    with pytest.raises(OverbookingError) as excinfo:
        book(project=project, engineer=engineer, start=NEXT_MON, by=pm)
    assert excinfo.value.problems == [
        "lundi 18/05/2026 matin : déjà réservé(e) sur le projet « Colocation baie 42U »."
    ]


@pytest.mark.django_db
def test_the_same_half_day_is_never_booked_twice_on_the_same_project_even_forced(
    engineer, project, pm
):
    manager = make_manager().user
    book(project=project, engineer=engineer, start=NEXT_MON, by=pm)
    with pytest.raises(ValidationError) as excinfo:
        book(
            project=project, engineer=engineer, start=NEXT_MON, half=Half.PM, by=manager, force=True
        )
    assert not isinstance(excinfo.value, OverbookingError)
    assert "déjà réservé(e) sur ce projet : lundi 18/05/2026 après-midi" in str(excinfo.value)


@pytest.mark.django_db
def test_absent_days_holidays_and_weekends_are_not_bookable(engineer, week, project, pm):
    for day, expected in [
        (MON, "lundi 11/05/2026 matin : indisponible, absence (Congés)."),
        (THU, "jeudi 14/05/2026 matin : indisponible, férié (Ascension)."),
        (dt.date(2026, 5, 16), "samedi 16/05/2026 matin n'est pas un jour ouvré."),
    ]:
        with pytest.raises(OverbookingError) as excinfo:
            book(project=project, engineer=engineer, start=day, half=Half.AM, by=pm)
        assert excinfo.value.problems[0] == expected
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_a_range_books_its_working_days_all_or_nothing(engineer, week, project, pm):
    # Monday to Friday skips Ascension; Tuesday, Wednesday and Friday would fit, Monday (leave)
    # does not: nothing is booked.
    with pytest.raises(OverbookingError) as excinfo:
        book(project=project, engineer=engineer, start=MON, end=FRI, by=pm)
    assert len(excinfo.value.problems) == 3  # Monday morning, Monday afternoon, the week total
    assert not Booking.objects.exists()
    made = book(project=project, engineer=engineer, start=NEXT_MON, end=dt.date(2026, 5, 22), by=pm)
    assert [b.date for b in made] == [NEXT_MON + dt.timedelta(days=i) for i in range(5)]
    assert week_capacity(engineer, NEXT_MON).free == 0


@pytest.mark.django_db
def test_bad_ranges_are_refused_clearly(engineer, project, pm):
    with pytest.raises(ValidationError, match="précède"):
        book(project=project, engineer=engineer, start=WED, end=MON, by=pm)
    with pytest.raises(ValidationError, match="Aucun jour ouvré"):
        book(
            project=project,
            engineer=engineer,
            start=dt.date(2026, 5, 16),
            end=dt.date(2026, 5, 17),
            by=pm,
        )
    with pytest.raises(ValidationError, match="au plus 92 jours"):
        book(project=project, engineer=engineer, start=MON, end=dt.date(2027, 1, 1), by=pm)


@pytest.mark.django_db
def test_only_a_manager_may_force_an_overbooking_and_it_is_logged(engineer, week, project, pm):
    with pytest.raises(PermissionDenied):
        book(project=project, engineer=engineer, start=MON, by=pm, force=True)
    manager = make_manager().user
    made = book(
        project=project, engineer=engineer, start=MON, by=manager, force=True, note="Go-live avancé"
    )
    assert [b.forced for b in made] == [True]
    event = project.events.get(kind=EventKind.FORCED_BOOKING)
    assert event.actor == manager
    assert event.payload["problems"] == [
        "lundi 11/05/2026 matin : indisponible, absence (Congés).",
        "lundi 11/05/2026 après-midi : indisponible, absence (Congés).",
    ]
    assert event.payload["engineer"] == engineer.pk and event.payload["note"] == "Go-live avancé"
    figures = week_capacity(engineer, MON)
    assert figures.booked == 2 and not figures.overbooked  # 2 booked of 4 available
    # Forcing when nothing is wrong books normally and logs nothing.
    made = book(project=project, engineer=engineer, start=WED, by=manager, force=True)
    assert made[0].forced is False
    assert project.events.filter(kind=EventKind.FORCED_BOOKING).count() == 1


@pytest.mark.django_db
def test_a_forced_overbooking_shows_as_overbooked(engineer, week, project, pm):
    manager = make_manager().user
    book(project=project, engineer=engineer, start=TUE, end=FRI, by=manager, force=True)
    figures = week_capacity(engineer, MON)
    assert figures.booked == 6 and figures.available == 4 and figures.overbooked


@pytest.mark.django_db
def test_only_the_project_manager_or_managers_book_and_cancel(engineer, project, pm):
    outsider = UserFactory(username="autre", is_staff=True)
    with pytest.raises(PermissionDenied):
        book(project=project, engineer=engineer, start=NEXT_MON, by=outsider)
    (made,) = book(project=project, engineer=engineer, start=NEXT_MON, by=pm)
    with pytest.raises(PermissionDenied):
        booking_cancel(booking=made, by=outsider)
    booking_cancel(booking=made, by=pm)
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.ON_HOLD, State.IN_PRODUCTION, State.CANCELLED])
def test_a_paused_live_or_cancelled_project_takes_no_booking(state, engineer, project, pm):
    Project.objects.filter(pk=project.pk).update(state=state)
    with pytest.raises(ValidationError, match="ne peut pas recevoir de réservation"):
        book(project=project, engineer=engineer, start=NEXT_MON, by=pm)


@pytest.mark.django_db
def test_capacity_of_many_engineers_and_weeks_takes_a_fixed_number_of_queries(
    django_assert_num_queries, engineer, other_engineer, week, project, pm
):
    book(project=project, engineer=other_engineer, start=WED, by=pm)
    mondays = [MON + dt.timedelta(weeks=i) for i in range(8)]
    with django_assert_num_queries(3):
        figures = capacity([engineer.pk, other_engineer.pk], mondays)
    assert len(figures) == 16
    assert figures[(other_engineer.pk, MON)].booked == 2
    assert figures[(engineer.pk, dt.date(2026, 5, 25))].holidays == 2  # Whit Monday


@pytest.mark.django_db
def test_under_used_build_engineers_come_first_for_l3(engineer, other_engineer, week, project, pm):
    TechnicianFactory(team=Team.RUN)
    book(project=project, engineer=other_engineer, start=MON, end=WED, by=pm)
    ranked = build_engineers_by_free_time(WED)
    assert [(str(t), free) for t, free in ranked] == [("Claire Fontaine", 4), ("Hugo Chevalier", 2)]


# --- on-call -----------------------------------------------------------------------------------


def fake_rotation_module(engineer):
    """A stand-in ``oncall.selectors``: Claire is on call Thursday 7 → Thursday 14 May, 08:30."""
    start = dt.datetime(2026, 5, 7, 8, 30, tzinfo=PARIS)
    segment = types.SimpleNamespace(
        starts_at=start, ends_at=start + dt.timedelta(weeks=1), primary=engineer, backup=None
    )
    module = types.ModuleType("oncall.selectors")
    module.__spec__ = ModuleSpec("oncall.selectors", loader=None)
    module.active_rotation = lambda: "rotation"
    module.schedule = lambda rotation, start, weeks: [types.SimpleNamespace(segments=[segment])]
    return module


@pytest.mark.django_db
def test_on_call_half_days_are_read_through_the_adapter_and_never_counted_twice(
    monkeypatch, engineer, week
):
    monkeypatch.undo()  # use the real adapter
    monkeypatch.setitem(sys.modules, "oncall.selectors", fake_rotation_module(engineer))
    figures = week_capacity(engineer, MON)
    # Monday is leave (absence), Thursday is Ascension, and the on-call week ends Thursday 08:30:
    # only Tuesday and Wednesday are lost to on-call; Tuesday's intervention is not counted again.
    assert (figures.holidays, figures.absent, figures.on_call, figures.interventions) == (
        2,
        2,
        4,
        0,
    )
    assert figures.available == 2 and figures.on_call_known
    assert figures.blocked[(TUE, Half.AM)] == "astreinte"


@pytest.mark.django_db
def test_without_an_on_call_service_the_figures_say_on_call_is_not_counted(monkeypatch, engineer):
    monkeypatch.undo()
    monkeypatch.setattr(capacity_module, "on_call_source", lambda: None)
    figures = week_capacity(engineer, MON)
    assert figures.on_call == 0 and not figures.on_call_known
    assert "astreinte non prise en compte" in figures.explain()


@pytest.mark.django_db
def test_the_real_on_call_rotation_takes_its_weeks_off_capacity(
    monkeypatch, engineer, other_engineer
):
    """Uses ``oncall.selectors`` itself; skipped, explicitly, where the on-call app lacks it."""
    monkeypatch.undo()
    if capacity_module.on_call_source() is None:
        pytest.skip("oncall.selectors (active_rotation/schedule) is not available")
    from oncall.models import Rotation
    from oncall.services import rotation_set_members

    rotation = Rotation.objects.create(name="Astreinte", start_date=dt.date(2026, 5, 7))
    rotation_set_members(rotation=rotation, technicians=[engineer, other_engineer])
    # Claire: Thursday 7 → 14 May and 21 → 28 May (08:30 handovers); Hugo the week between.
    first = week_capacity(engineer, MON)
    assert (first.holidays, first.on_call, first.available) == (2, 6, 2)
    second = week_capacity(engineer, NEXT_MON)
    assert (second.on_call, second.available) == (4, 6)
    assert week_capacity(other_engineer, MON).on_call == 2  # Friday 15 only (Thursday is off)
