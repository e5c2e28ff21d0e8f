"""The working calendar of one unit: which days are worked, in which sessions, and time arithmetic on it."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from intake.calendar.days import CalendarDay, DayEntry, DayKind
from intake.calendar.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_ONE_DAY = timedelta(days=1)
_Interval = tuple[datetime, datetime]


class OutsideCalendarError(LookupError):
    """A computation needed a day the calendar data does not cover (better an error than a silent guess)."""

    def __init__(self, day: date, first_day: date, last_day: date) -> None:
        super().__init__(
            f"{day.isoformat()} is outside the working calendar ({first_day.isoformat()} – {last_day.isoformat()});"
            " add that year to the calendar data"
        )
        self.day = day


def hours_to_timedelta(hours: Decimal | int) -> timedelta:
    """``hours`` (e.g. ``Decimal("2.5")``) as a timedelta, rounded to the microsecond."""
    micros = (Decimal(hours) * 3_600_000_000).to_integral_value(rounding=ROUND_HALF_EVEN)
    return timedelta(microseconds=int(micros))


class WorkingCalendar:
    """Working days and office sessions of one unit over a covered range of dates, and arithmetic on them.

    A day is a working day unless an entry says otherwise or it is a weekly rest day without an entry.
    Working time only runs inside sessions, each ``[start, end)``. Every method takes and returns
    timezone-aware datetimes (any zone in, business time ``Asia/Ho_Chi_Minh`` out) and raises
    ``OutsideCalendarError`` rather than guess about a day outside ``first_day``–``last_day``.
    Build one from reference data with ``CalendarBook.for_unit``; build one by hand in tests.
    """

    def __init__(
        self,
        *,
        first_day: date,
        last_day: date,
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        entries: Iterable[DayEntry] = (),
        weekly_rest_days: Collection[int] = (5, 6),
        timezone: tzinfo = VIETNAM_TZ,
    ) -> None:
        if first_day > last_day:
            raise ValueError("first_day must not be after last_day")
        self.first_day = first_day
        self.last_day = last_day
        self.office_hours = office_hours
        self.timezone = timezone
        self._rest_days = frozenset(weekly_rest_days)
        self._entries: dict[date, DayEntry] = {}
        for entry in entries:
            if not first_day <= entry.day <= last_day:
                raise ValueError(f"entry {entry.day} ({entry.name}) is outside {first_day} – {last_day}")
            if entry.day in self._entries:
                other = self._entries[entry.day]
                raise ValueError(
                    f"{entry.day} has two entries: {other.kind} {other.name!r}, {entry.kind} {entry.name!r}"
                )
            self._entries[entry.day] = entry
        self._intervals: dict[date, tuple[_Interval, ...]] = {}

    # --- days -------------------------------------------------------------------------------------------

    @property
    def regular_day_length(self) -> timedelta:
        """Working time in a regular day of this unit (8 h with the default 07:30–11:30, 13:00–17:00)."""
        return self.office_hours.length

    def day(self, day: date) -> CalendarDay:
        """What ``day`` is for this unit: kind, sessions (empty on a day off), name, provisional flag."""
        self._check(day)
        entry = self._entries.get(day)
        if entry is None:
            if day.weekday() in self._rest_days:
                return CalendarDay(day, DayKind.WEEKLY_REST_DAY, ())
            return CalendarDay(day, DayKind.REGULAR_WORKING_DAY, self.office_hours.sessions)
        sessions = () if entry.kind.is_day_off else (entry.sessions or self.office_hours).sessions
        return CalendarDay(day, entry.kind, sessions, entry.name, entry.provisional)

    def is_working_day(self, day: date) -> bool:
        """True if the unit works on ``day`` (a morning-only make-up Saturday is a working day)."""
        return self.day(day).is_working_day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it if ``n`` < 0); ``day`` itself is never counted.

        ``n`` = 0 returns ``day`` unchanged, working day or not. A half day counts as a whole working day.
        """
        self._check(day)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``(start, end]`` (negative if ``end`` is before ``start``).

        E.g. the post-receipt supplement check "within 3 working days of receipt" is
        ``working_days_between(received, requested) <= 3``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        self._check(start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count

    # --- instants ---------------------------------------------------------------------------------------

    def sessions(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The office sessions of ``day`` as aware ``[start, end)`` pairs; empty on a day off."""
        cached = self._intervals.get(day)
        if cached is None:
            cached = tuple(
                (
                    datetime.combine(day, session.start, tzinfo=self.timezone),
                    datetime.combine(day, session.end, tzinfo=self.timezone),
                )
                for session in self.day(day).sessions
            )
            self._intervals[day] = cached
        return cached

    def is_open(self, at: datetime) -> bool:
        """True if ``at`` falls inside an office session."""
        t = self._local(at)
        return any(start <= t < end for start, end in self.sessions(t.date()))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself if the office is open then, else the start of the next session."""
        t = self._local(at)
        day = t.date()
        while True:
            for start, end in self.sessions(day):
                if t < end:
                    return max(start, t)
            day += _ONE_DAY

    def opening_time(self, day: date) -> datetime:
        """Start of the first session of working day ``day`` (``ValueError`` on a day off)."""
        return self._working_sessions(day)[0][0]

    def closing_time(self, day: date) -> datetime:
        """End of the last session of working day ``day``: 17:00, or 11:30 on a morning-only day."""
        return self._working_sessions(day)[-1][1]

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant at which ``amount`` of office time has run since ``start``.

        Time outside sessions does not run; ``amount`` = 0 returns ``start`` unchanged. Because the result is
        the earliest such instant, 8 h from 07:30 ends at 17:00 the same day, not 07:30 the next, and
        ``add(add(s, a), b) == add(s, a + b)``.
        """
        if amount < timedelta():
            raise ValueError("amount must not be negative; use subtract_working_time")
        t = self._local(start)
        remaining = amount
        if not remaining:
            return t
        day = t.date()
        while True:
            for session_start, session_end in self.sessions(day):
                if session_end <= t:
                    continue
                begin = max(session_start, t)
                available = session_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += _ONE_DAY

    def add_working_hours(self, start: datetime, hours: Decimal | int) -> datetime:
        """``add_working_time`` with the amount in hours (``Decimal("0.5")`` = 30 minutes of office time)."""
        return self.add_working_time(start, hours_to_timedelta(hours))

    def subtract_working_time(self, end: datetime, amount: timedelta) -> datetime:
        """The latest instant from which ``amount`` of office time runs until ``end`` (the mirror of add).

        E.g. the last moment to issue an apology "at least one working day before the due date" is
        ``subtract_working_time(due_at, calendar.regular_day_length)``.
        """
        if amount < timedelta():
            raise ValueError("amount must not be negative; use add_working_time")
        t = self._local(end)
        remaining = amount
        if not remaining:
            return t
        day = t.date()
        while True:
            for session_start, session_end in reversed(self.sessions(day)):
                if session_start >= t:
                    continue
                finish = min(session_end, t)
                available = finish - session_start
                if remaining <= available:
                    return finish - remaining
                remaining -= available
            day -= _ONE_DAY

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time that runs from ``start`` to ``end`` (negative if ``end`` is earlier).

        Used for elapsed handling time (766 index), pauses, and "at least N working hours/days before".
        """
        a, b = self._local(start), self._local(end)
        if b < a:
            return -self.working_time_between(b, a)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            for session_start, session_end in self.sessions(day):
                low, high = max(session_start, a), min(session_end, b)
                if high > low:
                    total += high - low
            day += _ONE_DAY
        return total

    # --- helpers ----------------------------------------------------------------------------------------

    def _working_sessions(self, day: date) -> tuple[_Interval, ...]:
        sessions = self.sessions(day)
        if not sessions:
            raise ValueError(f"{day.isoformat()} is not a working day ({self.day(day).kind})")
        return sessions

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"{at.isoformat()} has no time zone; business times must be timezone-aware")
        return at.astimezone(self.timezone)

    def _check(self, day: date) -> None:
        if not self.first_day <= day <= self.last_day:
            raise OutsideCalendarError(day, self.first_day, self.last_day)
