"""When things happen in the demo month, on the working calendar (office sessions, weekends, holidays).

Pure functions of a calendar and a random generator: arrivals over the month, and the moments of one
dossier's processing steps between its receipt and its decision, so that a dossier meant to be decided
"early" is decided before its due date and a "late" one after its due time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MINUTE = timedelta(minutes=1)
WORKING_DAY = timedelta(hours=8)


class Calendar(Protocol):
    """The part of ``intake.calendar.WorkingCalendar`` the demo uses."""

    def is_working_day(self, day: date) -> bool: ...

    def sessions(self, day: date) -> tuple[tuple[datetime, datetime], ...]: ...

    def next_opening(self, at: datetime) -> datetime: ...

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime: ...

    def working_time_between(self, start: datetime, end: datetime) -> timedelta: ...


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``2026-10`` → [1/10 00:00, 1/11 00:00) in business time."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=VN)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=VN)
    return start, end


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def working_days(calendar: Calendar, start: datetime, end: datetime) -> list[date]:
    day, out = start.date(), []
    while datetime.combine(day, time(), tzinfo=VN) < end:
        if calendar.is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def first_opening(calendar: Calendar, month: str) -> datetime:
    """The first office moment of the month: where the demo's clocks start."""
    start, _ = month_bounds(month)
    return calendar.next_opening(start)


def office_moment(rng: random.Random, calendar: Calendar, day: date) -> datetime:
    """A moment inside one of ``day``'s office sessions, uniformly over office time, on the minute."""
    sessions = calendar.sessions(day)
    if not sessions:
        raise ValueError(f"{day} is not a working day")
    total = sum(((b - a) for a, b in sessions), timedelta())
    offset = timedelta(minutes=rng.randrange(max(1, int(total / MINUTE) - 5)))
    for a, b in sessions:
        if offset < b - a:
            return a + offset
        offset -= b - a
    return sessions[-1][0]


def arrival(rng: random.Random, calendar: Calendar, days: Sequence[date], channel: str) -> datetime:
    """When a dossier arrives. Counter and post: office hours of a working day. Online: mostly office
    hours too, but a quarter in the evening or at the weekend (the portal never closes)."""
    if not days:
        raise ValueError("the month has no working day")
    # Mondays are the busiest at a one-stop desk; Fridays a little quieter.
    weights = [1.25 if d.weekday() == 0 else 0.9 if d.weekday() == 4 else 1.0 for d in days]
    day = rng.choices(list(days), weights=weights, k=1)[0]
    if channel != "ONLINE" or rng.random() < 0.75:
        return office_moment(rng, calendar, day)
    if rng.random() < 0.6:
        return datetime.combine(day, time(19, 0), tzinfo=VN) + timedelta(minutes=rng.randrange(240))
    weekend = day + timedelta(days=(5 - day.weekday()) % 7 or 7)
    return datetime.combine(weekend, time(9, 0), tzinfo=VN) + timedelta(minutes=rng.randrange(600))


def after_working(calendar: Calendar, start: datetime, hours: float) -> datetime:
    """``hours`` of office time after ``start`` (at least one minute later, inside a session)."""
    later = calendar.add_working_time(calendar.next_opening(start), timedelta(hours=max(hours, 1 / 60)))
    return max(later, start + MINUTE)


def decision_time(calendar: Calendar, start: datetime, due: datetime, fraction: float) -> datetime:
    """The moment ``fraction`` of the office time from ``start`` to ``due`` has run (> 1: after the due)."""
    allowed = max(calendar.working_time_between(start, due), timedelta(minutes=30))
    return calendar.add_working_time(calendar.next_opening(start), allowed * fraction)


def spread(calendar: Calendar, start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` increasing moments after ``start``, the last one ``end``, evenly over office time."""
    if count <= 0:
        return []
    span = max(calendar.working_time_between(start, end), timedelta())
    out, previous = [], start
    for i in range(1, count + 1):
        at = end if i == count else calendar.add_working_time(calendar.next_opening(start), span * i / count)
        at = max(at, previous + MINUTE)
        out.append(at)
        previous = at
    return out


def apology_deadline(calendar: Calendar, received: datetime, due: datetime) -> datetime | None:
    """The last moment (with an hour to spare) an apology may be issued: one working day before the due
    time (domain.md E18); ``None`` when the dossier never had that long (same-day procedures)."""
    day, back = due.date(), 0
    while back < 1:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            back += 1
    latest = datetime.combine(day, due.astimezone(VN).time(), tzinfo=VN) - timedelta(hours=1)
    return latest if latest > received + timedelta(hours=1) else None


def new_due(calendar: Calendar, due: datetime, rng: random.Random) -> datetime:
    """The apology's new date: three to five working days later, at 17:00."""
    day, added, wanted = due.date(), 0, rng.randint(3, 5)
    while added < wanted:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            added += 1
    sessions = calendar.sessions(day)
    return sessions[-1][1] if sessions else datetime.combine(day, time(17), tzinfo=VN)


def step_moments(
    calendar: Calendar, start: datetime, decision: datetime, steps: Sequence[str]
) -> list[tuple[str, datetime]]:
    """The processing steps from the assignment to the decision, spread between ``start`` and
    ``decision``; the assignment comes first, within the first working hour."""
    if not steps:
        return []
    first = min(after_working(calendar, start, 0.5), decision - MINUTE * len(steps))
    first = max(first, start + MINUTE)
    rest = spread(calendar, first, decision, len(steps) - 1)
    return list(zip(steps, [first, *rest], strict=True))
