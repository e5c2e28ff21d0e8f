"""The Vietnamese lunar calendar against published dates, and its internal consistency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.calendar import lunar_new_year, lunar_to_solar, solar_to_lunar
from intake.calendar.lunar import LunarDate, leap_month


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2024, date(2024, 2, 10)),
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2027, date(2027, 2, 6)),
        (2028, date(2028, 1, 26)),
        (2029, date(2029, 2, 13)),
        # The new moon is at 16:07 UT on 2 Feb 2030: 23:07 in Vietnam, 00:07 on 3 Feb in China, so Vietnam's
        # Tết is a day before China's (domain.md §3.2 has Sat 2 Feb; "3/2/2030" is the UTC+8 date).
        (2030, date(2030, 2, 2)),
    ],
)
def test_lunar_new_year_matches_the_published_dates(year: int, tet: date) -> None:
    assert lunar_new_year(year) == tet
    assert solar_to_lunar(tet) == LunarDate(year, 1, 1)


@pytest.mark.parametrize(
    ("year", "gio_to"),
    [
        (2024, date(2024, 4, 18)),
        (2025, date(2025, 4, 7)),
        (2026, date(2026, 4, 26)),
        (2027, date(2027, 4, 16)),
        (2028, date(2028, 4, 4)),
        (2029, date(2029, 4, 23)),
        (2030, date(2030, 4, 12)),
    ],
)
def test_hung_kings_day_is_lunar_10_march(year: int, gio_to: date) -> None:
    assert lunar_to_solar(year, 3, 10) == gio_to


@pytest.mark.parametrize(
    ("year", "vietnam", "china"),
    [
        (1985, date(1985, 1, 21), date(1985, 2, 20)),  # a whole month apart: the famous 1985 case
        (2007, date(2007, 2, 17), date(2007, 2, 18)),
        (2030, date(2030, 2, 2), date(2030, 2, 3)),
    ],
)
def test_the_utc_offset_decides_the_day_in_some_years(year: int, vietnam: date, china: date) -> None:
    assert lunar_new_year(year) == vietnam
    assert lunar_new_year(year, utc_offset_hours=8) == china


@pytest.mark.parametrize(("year", "month"), [(2020, 4), (2023, 2), (2025, 6), (2024, None), (2026, None)])
def test_leap_months(year: int, month: int | None) -> None:
    assert leap_month(year) == month


def test_leap_month_dates_round_trip() -> None:
    first_of_leap_6 = lunar_to_solar(2025, 6, 1, leap=True)
    assert first_of_leap_6 == date(2025, 7, 25)
    assert solar_to_lunar(first_of_leap_6) == LunarDate(2025, 6, 1, leap=True)
    assert lunar_to_solar(2025, 6, 1) < first_of_leap_6


def test_the_last_day_of_lunar_2025_is_the_29th() -> None:
    assert solar_to_lunar(date(2026, 2, 16)) == LunarDate(2025, 12, 29)
    with pytest.raises(ValueError, match="has 29 days"):
        lunar_to_solar(2025, 12, 30)


def test_a_month_that_is_not_leap_is_refused() -> None:
    with pytest.raises(ValueError, match="no leap month 3"):
        lunar_to_solar(2025, 3, 1, leap=True)
    with pytest.raises(ValueError, match="invalid lunar date"):
        lunar_to_solar(2025, 13, 1)


@settings(deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_solar_to_lunar_and_back_is_the_identity(day: date) -> None:
    lunar = solar_to_lunar(day)
    assert 1 <= lunar.day <= 30
    assert lunar_to_solar(lunar.year, lunar.month, lunar.day, leap=lunar.leap) == day


@settings(deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 30)))
def test_consecutive_days_are_consecutive_lunar_days_or_a_new_month(day: date) -> None:
    today, tomorrow = solar_to_lunar(day), solar_to_lunar(day + timedelta(days=1))
    if tomorrow.day == 1:
        assert today.day in (29, 30)
    else:
        assert (tomorrow.year, tomorrow.month, tomorrow.leap, tomorrow.day) == (
            today.year,
            today.month,
            today.leap,
            today.day + 1,
        )
