"""The test calendar is itself checked, so that worked examples built on it are trustworthy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from index766_kit import CALENDAR, at

from projections.index766 import DurationUnit, StatutoryDuration


def test_weekends_and_listed_holidays_are_not_working_days() -> None:
    assert CALENDAR.is_working_day(date(2026, 3, 2))  # Monday
    assert not CALENDAR.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 2, 18))  # Tết
    assert not CALENDAR.is_working_day(date(2026, 4, 27))  # Giỗ Tổ, compensated from Sunday 26 April


def test_working_days_between_counts_days_after_the_start_up_to_the_end() -> None:
    # (Thu 12 Mar, Fri 13 Mar] = {13} → 1
    assert CALENDAR.working_days_between(at(2026, 3, 12, 16), at(2026, 3, 13, 9, 10)) == 1
    # (Fri 13, Mon 16] = {16} → 1: the weekend does not count
    assert CALENDAR.working_days_between(at(2026, 3, 13), at(2026, 3, 16)) == 1
    # (Fri 13 Feb, Mon 23 Feb] = {23}: Tết week 16–20 does not count
    assert CALENDAR.working_days_between(at(2026, 2, 13), at(2026, 2, 23)) == 1
    assert CALENDAR.working_days_between(at(2026, 3, 16), at(2026, 3, 13)) == -1
    assert CALENDAR.working_days_between(at(2026, 3, 2, 8), at(2026, 3, 2, 17)) == 0


def test_working_day_deadline_is_the_closing_time_of_the_nth_working_day_after_the_start_day() -> None:
    three = StatutoryDuration(value=Decimal(3), unit=DurationUnit.WORKING_DAY)
    # Mon 2 Mar → Tue (1), Wed (2), Thu (3) → Thu 5 Mar 17:00
    assert CALENDAR.deadline(at(2026, 3, 2, 9), three) == at(2026, 3, 5, 17)
    # received Saturday 7 Mar: the count starts on Monday 9 → Tue, Wed, Thu 12 Mar
    assert CALENDAR.deadline(at(2026, 3, 7, 10), three) == at(2026, 3, 12, 17)
    # Thu 12 Feb 2026 → Fri 13 (1), [Tết 16–20], Mon 23 (2), Tue 24 (3)
    assert CALENDAR.deadline(at(2026, 2, 12, 9), three) == at(2026, 2, 24, 17)


def test_same_day_deadline_is_today_s_closing_time_or_the_next_working_day_s() -> None:
    same_day = StatutoryDuration(value=Decimal(0), unit=DurationUnit.SAME_DAY)
    assert CALENDAR.deadline(at(2026, 3, 2, 9), same_day) == at(2026, 3, 2, 17)
    assert CALENDAR.deadline(at(2026, 3, 6, 17, 30), same_day) == at(
        2026, 3, 9, 17
    )  # Friday evening → Monday


def test_calendar_day_and_working_hour_deadlines() -> None:
    ten_days = StatutoryDuration(value=Decimal(10), unit=DurationUnit.CALENDAR_DAY)
    # 2 Mar + 10 days = Thu 12 Mar
    assert CALENDAR.deadline(at(2026, 3, 2, 9), ten_days) == at(2026, 3, 12, 17)
    # 4 Mar + 10 days = Sat 14 Mar → next working day Mon 16 Mar
    assert CALENDAR.deadline(at(2026, 3, 4, 9), ten_days) == at(2026, 3, 16, 17)
    eight_hours = StatutoryDuration(value=Decimal(8), unit=DurationUnit.WORKING_HOUR)
    # Mon 10:00: 1.5 h to 11:30, 4 h to 17:00 (5.5 h), then Tue 07:30 + 2.5 h = 10:00
    assert CALENDAR.deadline(at(2026, 3, 2, 10), eight_hours) == at(2026, 3, 3, 10)
