"""Delays in business days: weekends and French public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tickets.business_days import business_days_after, is_business_day

PARIS = ZoneInfo("Europe/Paris")


def test_weekends_and_public_holidays_are_not_business_days():
    assert is_business_day(date(2026, 12, 24))  # Thursday
    assert not is_business_day(date(2026, 12, 25))  # Christmas, a Friday
    assert not is_business_day(date(2026, 12, 26))  # Saturday
    assert not is_business_day(date(2027, 1, 1))


def test_n_business_days_keep_the_wall_clock_time_and_skip_closed_days():
    resolved = datetime(2026, 12, 16, 10, 0, tzinfo=PARIS)  # Wednesday
    # Thu 17, Fri 18, Mon 21, Tue 22, Wed 23, Thu 24, (Christmas), Mon 28: the 7th.
    assert business_days_after(resolved, 7) == datetime(2026, 12, 28, 10, 0, tzinfo=PARIS)
    # Tue 29, Wed 30, Thu 31: the 10th (New Year's Day would be the 11th, and is skipped).
    assert business_days_after(resolved, 10) == datetime(2026, 12, 31, 10, 0, tzinfo=PARIS)
    assert business_days_after(resolved, 11) == datetime(2027, 1, 4, 10, 0, tzinfo=PARIS)


def test_easter_monday_is_skipped():
    thursday = datetime(2027, 3, 25, 9, 0, tzinfo=PARIS)
    assert business_days_after(thursday, 2) == datetime(2027, 3, 30, 9, 0, tzinfo=PARIS)


def test_a_delay_started_on_a_closed_day_counts_from_the_next_business_day():
    saturday = datetime(2026, 12, 19, 23, 30, tzinfo=PARIS)
    assert business_days_after(saturday, 1) == datetime(2026, 12, 21, 23, 30, tzinfo=PARIS)


def test_the_local_time_survives_a_change_of_daylight_saving_time():
    friday = datetime(2026, 10, 23, 16, 0, tzinfo=PARIS)  # clocks go back on Sunday 25
    due = business_days_after(friday, 1)
    assert due == datetime(2026, 10, 26, 16, 0, tzinfo=PARIS)
    assert due.utcoffset() != friday.utcoffset()
