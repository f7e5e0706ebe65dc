"""Hand-computed cases for sla.calendar (pure Python: no Django, no database).

Unless stated otherwise the calendar is the "standard" preset: Mon-Fri 08:30-12:30 and
14:00-18:00, Europe/Paris, French public holidays closed.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from sla.calendar import BusinessCalendar, Segment
from sla.explain import describe

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
STANDARD = BusinessCalendar.preset("standard")
EXTENDED = BusinessCalendar.preset("extended")
ALWAYS = BusinessCalendar.preset("24x7")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def paris(y, m, d, hh=0, mm=0, ss=0, us=0, fold=0):
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=PARIS, fold=fold)


def utc(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


def assert_at(actual, expected):
    """Same instant, same UTC offset, and in the calendar's zone.

    (``==`` between datetimes sharing a tzinfo compares wall-clock times, ignoring ``fold``.)
    """
    assert actual.tzinfo is PARIS
    assert actual.astimezone(UTC) == expected.astimezone(UTC), (actual, expected)
    assert actual.utcoffset() == expected.utcoffset(), (actual, expected)


# -- add(): the basics -------------------------------------------------------------------------


def test_four_hours_from_friday_1730_ends_monday_1200():
    # 30 min on Friday + 3 h 30 on Monday from 08:30.
    assert_at(STANDARD.add(paris(2026, 11, 27, 17, 30), 4 * H), paris(2026, 11, 30, 12, 0))


def test_start_during_lunch_counts_from_1400():
    assert_at(STANDARD.add(paris(2026, 11, 24, 13, 0), 2 * H), paris(2026, 11, 24, 16, 0))


def test_start_on_saturday_counts_from_monday_0830():
    assert_at(STANDARD.add(paris(2026, 11, 28, 10, 0), H), paris(2026, 11, 30, 9, 30))


def test_start_one_minute_before_evening_close_ends_next_morning():
    assert_at(STANDARD.add(paris(2026, 11, 24, 17, 59), 2 * MIN), paris(2026, 11, 25, 8, 31))


def test_start_one_minute_before_lunch_ends_after_lunch():
    assert_at(STANDARD.add(paris(2026, 11, 24, 12, 29), 2 * MIN), paris(2026, 11, 24, 14, 1))


def test_deadline_exactly_at_1230_stays_at_1230():
    assert_at(STANDARD.add(paris(2026, 11, 24, 8, 30), 4 * H), paris(2026, 11, 24, 12, 30))


def test_four_hours_from_friday_1400_stays_at_friday_1800():
    assert_at(STANDARD.add(paris(2026, 11, 27, 14, 0), 4 * H), paris(2026, 11, 27, 18, 0))


def test_zero_duration_when_open_returns_start():
    assert_at(STANDARD.add(paris(2026, 11, 24, 10, 0), timedelta(0)), paris(2026, 11, 24, 10, 0))


def test_zero_duration_when_closed_returns_next_opening():
    assert_at(STANDARD.add(paris(2026, 11, 27, 19, 0), timedelta(0)), paris(2026, 11, 30, 8, 30))


def test_microsecond_durations_are_exact():
    start = paris(2026, 11, 24, 8, 30)
    almost = timedelta(hours=3, minutes=59, seconds=59, microseconds=999_999)
    assert_at(STANDARD.add(start, almost), paris(2026, 11, 24, 12, 29, 59, 999_999))
    assert_at(
        STANDARD.add(start, 4 * H + timedelta(microseconds=1)), paris(2026, 11, 24, 14, 0, 0, 1)
    )
    assert STANDARD.elapsed(start, paris(2026, 11, 24, 14, 0, 0, 7)) == 4 * H + timedelta(
        microseconds=7
    )


def test_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        STANDARD.add(paris(2026, 11, 24, 10), -MIN)


# -- holidays ----------------------------------------------------------------------------------


def test_sixteen_hours_across_christmas_2026():
    # Wed 23/12 14:00-18:00 (4 h) + Thu 24/12 (8 h) + Fri 25/12 holiday + Mon 28/12 08:30-12:30.
    assert_at(STANDARD.add(paris(2026, 12, 23, 14, 0), 16 * H), paris(2026, 12, 28, 12, 30))


def test_sixteen_hours_across_new_year_2027():
    # Wed 30/12 10:00 (6 h 30) + Thu 31/12 (8 h) + Fri 01/01 holiday + Mon 04/01 1 h 30.
    assert_at(STANDARD.add(paris(2026, 12, 30, 10, 0), 16 * H), paris(2027, 1, 4, 10, 0))


def test_eight_hours_over_easter_monday_2027_after_spring_dst():
    # Fri 26/03 16:00 CET (2 h) + Easter Monday 29/03 closed + Tue 30/03 6 h -> 16:00 CEST.
    result = STANDARD.add(paris(2027, 3, 26, 16, 0), 8 * H)
    assert_at(result, paris(2027, 3, 30, 16, 0))
    assert result.astimezone(UTC) == utc(2027, 3, 30, 14, 0)


def test_four_hours_over_ascension_2027():
    assert_at(STANDARD.add(paris(2027, 5, 5, 16, 0), 4 * H), paris(2027, 5, 7, 10, 30))


def test_two_hours_over_bastille_day_2026():
    assert_at(STANDARD.add(paris(2026, 7, 13, 17, 0), 2 * H), paris(2026, 7, 15, 9, 30))


def test_assumption_on_sunday_2027_changes_nothing():
    assert_at(STANDARD.add(paris(2027, 8, 13, 17, 0), 2 * H), paris(2027, 8, 16, 9, 30))


def test_assumption_on_saturday_2026_leaves_a_full_week():
    assert STANDARD.elapsed(paris(2026, 8, 10), paris(2026, 8, 17)) == 40 * H


def test_may_first_and_may_eighth_2026_fridays_are_closed():
    assert STANDARD.elapsed(paris(2026, 4, 27), paris(2026, 5, 11)) == 64 * H
    assert_at(STANDARD.add(paris(2026, 4, 30, 17, 0), 2 * H), paris(2026, 5, 4, 9, 30))


def test_armistice_2026_wednesday_is_skipped():
    assert_at(STANDARD.add(paris(2026, 11, 10, 18, 0), H), paris(2026, 11, 12, 9, 30))


def test_whit_monday_2026_is_skipped():
    assert_at(STANDARD.add(paris(2026, 5, 22, 17, 0), 2 * H), paris(2026, 5, 26, 9, 30))


def test_all_saints_2027_monday_is_skipped():
    assert_at(STANDARD.add(paris(2027, 10, 29, 17, 0), 2 * H), paris(2027, 11, 2, 9, 30))


def test_holidays_false_opens_public_holidays():
    cal = BusinessCalendar.preset("standard", holidays=False)
    assert cal.is_open(paris(2026, 12, 25, 10, 0))
    assert not STANDARD.is_open(paris(2026, 12, 25, 10, 0))


def test_explicit_holiday_list_replaces_french_holidays():
    cal = BusinessCalendar.preset("standard", holidays=[date(2026, 11, 24)])
    assert not cal.is_open(paris(2026, 11, 24, 10, 0))
    assert cal.is_open(paris(2026, 11, 11, 10, 0))  # Armistice is not in the explicit list


# -- daylight saving time ----------------------------------------------------------------------


def test_autumn_dst_2026_friday_to_monday_keeps_four_real_hour_windows():
    # Fri 23/10 16:00 CEST (2 h) -> Sun 25/10 CEST->CET -> Mon 26/10 08:30-10:30 CET.
    result = STANDARD.add(paris(2026, 10, 23, 16, 0), 4 * H)
    assert_at(result, paris(2026, 10, 26, 10, 30))
    assert result.utcoffset() == H
    assert result.astimezone(UTC) == utc(2026, 10, 26, 9, 30)
    assert STANDARD.elapsed(paris(2026, 10, 23, 8, 30), paris(2026, 10, 26, 18, 0)) == 16 * H


def test_spring_dst_2026_friday_to_monday_offsets_change():
    result = STANDARD.add(paris(2026, 3, 27, 17, 0), 2 * H)
    assert_at(result, paris(2026, 3, 30, 9, 30))
    assert result.utcoffset() == 2 * H
    assert result.astimezone(UTC) == utc(2026, 3, 30, 7, 30)


def test_spring_dst_2027_week_still_has_forty_hours():
    assert STANDARD.elapsed(paris(2027, 3, 22), paris(2027, 3, 29)) == 40 * H


def test_custom_window_across_spring_gap_counts_real_time():
    # Sunday 01:00-04:00 local; on 29/03/2026 02:00-03:00 does not exist: 2 real hours.
    cal = BusinessCalendar({6: [("01:00", "04:00")]}, holidays=False)
    assert cal.elapsed(paris(2026, 3, 29), paris(2026, 3, 30)) == 2 * H
    assert cal.elapsed(paris(2026, 3, 22), paris(2026, 3, 23)) == 3 * H
    # 01:00 CET = 00:00Z; 1 h 30 later = 01:30Z = 03:30 CEST.
    assert_at(cal.add(paris(2026, 3, 29, 1, 0), 90 * MIN), paris(2026, 3, 29, 3, 30))


def test_custom_window_across_autumn_overlap_counts_repeated_hour_twice():
    cal = BusinessCalendar({6: [("01:00", "04:00")]}, holidays=False)
    assert cal.elapsed(paris(2026, 10, 25), paris(2026, 10, 26)) == 4 * H
    # 01:00 CEST = 23:00Z; 2 h 30 later = 01:30Z = 02:30 CET (the second 02:30).
    result = cal.add(paris(2026, 10, 25, 1, 0), 150 * MIN)
    assert_at(result, paris(2026, 10, 25, 2, 30, fold=1))
    assert result.fold == 1


def test_24x7_across_autumn_dst_counts_real_time():
    # 01:30 CEST = 23:30Z; +2 h = 01:30Z = 02:30 CET (second occurrence).
    result = ALWAYS.add(paris(2026, 10, 25, 1, 30), 2 * H)
    assert result.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    assert result.utcoffset() == H and result.fold == 1
    assert ALWAYS.elapsed(paris(2026, 10, 25), paris(2026, 10, 26)) == 25 * H


def test_24x7_across_spring_dst_counts_real_time():
    result = ALWAYS.add(paris(2027, 3, 28, 1, 30), H)
    assert_at(result, paris(2027, 3, 28, 3, 30))
    assert ALWAYS.elapsed(paris(2027, 3, 28), paris(2027, 3, 29)) == 23 * H


def test_24x7_is_open_on_holidays_and_weekends():
    assert ALWAYS.is_open(paris(2026, 12, 25, 10, 0))
    assert ALWAYS.is_open(paris(2026, 11, 28, 3, 0))
    assert_at(ALWAYS.add(paris(2026, 12, 24, 23, 0), 2 * H), paris(2026, 12, 25, 1, 0))
    assert_at(ALWAYS.next_open(paris(2027, 1, 1, 0, 0)), paris(2027, 1, 1, 0, 0))


def test_24x7_a_year_is_real_time_and_explains_as_one_segment():
    start = paris(2026, 6, 1, 12, 0)
    assert_at(ALWAYS.add(start, timedelta(days=365)), paris(2027, 6, 1, 12, 0))
    segments = ALWAYS.explain(paris(2026, 10, 25), 25 * H)
    assert len(segments) == 1 and segments[0].duration == 25 * H


# -- extended hours ----------------------------------------------------------------------------


def test_extended_counts_noon_break():
    assert_at(EXTENDED.add(paris(2026, 11, 24, 12, 0), 2 * H), paris(2026, 11, 24, 14, 0))


def test_extended_counts_1800_to_1900_and_stays_at_1900():
    assert_at(EXTENDED.add(paris(2026, 11, 24, 15, 0), 4 * H), paris(2026, 11, 24, 19, 0))
    assert_at(EXTENDED.add(paris(2026, 11, 24, 18, 30), H), paris(2026, 11, 25, 7, 30))


def test_extended_early_start_and_holiday():
    assert_at(EXTENDED.add(paris(2026, 11, 24, 6, 0), H), paris(2026, 11, 24, 8, 0))
    assert_at(EXTENDED.add(paris(2026, 11, 10, 18, 0), 2 * H), paris(2026, 11, 12, 8, 0))
    assert_at(EXTENDED.next_open(paris(2026, 11, 28, 12, 0)), paris(2026, 11, 30, 7, 0))


# -- input time zones --------------------------------------------------------------------------


def test_input_in_utc_gives_paris_result():
    result = STANDARD.add(utc(2026, 11, 27, 16, 30), 4 * H)  # 17:30 Paris
    assert_at(result, paris(2026, 11, 30, 12, 0))


def test_input_in_new_york_gives_paris_result():
    start = datetime(2026, 11, 27, 11, 30, tzinfo=NEW_YORK)  # 16:30Z = 17:30 Paris
    assert_at(STANDARD.add(start, 4 * H), paris(2026, 11, 30, 12, 0))
    end = datetime(2026, 11, 30, 6, 0, tzinfo=NEW_YORK)  # 12:00 Paris
    assert STANDARD.elapsed(start, end) == 4 * H


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: STANDARD.add(naive, H),
        lambda naive: STANDARD.elapsed(naive, paris(2026, 12, 1)),
        lambda naive: STANDARD.elapsed(paris(2026, 11, 1), naive),
        lambda naive: STANDARD.is_open(naive),
        lambda naive: STANDARD.next_open(naive),
        lambda naive: STANDARD.explain(naive, H),
    ],
    ids=["add", "elapsed-start", "elapsed-end", "is_open", "next_open", "explain"],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2026, 11, 24, 10, 0))


# -- elapsed() ---------------------------------------------------------------------------------


def test_elapsed_is_zero_when_end_not_after_start():
    assert STANDARD.elapsed(paris(2026, 11, 24, 10), paris(2026, 11, 24, 10)) == timedelta(0)
    assert STANDARD.elapsed(paris(2026, 11, 24, 11), paris(2026, 11, 24, 10)) == timedelta(0)


def test_elapsed_across_weekend():
    # Fri 17:00-18:00 (1 h) + Mon 08:30-09:00 (30 min).
    assert STANDARD.elapsed(paris(2026, 11, 27, 17, 0), paris(2026, 11, 30, 9, 0)) == 90 * MIN


def test_elapsed_is_the_inverse_of_add():
    for start in (paris(2026, 11, 27, 17, 30), paris(2026, 11, 28, 3, 0), paris(2026, 12, 24, 13)):
        for duration in (MIN, H, 4 * H, 16 * H, timedelta(days=20, seconds=7)):
            assert STANDARD.elapsed(start, STANDARD.add(start, duration)) == duration


def test_elapsed_over_a_normal_week_is_forty_hours():
    assert STANDARD.elapsed(paris(2026, 11, 23), paris(2026, 11, 30)) == 40 * H


# -- is_open() / next_open() -------------------------------------------------------------------


def test_is_open_at_boundaries_half_open_windows():
    assert STANDARD.is_open(paris(2026, 11, 24, 8, 30))
    assert not STANDARD.is_open(paris(2026, 11, 24, 8, 29, 59, 999_999))
    assert STANDARD.is_open(paris(2026, 11, 24, 12, 29, 59))
    assert not STANDARD.is_open(paris(2026, 11, 24, 12, 30))
    assert STANDARD.is_open(paris(2026, 11, 24, 14, 0))
    assert not STANDARD.is_open(paris(2026, 11, 24, 18, 0))


def test_next_open_from_friday_evening_is_monday_0830():
    assert_at(STANDARD.next_open(paris(2026, 11, 27, 18, 0)), paris(2026, 11, 30, 8, 30))


def test_next_open_of_an_open_instant_is_itself():
    assert_at(STANDARD.next_open(paris(2026, 11, 24, 10, 17)), paris(2026, 11, 24, 10, 17))
    assert_at(STANDARD.next_open(paris(2026, 11, 24, 12, 45)), paris(2026, 11, 24, 14, 0))


def test_next_open_on_christmas_eve_evening_skips_to_monday():
    assert_at(STANDARD.next_open(paris(2026, 12, 24, 18, 30)), paris(2026, 12, 28, 8, 30))


# -- exceptions, closures, reopenings ----------------------------------------------------------


def test_half_day_exception_closes_christmas_eve_afternoon():
    cal = BusinessCalendar.preset("standard", exceptions={date(2026, 12, 24): [("08:30", "12:30")]})
    assert not cal.is_open(paris(2026, 12, 24, 15, 0))
    # Thu 24/12 11:30-12:30 (1 h) + Fri 25/12 holiday + Mon 28/12 08:30-09:30.
    assert_at(cal.add(paris(2026, 12, 24, 11, 30), 2 * H), paris(2026, 12, 28, 9, 30))


def test_special_saturday_opening():
    cal = BusinessCalendar.preset("standard", exceptions={date(2026, 11, 28): [("09:00", "12:00")]})
    # Fri 30 min + Sat 09:00-12:00 (3 h) + Mon 08:30-09:00.
    assert_at(cal.add(paris(2026, 11, 27, 17, 30), 4 * H), paris(2026, 11, 30, 9, 0))


def test_exception_with_no_window_closes_the_day():
    cal = BusinessCalendar.preset("standard", exceptions={date(2026, 11, 24): []})
    assert_at(cal.next_open(paris(2026, 11, 24, 9, 0)), paris(2026, 11, 25, 8, 30))


def test_extra_closed_date():
    cal = BusinessCalendar.preset("standard", extra_closed_dates=[date(2026, 11, 30)])
    assert_at(cal.add(paris(2026, 11, 27, 17, 30), 4 * H), paris(2026, 12, 1, 12, 0))


def test_reopened_holiday_uses_normal_windows():
    cal = BusinessCalendar.preset("standard", reopened_dates=[date(2026, 11, 11)])
    assert_at(cal.add(paris(2026, 11, 10, 18, 0), H), paris(2026, 11, 11, 9, 30))


# -- explain() / describe() --------------------------------------------------------------------


def test_explain_four_hours_from_friday_1730():
    segments = STANDARD.explain(paris(2026, 11, 27, 17, 30), 4 * H)
    assert segments == [
        Segment(paris(2026, 11, 27, 17, 30), paris(2026, 11, 27, 18, 0)),
        Segment(paris(2026, 11, 30, 8, 30), paris(2026, 11, 30, 12, 0)),
    ]
    assert [s.duration for s in segments] == [30 * MIN, 210 * MIN]
    assert STANDARD.explain(paris(2026, 11, 27, 17, 30), timedelta(0)) == []


def test_describe_in_french():
    segments = STANDARD.explain(paris(2026, 11, 27, 17, 30), 4 * H)
    assert describe(segments) == "30 min ven. 27/11 + 3 h 30 lun. 30/11 → lun. 30/11 12:00"


def test_describe_in_english_groups_a_full_day():
    segments = STANDARD.explain(paris(2026, 11, 27, 17, 0), 9 * H)
    assert describe(segments, locale="en") == "1 h Fri 27 Nov + 8 h Mon 30 Nov → Mon 30 Nov 18:00"
    assert describe([]) == ""
    with pytest.raises(ValueError):
        describe(segments, locale="de")


# -- construction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "windows",
    [
        {0: [("12:00", "10:00")]},
        {0: [("10:00", "10:00")]},
        {0: [("08:00", "12:00"), ("11:00", "14:00")]},
        {0: [("14:00", "18:00"), ("08:00", "12:00")]},
        {7: [("08:00", "12:00")]},
        {0: [("8h30", "12:00")]},
        {0: [(time(0), time(0))]},
        {0: [("08:00",)]},
    ],
    ids=["reversed", "empty", "overlap", "unsorted", "weekday", "format", "midnight", "pair"],
)
def test_invalid_windows_are_rejected(windows):
    with pytest.raises(ValueError):
        BusinessCalendar(windows)


def test_midnight_end_spellings_and_adjacent_windows():
    cal = BusinessCalendar(
        {0: [(time(22), None)], 1: [("00:00", "12:00"), ("12:00", "24:00")]}, holidays=False
    )
    assert cal.elapsed(paris(2026, 11, 23), paris(2026, 11, 25)) == 26 * H
    assert cal.is_open(paris(2026, 11, 24, 12, 0))


def test_unknown_preset_and_string_subclass_preset_name():
    class Plan(str):
        pass

    with pytest.raises(ValueError, match="unknown preset"):
        BusinessCalendar.preset("weekends")
    assert BusinessCalendar.preset(Plan("extended")).is_open(paris(2026, 11, 24, 18, 30))


def test_calendar_without_open_time_refuses_add():
    with pytest.raises(ValueError, match="no open time"):
        BusinessCalendar({}).add(paris(2026, 1, 1), H)


def test_other_calendar_zone():
    cal = BusinessCalendar.preset("standard", tz="America/New_York", holidays="US")
    result = cal.add(paris(2026, 11, 24, 9, 0), H)  # 03:00 New York -> 08:30-09:30 New York
    assert result.tzinfo is NEW_YORK
    assert result == datetime(2026, 11, 24, 9, 30, tzinfo=NEW_YORK)
    assert not cal.is_open(datetime(2026, 11, 26, 10, 0, tzinfo=NEW_YORK))  # Thanksgiving


# -- long spans --------------------------------------------------------------------------------


def _brute_force_add(start_day, hours):
    """Day-by-day walk of the standard calendar, starting at 08:30 on ``start_day``."""
    closed = holidays.country_holidays("FR", years=range(2026, 2031))
    day, left = start_day, hours
    while True:
        if day.weekday() < 5 and day not in closed:
            for begin, end in ((8.5, 12.5), (14.0, 18.0)):
                if left <= end - begin:
                    minutes = round((begin + left) * 60)
                    return datetime.combine(day, time(minutes // 60, minutes % 60), PARIS)
                left -= end - begin
        day += timedelta(days=1)


@pytest.mark.parametrize("hours", [1000, 2500, 7777.5])
def test_multi_year_span_matches_day_by_day_brute_force(hours):
    start = paris(2026, 1, 5, 8, 30)
    expected = _brute_force_add(date(2026, 1, 5), hours)
    result = STANDARD.add(start, timedelta(hours=hours))
    assert_at(result, expected)
    assert STANDARD.elapsed(start, result) == timedelta(hours=hours)
