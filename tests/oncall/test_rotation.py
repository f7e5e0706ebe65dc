"""The weekly rotation: handovers in local time across DST and year ends, overrides, backups."""

import datetime as dt

import pytest

from oncall.models import Override, OverrideRole, Rotation, WeekOverride
from oncall.selectors import on_call_at, schedule, technician_shifts, week_bounds, week_index
from oncall.services import rotation_swap_weeks
from tests.factories import TechnicianFactory
from tests.oncall.conftest import make_rotation, paris

UTC = dt.UTC
pytestmark = pytest.mark.django_db


def who(at):
    current = on_call_at(at)
    return current.primary.user.username if current and current.primary else None


def test_the_first_week_starts_on_the_start_thursday_at_0830_paris(rotation):
    assert who(paris(2026, 10, 1, 8, 29)) is None
    assert who(paris(2026, 10, 1, 8, 30)) == "alice"
    assert who(paris(2026, 10, 8, 8, 29, 59)) == "alice"
    assert who(paris(2026, 10, 8, 8, 30)) == "bruno"
    assert who(paris(2026, 10, 15, 8, 30)) == "chloe"
    assert who(paris(2026, 10, 22, 8, 30)) == "alice"  # round robin


def test_the_handover_stays_at_0830_local_across_the_autumn_dst_change(rotation):
    # 25 Oct 2026: CEST (UTC+2) -> CET (UTC+1). Week 22 Oct -> 29 Oct lasts 169 h.
    start, end = week_bounds(rotation[0], 3)
    assert start == paris(2026, 10, 22, 8, 30)
    assert start.astimezone(UTC) == dt.datetime(2026, 10, 22, 6, 30, tzinfo=UTC)
    assert end.astimezone(UTC) == dt.datetime(2026, 10, 29, 7, 30, tzinfo=UTC)
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=169)
    assert (end.hour, end.minute) == (8, 30)
    assert who(dt.datetime(2026, 10, 29, 7, 29, tzinfo=UTC)) == "alice"
    assert who(dt.datetime(2026, 10, 29, 7, 30, tzinfo=UTC)) == "bruno"
    # 06:30 UTC would be the handover had the UTC time been kept: alice is still on call.
    assert who(dt.datetime(2026, 10, 29, 6, 30, tzinfo=UTC)) == "alice"


def test_the_handover_stays_at_0830_local_across_the_spring_dst_change(rotation):
    # 28 Mar 2027: CET -> CEST. Week 25 Mar -> 1 Apr 2027 lasts 167 h.
    rot = rotation[0]
    i = week_index(rot, paris(2027, 3, 26, 12, 0))
    start, end = week_bounds(rot, i)
    assert start == paris(2027, 3, 25, 8, 30)
    assert end == paris(2027, 4, 1, 8, 30)
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=167)
    before, after = who(paris(2027, 4, 1, 8, 29)), who(paris(2027, 4, 1, 8, 30))
    assert before != after
    assert who(dt.datetime(2027, 4, 1, 6, 30, tzinfo=UTC)) == after  # 08:30 CEST


def test_the_week_index_runs_on_across_the_new_year(rotation):
    rot = rotation[0]
    last = week_index(rot, paris(2026, 12, 31, 8, 29))
    first = week_index(rot, paris(2026, 12, 31, 8, 30))
    assert first == last + 1 == 13  # 13 weeks after 1 Oct 2026
    assert week_bounds(rot, first) == (paris(2026, 12, 31, 8, 30), paris(2027, 1, 7, 8, 30))
    assert who(paris(2026, 12, 31, 8, 29)) == "alice"  # week 12 -> 12 % 3 = 0
    assert who(paris(2026, 12, 31, 8, 30)) == "bruno"  # week 13 -> 13 % 3 = 1
    assert who(paris(2027, 1, 7, 8, 30)) == "chloe"


def test_every_handover_of_two_years_is_thursday_0830_paris(rotation):
    weeks = schedule(rotation[0], start=paris(2026, 10, 1, 9, 0), weeks=105)
    assert len(weeks) == 105
    durations = set()
    for week in weeks:
        local = week.starts_at.astimezone(paris(2026, 1, 1).tzinfo)
        assert (local.weekday(), local.hour, local.minute) == (3, 8, 30)
        durations.add(week.duration)
    assert durations == {dt.timedelta(hours=h) for h in (167, 168, 169)}
    for previous, following in zip(weeks, weeks[1:], strict=False):
        assert previous.ends_at == following.starts_at


def test_a_configurable_handover_time_and_day_are_respected(db):
    rot, _ = make_rotation(start=dt.date(2026, 10, 5))
    Rotation.objects.filter(pk=rot.pk).update(handover_weekday=0, handover_time=dt.time(18, 0))
    rot.refresh_from_db()
    assert who(paris(2026, 10, 5, 17, 59)) is None
    assert who(paris(2026, 10, 5, 18, 0)) == "alice"
    # three weeks later, after the DST change: still 18:00 local, back to alice
    assert who(paris(2026, 10, 26, 17, 59)) == "chloe"
    assert who(paris(2026, 10, 26, 18, 0)) == "alice"


def test_the_backup_is_the_next_technician_and_the_manager_escalates(rotation, boss):
    current = on_call_at(paris(2026, 10, 16, 3, 0))
    assert current.primary.user.username == "chloe"
    assert current.backup.user.username == "alice"
    assert current.escalation_contact == boss


def test_a_swapped_week_wins_over_the_rotation(rotation):
    rot = rotation[0]
    rotation_swap_weeks(
        rotation=rot, first=dt.date(2026, 10, 8), second=dt.date(2026, 10, 15), reason="Congés"
    )
    assert who(paris(2026, 10, 9, 3, 0)) == "chloe"
    assert who(paris(2026, 10, 16, 3, 0)) == "bruno"
    # the backup follows the person actually on call, never themselves
    assert on_call_at(paris(2026, 10, 9, 3, 0)).backup.user.username == "alice"
    assert on_call_at(paris(2026, 10, 16, 3, 0)).backup.user.username == "chloe"


def test_a_week_override_can_set_the_backup_and_the_escalation_contact(rotation, boss):
    rot, (alice, bruno, chloe) = rotation
    deputy = TechnicianFactory(user__username="deputy")
    WeekOverride.objects.create(
        rotation=rot, week_start=dt.date(2026, 10, 1), backup=chloe, escalation_contact=deputy
    )
    current = on_call_at(paris(2026, 10, 2, 23, 0))
    assert (current.primary, current.backup, current.escalation_contact) == (alice, chloe, deputy)
    assert on_call_at(paris(2026, 10, 9, 23, 0)).escalation_contact == boss


def test_a_replacement_for_some_hours_wins_then_the_rotation_resumes(rotation):
    rot, (alice, bruno, chloe) = rotation
    dan = TechnicianFactory(user__username="dan")
    Override.objects.create(
        rotation=rot,
        technician=dan,
        starts_at=paris(2026, 10, 3, 20, 0),
        ends_at=paris(2026, 10, 4, 8, 0),
        reason="Alice malade",
    )
    assert who(paris(2026, 10, 3, 19, 59)) == "alice"
    assert who(paris(2026, 10, 3, 20, 0)) == "dan"
    assert who(paris(2026, 10, 4, 7, 59)) == "dan"
    assert who(paris(2026, 10, 4, 8, 0)) == "alice"
    week = schedule(rot, start=paris(2026, 10, 2, 0, 0), weeks=1)[0]
    assert [s.primary.user.username for s in week.segments] == ["alice", "dan", "alice"]


def test_the_latest_replacement_wins_when_two_overlap(rotation):
    rot, _ = rotation
    first = TechnicianFactory(user__username="first")
    second = TechnicianFactory(user__username="second")
    for tech in (first, second):
        Override.objects.create(
            rotation=rot,
            technician=tech,
            starts_at=paris(2026, 10, 3, 0, 0),
            ends_at=paris(2026, 10, 5, 0, 0),
        )
    assert who(paris(2026, 10, 4, 12, 0)) == "second"


def test_a_replacement_can_cover_the_backup_only(rotation):
    rot, (alice, bruno, chloe) = rotation
    eve = TechnicianFactory(user__username="eve")
    Override.objects.create(
        rotation=rot,
        role=OverrideRole.BACKUP,
        technician=eve,
        starts_at=paris(2026, 10, 2, 0, 0),
        ends_at=paris(2026, 10, 3, 0, 0),
    )
    current = on_call_at(paris(2026, 10, 2, 3, 0))
    assert (current.primary, current.backup) == (alice, eve)
    assert on_call_at(paris(2026, 10, 3, 3, 0)).backup == bruno


def test_a_replacement_spanning_the_handover_splits_both_weeks(rotation):
    rot, _ = rotation
    dan = TechnicianFactory(user__username="dan")
    Override.objects.create(
        rotation=rot,
        technician=dan,
        starts_at=paris(2026, 10, 7, 20, 0),
        ends_at=paris(2026, 10, 8, 20, 0),
    )
    weeks = schedule(rot, start=paris(2026, 10, 2, 0, 0), weeks=2)
    assert [s.primary.user.username for s in weeks[0].segments] == ["alice", "dan"]
    assert [s.primary.user.username for s in weeks[1].segments] == ["dan", "bruno"]
    shifts = technician_shifts(dan, start=paris(2026, 10, 2, 0, 0), weeks=2, rotation=rot)
    assert [(role, s.starts_at, s.ends_at) for role, s, _ in shifts] == [
        ("primary", paris(2026, 10, 7, 20, 0), paris(2026, 10, 8, 20, 0))
    ]


def test_nobody_is_on_call_without_an_active_rotation(db):
    assert on_call_at(paris(2026, 10, 2, 3, 0)) is None


def test_a_generated_schedule_for_the_coming_months_costs_three_queries(
    rotation, django_assert_num_queries
):
    rot, _ = rotation
    with django_assert_num_queries(3):
        weeks = schedule(rot, start=paris(2026, 11, 1, 0, 0), weeks=26)
    assert [w.primary.user.username for w in weeks[:4]] == ["bruno", "chloe", "alice", "bruno"]
    assert weeks[0].starts_at == paris(2026, 10, 29, 8, 30)


def test_the_start_date_must_be_a_handover_day(db):
    from django.core.exceptions import ValidationError

    rot = Rotation(name="X", start_date=dt.date(2026, 10, 2))
    with pytest.raises(ValidationError) as error:
        rot.full_clean()
    assert "jeudi" in str(error.value)


def test_a_swapped_week_must_start_on_a_handover_day(rotation):
    from django.core.exceptions import ValidationError

    rot, (alice, *_) = rotation
    with pytest.raises(ValidationError):
        WeekOverride(rotation=rot, week_start=dt.date(2026, 10, 9), primary=alice).full_clean()
