"""The working-calendar data file, operators' supplement files, and building the CalendarBook from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from intake.calendar import CalendarBook, DayEntry, DayKind, HolidayRules, Occasion, resolve_year
from intake.calendar.days import ENTRY_KINDS
from intake.reference.files import DATA_DIR, OfficeHoursField, ReferenceDataError, read_document, validate
from intake.reference.units import UnitTree

CALENDAR_FORMAT = "motcua.reference.calendar"
SUPPLEMENT_FORMAT = "motcua.reference.calendar-supplement"
CALENDAR_VERSION = 1
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DayLine(_Frozen):
    """One day in the data: e.g. ``{"date": "2024-05-04", "kind": "MAKE_UP_WORKING_DAY", "name": "…"}``.

    ``sessions`` (working kinds only) replaces the unit's hours that day, e.g. ``[["07:30", "11:30"]]``
    for a morning-only make-up Saturday; ``scope`` limits the day to these units and their descendants.
    """

    date: date
    kind: DayKind
    name: str = Field(min_length=1)
    sessions: OfficeHoursField | None = None
    scope: list[str] = []
    source: str = ""

    @field_validator("kind")
    @classmethod
    def _entry_kind(cls, kind: DayKind) -> DayKind:
        if kind not in ENTRY_KINDS:
            raise ValueError(f"{kind} is implied by the weekday; use one of {', '.join(sorted(ENTRY_KINDS))}")
        return kind

    @model_validator(mode="after")
    def _sessions(self) -> DayLine:
        if self.sessions is not None and self.kind.is_day_off:
            raise ValueError(f"a day off ({self.kind}) has no sessions")
        if self.kind is DayKind.SPECIAL_HOURS and self.sessions is None:
            raise ValueError("SPECIAL_HOURS needs its sessions")
        return self

    def entry(self, *, occasion: Occasion | None, source: str) -> DayEntry:
        return DayEntry(
            day=self.date,
            kind=self.kind,
            name=self.name,
            occasion=occasion,
            sessions=self.sessions,
            scope=frozenset(self.scope),
            source=self.source or source,
        )


class Announcement(_Frozen):
    """An official announcement of one occasion in one year: it lists every day it gives off or makes up."""

    year: int
    occasion: Occasion
    status: Literal["OFFICIAL"]
    source: str = Field(min_length=1)
    days: list[DayLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _days(self) -> Announcement:
        for line in self.days:
            if line.date.year != self.year:
                raise ValueError(f"{line.date} is not in {self.year}")
            if line.scope:
                raise ValueError(
                    f"{line.date}: an announcement applies nationally; put local days in adjustments"
                )
        dates = [line.date for line in self.days]
        if len(dates) != len(set(dates)):
            raise ValueError("a date is listed twice")
        return self


class HolidayRulesLine(_Frozen):
    lunar_new_year_days: int = Field(default=5, ge=1, le=10)
    lunar_new_year_days_before: int = Field(default=1, ge=0)
    utc_offset_hours: float = 7.0

    @model_validator(mode="after")
    def _split(self) -> HolidayRulesLine:
        if self.lunar_new_year_days_before > self.lunar_new_year_days:
            raise ValueError("lunar_new_year_days_before cannot exceed lunar_new_year_days")
        return self


class CalendarSupplement(_Frozen):
    """An operator's file (``motcua.reference.calendar-supplement``): new announcements and local days.

    An announcement here replaces one for the same year and occasion in the main file.
    """

    format: Literal["motcua.reference.calendar-supplement"]
    version: Literal[1]
    description: str = ""
    announcements: list[Announcement] = []
    adjustments: list[DayLine] = []


class CalendarFile(_Frozen):
    """The schema of ``calendar.v<N>.json``."""

    format: Literal["motcua.reference.calendar"]
    version: Literal[1]
    published: date
    description: str = ""
    timezone: Literal["Asia/Ho_Chi_Minh"]
    first_day: date
    last_day: date
    weekly_rest_days: list[
        Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    ]
    holiday_rules: HolidayRulesLine
    announcements: list[Announcement] = []
    adjustments: list[DayLine] = []

    @model_validator(mode="after")
    def _range(self) -> CalendarFile:
        if self.first_day > self.last_day:
            raise ValueError("first_day is after last_day")
        return self

    def rules(self) -> HolidayRules:
        return HolidayRules(
            weekly_rest_days=frozenset(_WEEKDAYS.index(day) for day in self.weekly_rest_days),
            lunar_new_year_days=self.holiday_rules.lunar_new_year_days,
            lunar_new_year_days_before=self.holiday_rules.lunar_new_year_days_before,
            utc_offset_hours=self.holiday_rules.utc_offset_hours,
        )


def build_calendar_book(
    calendar: CalendarFile,
    supplements: Sequence[CalendarSupplement],
    units: UnitTree,
    *,
    source: str = "calendar",
) -> CalendarBook:
    """Resolve every year of the calendar (announced days, computed provisional days, adjustments)."""
    announcements: dict[tuple[int, Occasion], Announcement] = {}
    others: list[Announcement] = []
    adjustments = list(calendar.adjustments)
    problems: list[str] = []
    for layer, items in [("main file", calendar.announcements)] + [
        (f"supplement {n}", s.announcements) for n, s in enumerate(supplements, 1)
    ]:
        seen: set[tuple[int, Occasion]] = set()
        for announcement in items:
            key = (announcement.year, announcement.occasion)
            if announcement.occasion is Occasion.OTHER:
                others.append(announcement)
            elif key in seen:
                problems.append(f"{layer}: two announcements for {announcement.occasion} {announcement.year}")
            else:
                seen.add(key)
                announcements[key] = announcement
    for supplement in supplements:
        adjustments.extend(supplement.adjustments)

    national: dict[date, str] = {}
    fixed_by_year: dict[int, list[DayEntry]] = {}
    for announcement in [*announcements.values(), *others]:
        occasion = None if announcement.occasion is Occasion.OTHER else announcement.occasion
        for line in announcement.days:
            _claim(national, line.date, f"announcement {announcement.occasion} {announcement.year}", problems)
            fixed_by_year.setdefault(line.date.year, []).append(
                line.entry(occasion=occasion, source=announcement.source)
            )
    scoped: list[DayEntry] = []
    for line in adjustments:
        if line.scope:
            scoped.append(line.entry(occasion=None, source="adjustment"))
        else:
            _claim(national, line.date, f"adjustment {line.name!r}", problems)
            fixed_by_year.setdefault(line.date.year, []).append(
                line.entry(occasion=None, source="adjustment")
            )
    outside = sorted(d for d in national if not calendar.first_day <= d <= calendar.last_day)
    outside += sorted(e.day for e in scoped if not calendar.first_day <= e.day <= calendar.last_day)
    problems.extend(f"{d} is outside {calendar.first_day} – {calendar.last_day}" for d in outside)
    if problems:
        raise ReferenceDataError(source, problems)

    rules = calendar.rules()
    entries: list[DayEntry] = []
    for year in range(calendar.first_day.year, calendar.last_day.year + 1):
        announced = {occasion for (y, occasion) in announcements if y == year}
        resolved = resolve_year(year, fixed_by_year.get(year, []), announced, rules)
        entries.extend(e for e in resolved if calendar.first_day <= e.day <= calendar.last_day)
    try:
        return CalendarBook(
            first_day=calendar.first_day,
            last_day=calendar.last_day,
            entries=[*entries, *scoped],
            units=units.calendar_profiles(),
            default_office_hours=units.default_office_hours,
            weekly_rest_days=rules.weekly_rest_days,
        )
    except ValueError as error:
        raise ReferenceDataError(source, [str(error)]) from error


def _claim(taken: dict[date, str], day: date, what: str, problems: list[str]) -> None:
    if day in taken:
        problems.append(f"{day} is given twice: by {taken[day]} and by {what}")
    else:
        taken[day] = what


def load_calendar(
    path: Path | None = None, *, units: UnitTree, supplements: Sequence[Path] = ()
) -> CalendarBook:
    """Read the calendar file (default: the shipped ``calendar.v1.json``) and any supplement files.

    Supplements are how an operator records this year's announcement or a make-up Saturday without a
    code change: a ``motcua.reference.calendar-supplement`` file passed here (services read the paths from
    configuration).
    """
    path = path or DATA_DIR / f"calendar.v{CALENDAR_VERSION}.json"
    calendar = validate(
        CalendarFile, read_document(path, expected_format=CALENDAR_FORMAT, version=CALENDAR_VERSION), path
    )
    extra = [
        validate(
            CalendarSupplement,
            read_document(p, expected_format=SUPPLEMENT_FORMAT, version=CALENDAR_VERSION),
            p,
        )
        for p in supplements
    ]
    sources = ", ".join(str(p) for p in (path, *supplements))
    return build_calendar_book(calendar, extra, units, source=sources)
