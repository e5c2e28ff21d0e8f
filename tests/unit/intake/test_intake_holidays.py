"""Statutory holidays computed from the Labour Code, and how announced days replace them."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from intake.calendar import DayEntry, DayKind, HolidayRules, Occasion, resolve_year, statutory_holidays


def days_off(entries: list[DayEntry]) -> dict[date, DayKind]:
    return {entry.day: entry.kind for entry in entries if entry.kind.is_day_off}


@pytest.mark.parametrize("year", range(2024, 2031))
def test_eleven_statutory_days_a_year(year: int) -> None:
    holidays = statutory_holidays(year)
    assert len(holidays) == 11
    assert Counter(h.occasion for h in holidays) == {
        Occasion.NEW_YEAR: 1,
        Occasion.LUNAR_NEW_YEAR: 5,
        Occasion.HUNG_KINGS: 1,
        Occasion.VICTORY_AND_LABOUR_DAY: 2,
        Occasion.NATIONAL_DAY: 2,
    }
    assert all(h.provisional and h.kind is DayKind.PUBLIC_HOLIDAY for h in holidays)


def test_default_tet_window_is_the_last_day_of_the_year_and_four_new_days() -> None:
    tet = [h.day for h in statutory_holidays(2026) if h.occasion is Occasion.LUNAR_NEW_YEAR]
    # It coincides with the official 2026 window, Mon 16 – Fri 20 February.
    assert tet == [date(2026, 2, d) for d in range(16, 21)]


@pytest.mark.parametrize(
    ("year", "neighbour"),
    [
        (2024, date(2024, 9, 3)),  # 2/9 Monday, 1/9 is a Sunday → 3/9 (as announced in 2024)
        (2025, date(2025, 9, 1)),  # 2/9 Tuesday → Monday 1/9 joins the weekend (as announced in 2025)
        (2027, date(2027, 9, 3)),  # 2/9 Thursday → Friday 3/9 joins the weekend
        (2028, date(2028, 9, 1)),  # 2/9 Saturday → Friday 1/9
        (2029, date(2029, 9, 3)),  # 2/9 Sunday → Monday 3/9
    ],
)
def test_the_day_next_to_national_day_bridges_to_the_weekend(year: int, neighbour: date) -> None:
    national = [h.day for h in statutory_holidays(year) if h.occasion is Occasion.NATIONAL_DAY]
    assert national == sorted([date(year, 9, 2), neighbour])


@pytest.mark.parametrize(
    ("year", "holiday", "compensation"),
    [
        (2026, date(2026, 4, 26), date(2026, 4, 27)),  # Giỗ Tổ on Sunday → Monday (domain.md §3.2)
        (2027, date(2027, 5, 1), date(2027, 5, 3)),  # 1/5 on Saturday → Monday 3/5
        (2028, date(2028, 4, 30), date(2028, 5, 2)),  # 30/4 Sunday → Tuesday, Monday 1/5 is itself a holiday
        (2028, date(2028, 9, 2), date(2028, 9, 4)),  # 2/9 Saturday (1/9 Friday already off) → Monday 4/9
        (2029, date(2029, 9, 2), date(2029, 9, 4)),  # 2/9 Sunday, Monday 3/9 is the neighbour → Tuesday 4/9
    ],
)
def test_a_holiday_on_a_rest_day_gives_a_compensatory_day(
    year: int, holiday: date, compensation: date
) -> None:
    resolved = resolve_year(year, [], set())
    off = days_off(resolved)
    assert off[holiday] is DayKind.PUBLIC_HOLIDAY
    assert off[compensation] is DayKind.COMPENSATORY_DAY_OFF
    assert all(e.provisional for e in resolved)


def test_tet_2027_on_a_weekend_gives_two_compensatory_days() -> None:
    off = days_off(resolve_year(2027, [], set()))
    tet_window = {d: k for d, k in off.items() if date(2027, 2, 1) <= d <= date(2027, 2, 28)}
    assert tet_window == {
        date(2027, 2, 5): DayKind.PUBLIC_HOLIDAY,
        date(2027, 2, 6): DayKind.PUBLIC_HOLIDAY,  # Saturday
        date(2027, 2, 7): DayKind.PUBLIC_HOLIDAY,  # Sunday
        date(2027, 2, 8): DayKind.PUBLIC_HOLIDAY,
        date(2027, 2, 9): DayKind.PUBLIC_HOLIDAY,
        date(2027, 2, 10): DayKind.COMPENSATORY_DAY_OFF,
        date(2027, 2, 11): DayKind.COMPENSATORY_DAY_OFF,
    }


def test_an_announced_occasion_replaces_its_computed_days_and_their_compensation() -> None:
    announced_tet = [
        DayEntry(date(2027, 2, d), DayKind.PUBLIC_HOLIDAY, "Tết", Occasion.LUNAR_NEW_YEAR)
        for d in (4, 5, 8, 9, 10)
    ]
    resolved = resolve_year(2027, announced_tet, {Occasion.LUNAR_NEW_YEAR})
    tet = sorted(e.day for e in resolved if e.occasion is Occasion.LUNAR_NEW_YEAR)
    assert tet == [date(2027, 2, d) for d in (4, 5, 8, 9, 10)]
    assert all(not e.provisional for e in resolved if e.occasion is Occasion.LUNAR_NEW_YEAR)
    assert date(2027, 2, 11) not in days_off(resolved)  # the computed compensatory day is gone
    assert date(2027, 4, 16) in days_off(resolved)  # other occasions are still computed


def test_a_fixed_entry_wins_over_a_computed_day_and_compensation_skips_it() -> None:
    local_off = DayEntry(date(2026, 4, 27), DayKind.LOCAL_DAY_OFF, "Nghỉ địa phương")
    off = days_off(resolve_year(2026, [local_off], set()))
    assert off[date(2026, 4, 27)] is DayKind.LOCAL_DAY_OFF
    assert off[date(2026, 4, 28)] is DayKind.COMPENSATORY_DAY_OFF  # Giỗ Tổ's compensation moves on


def test_tet_split_is_configurable() -> None:
    rules = HolidayRules(lunar_new_year_days_before=2)
    tet = [h.day for h in statutory_holidays(2025, rules) if h.occasion is Occasion.LUNAR_NEW_YEAR]
    assert tet == [date(2025, 1, d) for d in range(27, 32)]  # as announced for 2025: 28 Chạp – mùng 3
    with pytest.raises(ValueError):
        HolidayRules(lunar_new_year_days_before=6)


def test_two_fixed_entries_for_one_day_are_refused() -> None:
    twice = [
        DayEntry(date(2027, 3, 1), DayKind.LOCAL_DAY_OFF, "a"),
        DayEntry(date(2027, 3, 1), DayKind.LOCAL_DAY_OFF, "b"),
    ]
    with pytest.raises(ValueError, match="given twice"):
        resolve_year(2027, twice, set())
