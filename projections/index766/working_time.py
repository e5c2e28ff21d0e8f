"""The working calendar the engine needs, as a Protocol: the composition root injects the intake context's
real calendar (holidays, day swaps and office hours are data there, domain.md §3.2)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from .facts import StatutoryDuration
from .periods import local_midnight


class WorkingTime(Protocol):
    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a business-time date) is a working day, day swaps and make-up days included."""
        ...

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days D with local_date(start) < D <= local_date(end); the negative count when end < start."""
        ...

    def deadline(self, start: datetime, duration: StatutoryDuration) -> datetime:
        """The due time of a statutory duration counted from ``start`` (domain.md §3.3)."""
        ...


def working_days_before(calendar: WorkingTime, first: date, day_after_last: date) -> int:
    """Working days D with first <= D < day_after_last (how far ahead of a date something happened)."""
    return calendar.working_days_between(
        local_midnight(first - timedelta(days=1)), local_midnight(day_after_last - timedelta(days=1))
    )
