"""Working calendar: lunar dates, public holidays, office hours, and working-time arithmetic (pure)."""

from intake.calendar.book import CalendarBook, UnitCalendarProfile
from intake.calendar.days import CalendarDay, DayEntry, DayKind, Occasion
from intake.calendar.holidays import HolidayRules, resolve_year, statutory_holidays
from intake.calendar.lunar import LunarDate, lunar_new_year, lunar_to_solar, solar_to_lunar
from intake.calendar.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours, Session
from intake.calendar.working_calendar import (
    VIETNAM_TZ,
    OutsideCalendarError,
    WorkingCalendar,
    hours_to_timedelta,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "VIETNAM_TZ",
    "CalendarBook",
    "CalendarDay",
    "DayEntry",
    "DayKind",
    "HolidayRules",
    "LunarDate",
    "Occasion",
    "OfficeHours",
    "OutsideCalendarError",
    "Session",
    "UnitCalendarProfile",
    "WorkingCalendar",
    "hours_to_timedelta",
    "lunar_new_year",
    "lunar_to_solar",
    "resolve_year",
    "solar_to_lunar",
    "statutory_holidays",
]
