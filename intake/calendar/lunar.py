"""The Vietnamese lunisolar calendar (âm lịch), computed for a given UTC offset (UTC+7 by default).

Tết and Giỗ Tổ Hùng Vương are lunar dates. The Vietnamese calendar follows the same astronomical rules as the
Chinese one but is reckoned at UTC+7, so a new moon close to midnight can fall on a different civil day and,
rarely, shift a whole month (Tết 1985 was on 21 January in Vietnam and 20 February in China).

Rules (the traditional ones, with the Sun and Moon positions from the low-precision series in J. Meeus,
*Astronomical Algorithms*, ch. 25 and 49):
- a month starts on the local civil day of a new moon;
- month 11 is the month that contains the winter solstice;
- a lunar year with 13 months between two months 11 has a leap month: the first month after month 11 in
  which the Sun enters no new 30° sector of longitude (no major solar term); it repeats the number of the
  month before it.

The precision is a few minutes around 1900–2100, which decides the civil day except for new moons within
minutes of local midnight; the tests pin the years the platform uses (2024–2030) against published dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

VIETNAM_UTC_OFFSET_HOURS = 7.0

_SYNODIC_MONTH = 29.530588853
_NEW_MOON_EPOCH_JD = 2415021.076998695  # mean new moon of 1900-01-01 (k = 0 of the lunation count)
_ORDINAL_TO_JDN = 1_721_425  # date.toordinal() + this = Julian Day Number at noon of that date
_RAD = math.pi / 180.0


@dataclass(frozen=True, order=True)
class LunarDate:
    """A date of the lunisolar calendar: ``year`` is the lunar year whose month 1 starts at Tết."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        leap = " nhuận" if self.leap else ""
        return f"{self.day}/{self.month}{leap}/{self.year} âm lịch"


def _jdn(d: date) -> int:
    return d.toordinal() + _ORDINAL_TO_JDN


def _from_jdn(jdn: int) -> date:
    return date.fromordinal(jdn - _ORDINAL_TO_JDN)


def _new_moon_jd(k: int) -> float:
    """Julian Date (UT) of the k-th new moon after 1900-01-01."""
    t = k / 1236.85  # Julian centuries from 1900.0
    t2, t3 = t * t, t * t * t
    mean = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    mean += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _RAD)
    sun_anomaly = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * _RAD
    moon_anomaly = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * _RAD
    moon_latitude = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * _RAD
    correction = (
        (0.1734 - 0.000393 * t) * math.sin(sun_anomaly)
        + 0.0021 * math.sin(2 * sun_anomaly)
        - 0.4068 * math.sin(moon_anomaly)
        + 0.0161 * math.sin(2 * moon_anomaly)
        - 0.0004 * math.sin(3 * moon_anomaly)
        + 0.0104 * math.sin(2 * moon_latitude)
        - 0.0051 * math.sin(sun_anomaly + moon_anomaly)
        - 0.0074 * math.sin(sun_anomaly - moon_anomaly)
        + 0.0004 * math.sin(2 * moon_latitude + sun_anomaly)
        - 0.0004 * math.sin(2 * moon_latitude - sun_anomaly)
        - 0.0006 * math.sin(2 * moon_latitude + moon_anomaly)
        + 0.0010 * math.sin(2 * moon_latitude - moon_anomaly)
        + 0.0005 * math.sin(2 * moon_anomaly + sun_anomaly)
    )
    # Dynamical time (TT) minus universal time, in days; the first branch only matters before ~1800.
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return mean + correction - delta_t


@lru_cache(maxsize=4096)
def _new_moon_jdn(k: int, offset_hours: float) -> int:
    """Julian Day Number of the local civil day on which the k-th new moon after 1900-01-01 falls."""
    return math.floor(_new_moon_jd(k) + 0.5 + offset_hours / 24.0)


@lru_cache(maxsize=4096)
def _sun_sector(jdn: int, offset_hours: float) -> int:
    """The 30° sector (0–11) of the Sun's apparent longitude at local midnight starting civil day ``jdn``.

    Sector boundaries are the major solar terms (trung khí); sector 9 starts at the winter solstice (270°).
    """
    t = (jdn - 2451545.5 - offset_hours / 24.0) / 36525.0  # Julian centuries from J2000.0
    t2 = t * t
    mean_anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * _RAD
    mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    centre = (
        (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(mean_anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * mean_anomaly)
        + 0.000290 * math.sin(3 * mean_anomaly)
    )
    longitude = (mean_longitude + centre) % 360.0
    return int(longitude // 30.0)


def _lunation_index(jdn: float) -> int:
    return math.floor((jdn - _NEW_MOON_EPOCH_JD) / _SYNODIC_MONTH + 0.5)


@lru_cache(maxsize=512)
def _month_11_start(solstice_year: int, offset_hours: float) -> int:
    """JDN of the first day of the lunar month that contains the winter solstice of ``solstice_year``."""
    k = math.floor((_jdn(date(solstice_year, 12, 31)) - 2415021) / _SYNODIC_MONTH)
    start = _new_moon_jdn(k, offset_hours)
    if _sun_sector(start, offset_hours) >= 9:  # that new moon is already past the solstice
        start = _new_moon_jdn(k - 1, offset_hours)
    return start


@dataclass(frozen=True)
class _MonthStart:
    lunar_year: int
    month: int
    leap: bool
    jdn: int


@lru_cache(maxsize=512)
def _months_between_solstices(solstice_year: int, offset_hours: float) -> tuple[_MonthStart, ...]:
    """The months from month 11 of lunar year ``solstice_year - 1`` up to (excluding) the next month 11."""
    first = _month_11_start(solstice_year - 1, offset_hours)
    following = _month_11_start(solstice_year, offset_hours)
    k = _lunation_index(first)
    count = round((following - first) / _SYNODIC_MONTH)
    leap_offset: int | None = None
    if count == 13:
        for offset in range(1, 13):
            here = _sun_sector(_new_moon_jdn(k + offset, offset_hours), offset_hours)
            after = _sun_sector(_new_moon_jdn(k + offset + 1, offset_hours), offset_hours)
            if here == after:  # the Sun enters no new sector during this month: it is the leap month
                leap_offset = offset
                break
    months: list[_MonthStart] = []
    number = 11
    for offset in range(count):
        leap = offset == leap_offset
        if offset > 0 and not leap:
            number = number % 12 + 1
        lunar_year = solstice_year - 1 if (offset <= 2 and number >= 11) else solstice_year
        months.append(_MonthStart(lunar_year, number, leap, _new_moon_jdn(k + offset, offset_hours)))
    return tuple(months)


def lunar_to_solar(
    year: int, month: int, day: int, *, leap: bool = False, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS
) -> date:
    """The Gregorian date of lunar ``day``/``month`` (``leap`` for the leap month) of lunar ``year``.

    Raises ``ValueError`` if the month is not leap in that year, or the day does not exist (day 30 of a
    29-day month).
    """
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"invalid lunar date {day}/{month}/{year}")
    solstice_year = year + 1 if month >= 11 else year
    months = _months_between_solstices(solstice_year, utc_offset_hours)
    for index, start in enumerate(months):
        if start.lunar_year == year and start.month == month and start.leap == leap:
            if index + 1 < len(months):
                length = months[index + 1].jdn - start.jdn
            else:
                length = _month_11_start(solstice_year, utc_offset_hours) - start.jdn
            if day > length:
                raise ValueError(f"lunar month {month}/{year} has {length} days, not {day}")
            return _from_jdn(start.jdn + day - 1)
    kind = "leap month" if leap else "month"
    raise ValueError(f"lunar year {year} has no {kind} {month}")


def solar_to_lunar(d: date, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> LunarDate:
    """The lunar date of Gregorian date ``d``."""
    jdn = _jdn(d)
    solstice_year = d.year if jdn < _month_11_start(d.year, utc_offset_hours) else d.year + 1
    months = _months_between_solstices(solstice_year, utc_offset_hours)
    current = months[0]
    for start in months:
        if start.jdn > jdn:
            break
        current = start
    return LunarDate(current.lunar_year, current.month, jdn - current.jdn + 1, current.leap)


def lunar_new_year(year: int, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> date:
    """Mùng 1 Tết: the first day of lunar month 1 of the lunar year that starts in Gregorian ``year``."""
    return lunar_to_solar(year, 1, 1, utc_offset_hours=utc_offset_hours)


def leap_month(year: int, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> int | None:
    """The number of the leap month of lunar ``year`` (months 1–12 of that year), or None."""
    for solstice_year in (year, year + 1):
        for start in _months_between_solstices(solstice_year, utc_offset_hours):
            if start.leap and start.lunar_year == year:
                return start.month
    return None
