"""Statutory public holidays computed from the Labour Code, and their merge with announced days.

Labour Code 2019 Art 112 gives 11 days a year (1/1; 5 days of Tết; lunar 10/3; 30/4; 1/5; 2/9 and one
adjacent day) and Art 111(3) a compensatory day when a holiday falls on a weekly rest day. Every year the
government fixes the exact Tết window, the day next to 2/9, and swaps weekdays against make-up Saturdays.
So the calendar is data: an announced occasion replaces the computation for that occasion, and what is
computed is marked provisional until someone records the announcement.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from intake.calendar.days import DayEntry, DayKind, Occasion
from intake.calendar.lunar import VIETNAM_UTC_OFFSET_HOURS, lunar_new_year, lunar_to_solar, solar_to_lunar

_COMPUTED_SOURCE = "Bộ luật Lao động 2019 Điều 111(3), 112 (tính tự động, chờ thông báo chính thức)"


@dataclass(frozen=True)
class HolidayRules:
    """How to compute the provisional days of a year that has no announcement (all data-configurable)."""

    weekly_rest_days: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
    lunar_new_year_days: int = 5
    lunar_new_year_days_before: int = 1  # how many of them fall before mùng 1 (the rest start at mùng 1)
    utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS

    def __post_init__(self) -> None:
        if not 0 <= self.lunar_new_year_days_before <= self.lunar_new_year_days:
            raise ValueError("lunar_new_year_days_before must be between 0 and lunar_new_year_days")


def statutory_holidays(year: int, rules: HolidayRules = HolidayRules()) -> list[DayEntry]:
    """The provisional public holidays of ``year`` (no compensatory days), in date order.

    The day next to 2/9 is the adjacent weekday that bridges to a weekly rest day, else an adjacent weekday,
    else 1/9 (2024 took 3/9 with 2/9 on a Monday, 2025 took 1/9 with 2/9 on a Tuesday).
    """

    def holiday(day: date, occasion: Occasion, name: str) -> DayEntry:
        return DayEntry(
            day, DayKind.PUBLIC_HOLIDAY, name, occasion, provisional=True, source=_COMPUTED_SOURCE
        )

    entries = [holiday(date(year, 1, 1), Occasion.NEW_YEAR, "Tết Dương lịch")]
    tet = lunar_new_year(year, utc_offset_hours=rules.utc_offset_hours)
    for offset in range(
        -rules.lunar_new_year_days_before, rules.lunar_new_year_days - rules.lunar_new_year_days_before
    ):
        day = tet + timedelta(days=offset)
        lunar = solar_to_lunar(day, utc_offset_hours=rules.utc_offset_hours)
        entries.append(
            holiday(day, Occasion.LUNAR_NEW_YEAR, f"Tết Nguyên đán (ngày {lunar.day}/{lunar.month} âm lịch)")
        )
    hung_kings = lunar_to_solar(year, 3, 10, utc_offset_hours=rules.utc_offset_hours)
    entries.append(holiday(hung_kings, Occasion.HUNG_KINGS, "Giỗ Tổ Hùng Vương (10/3 âm lịch)"))
    entries.append(holiday(date(year, 4, 30), Occasion.VICTORY_AND_LABOUR_DAY, "Ngày Chiến thắng"))
    entries.append(holiday(date(year, 5, 1), Occasion.VICTORY_AND_LABOUR_DAY, "Ngày Quốc tế Lao động"))
    national_day = date(year, 9, 2)
    entries.append(holiday(national_day, Occasion.NATIONAL_DAY, "Quốc khánh"))
    entries.append(
        holiday(
            _national_day_neighbour(national_day, rules), Occasion.NATIONAL_DAY, "Quốc khánh (ngày liền kề)"
        )
    )
    return sorted(entries, key=lambda entry: entry.day)


def _national_day_neighbour(national_day: date, rules: HolidayRules) -> date:
    rest = rules.weekly_rest_days
    candidates = (national_day - timedelta(days=1), national_day + timedelta(days=1))
    weekdays = [d for d in candidates if d.weekday() not in rest]
    bridging = [
        d
        for d in weekdays
        if (d - timedelta(days=1)).weekday() in rest or (d + timedelta(days=1)).weekday() in rest
    ]
    return (bridging or weekdays or [candidates[0]])[0]


def resolve_year(
    year: int,
    fixed: Iterable[DayEntry],
    announced: Collection[Occasion],
    rules: HolidayRules = HolidayRules(),
) -> list[DayEntry]:
    """The province-wide entries of ``year``: the ``fixed`` ones given as data, plus computed days.

    ``announced`` lists the occasions officially announced for the year: their computed days are dropped
    (the announcement lists all its days, compensatory and swapped ones included). For the other occasions
    the statutory holidays are added as provisional, and each that falls on a weekly rest day gets a
    provisional compensatory day on the next weekday that no entry names. A fixed entry always wins
    over a computed day on the same date.
    """
    taken: dict[date, DayEntry] = {}
    for entry in fixed:
        if entry.day in taken:
            raise ValueError(f"{entry.day} is given twice: {taken[entry.day].name!r} and {entry.name!r}")
        taken[entry.day] = entry
    computed = [
        entry
        for entry in statutory_holidays(year, rules)
        if entry.occasion not in announced and entry.day not in taken
    ]
    for entry in computed:
        taken[entry.day] = entry
    for entry in computed:
        if entry.day.weekday() not in rules.weekly_rest_days:
            continue
        day = entry.day + timedelta(days=1)
        while day.weekday() in rules.weekly_rest_days or day in taken:
            day += timedelta(days=1)
        taken[day] = replace(entry, day=day, kind=DayKind.COMPENSATORY_DAY_OFF, name=f"Nghỉ bù {entry.name}")
    return sorted(taken.values(), key=lambda entry: entry.day)
