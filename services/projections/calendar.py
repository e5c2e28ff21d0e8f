"""The 766 engine's ``WorkingTime`` port served by the intake context's real working calendar.

``projections`` may not import ``intake`` (ADR 0002); the composition root may, so the index judges due
dates with the same holidays, day swaps and office hours the desk printed on the receipt slips.
"""

from __future__ import annotations

from datetime import date, datetime

from intake.calendar import WorkingCalendar
from intake.deadlines import DeadlineEngine, DeadlinePolicy
from intake.reference import ReferenceData, load_reference_data
from projections.index766 import BUSINESS_TZ, StatutoryDuration


class IntakeWorkingTime:
    """Province-wide working days (the index compares units, so every unit is judged on one calendar)."""

    def __init__(self, reference: ReferenceData | None = None, policy: DeadlinePolicy | None = None) -> None:
        reference = reference or load_reference_data()
        self.calendar: WorkingCalendar = reference.calendars.for_unit(None)
        self.engine = DeadlineEngine(self.calendar, policy)

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        return self.calendar.working_days_between(
            start.astimezone(BUSINESS_TZ).date(), end.astimezone(BUSINESS_TZ).date()
        )

    def deadline(self, start: datetime, duration: StatutoryDuration) -> datetime:
        return self.engine.due_at(duration, start)
