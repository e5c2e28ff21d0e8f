"""What one calendar day is: its kind, and the entries that the calendar data is made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from intake.calendar.office_hours import OfficeHours, Session


class DayKind(StrEnum):
    """Why a day is (not) a working day. Data files use the kinds from PUBLIC_HOLIDAY on."""

    REGULAR_WORKING_DAY = "REGULAR_WORKING_DAY"
    WEEKLY_REST_DAY = "WEEKLY_REST_DAY"
    PUBLIC_HOLIDAY = "PUBLIC_HOLIDAY"  # ngày lễ, Tết (Labour Code Art 112)
    COMPENSATORY_DAY_OFF = "COMPENSATORY_DAY_OFF"  # nghỉ bù: a holiday fell on a weekly rest day (Art 111(3))
    SWAPPED_DAY_OFF = "SWAPPED_DAY_OFF"  # hoán đổi: a weekday given off against a make-up day
    LOCAL_DAY_OFF = "LOCAL_DAY_OFF"  # a day off decided locally for some units
    MAKE_UP_WORKING_DAY = "MAKE_UP_WORKING_DAY"  # làm bù: a rest day worked instead of a swapped day
    SPECIAL_HOURS = "SPECIAL_HOURS"  # a working day with other sessions than usual (e.g. morning only)

    @property
    def is_day_off(self) -> bool:
        return self in _DAYS_OFF

    @property
    def is_working(self) -> bool:
        return not self.is_day_off


_DAYS_OFF = frozenset(
    {
        DayKind.WEEKLY_REST_DAY,
        DayKind.PUBLIC_HOLIDAY,
        DayKind.COMPENSATORY_DAY_OFF,
        DayKind.SWAPPED_DAY_OFF,
        DayKind.LOCAL_DAY_OFF,
    }
)

ENTRY_KINDS = frozenset(DayKind) - {DayKind.REGULAR_WORKING_DAY, DayKind.WEEKLY_REST_DAY}
"""Kinds a calendar entry may have: the two others are what a day is when no entry names it."""


class Occasion(StrEnum):
    """The statutory holidays (Labour Code 2019 Art 112), each announced (or computed) as a whole."""

    NEW_YEAR = "NEW_YEAR"  # Tết Dương lịch, 1/1
    LUNAR_NEW_YEAR = "LUNAR_NEW_YEAR"  # Tết Nguyên đán, 5 days around lunar 1/1
    HUNG_KINGS = "HUNG_KINGS"  # Giỗ Tổ Hùng Vương, lunar 10/3
    VICTORY_AND_LABOUR_DAY = "VICTORY_AND_LABOUR_DAY"  # 30/4 and 1/5, announced together
    NATIONAL_DAY = "NATIONAL_DAY"  # Quốc khánh, 2/9 and 1/9 or 3/9
    OTHER = "OTHER"  # anything else announced (never replaces a computed occasion)


@dataclass(frozen=True)
class DayEntry:
    """One line of the working calendar: ``day`` is of ``kind`` instead of what its weekday says.

    ``sessions`` may only be given for working kinds (a morning-only make-up Saturday); without them a
    working entry has the unit's usual office hours. ``scope`` lists unit codes the entry is limited to
    (each with its descendants); empty means the whole province. ``provisional`` marks days computed from
    the law that no official announcement has confirmed yet.
    """

    day: date
    kind: DayKind
    name: str
    occasion: Occasion | None = None
    provisional: bool = False
    sessions: OfficeHours | None = None
    scope: frozenset[str] = frozenset()
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ENTRY_KINDS:
            raise ValueError(f"{self.day}: {self.kind} is not a kind a calendar entry can have")
        if self.sessions is not None and self.kind.is_day_off:
            raise ValueError(f"{self.day}: a day off ({self.kind}) cannot have office sessions")
        if self.kind is DayKind.SPECIAL_HOURS and self.sessions is None:
            raise ValueError(f"{self.day}: SPECIAL_HOURS needs its sessions")


@dataclass(frozen=True)
class CalendarDay:
    """A resolved day for one unit: its kind, its sessions (none on a day off) and why."""

    day: date
    kind: DayKind
    sessions: tuple[Session, ...]
    name: str = ""
    provisional: bool = False

    @property
    def is_working_day(self) -> bool:
        return bool(self.sessions)
