"""The deadline engine: when the clock starts and when a dossier is due (domain.md §3.3). Pure.

One engine serves one unit's working calendar and one deployment policy. Every contested choice of
domain.md §3 and §7 is a field of ``DeadlinePolicy`` (ADR 0201 records the defaults); the cut-off is per
procedure and passed with each call. Other contexts reach the engine through a port they define and
``services/`` wires: its methods take only standard-library types and any object with ``value`` and
``unit`` as a duration.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from intake.calendar import VIETNAM_TZ, WorkingCalendar, hours_to_timedelta


class DurationUnit(StrEnum):
    """Unit of a statutory time limit (``DonViTinh``), plus the "same day" limits of some procedures."""

    WORKING_HOUR = "WORKING_HOUR"  # giờ làm việc
    WORKING_DAY = "WORKING_DAY"  # ngày làm việc
    CALENDAR_DAY = "CALENDAR_DAY"  # ngày
    MONTH = "MONTH"  # tháng
    SAME_DAY = "SAME_DAY"  # ngay trong ngày: by closing time, the next working day if after the cut-off


_UNIT_LABELS = {
    DurationUnit.WORKING_HOUR: "giờ làm việc",
    DurationUnit.WORKING_DAY: "ngày làm việc",
    DurationUnit.CALENDAR_DAY: "ngày",
    DurationUnit.MONTH: "tháng",
}


class DurationLike(Protocol):
    """Anything with a numeric ``value`` and a ``unit`` string: ``Duration``, or a contracts model."""

    @property
    def value(self) -> Decimal | int: ...

    @property
    def unit(self) -> str: ...


@dataclass(frozen=True)
class Duration:
    """A statutory time limit, e.g. ``Duration(Decimal(3), DurationUnit.WORKING_DAY)``.

    Working days and hours may be fractional (0.5 day); calendar days and months are whole; SAME_DAY has
    value 0.
    """

    value: Decimal
    unit: DurationUnit

    def __post_init__(self) -> None:
        # Accept ints and unit strings from data and other contexts; store the exact types.
        object.__setattr__(self, "value", Decimal(self.value))
        object.__setattr__(self, "unit", DurationUnit(self.unit))
        if not self.value.is_finite() or self.value < 0:
            raise ValueError(f"duration value must be a finite number ≥ 0, not {self.value}")
        if self.unit is DurationUnit.SAME_DAY:
            if self.value != 0:
                raise ValueError("a SAME_DAY duration has value 0")
        elif self.value == 0:
            raise ValueError(f"a {self.unit} duration must be positive")
        if (
            self.unit in (DurationUnit.CALENDAR_DAY, DurationUnit.MONTH)
            and self.value != self.value.to_integral()
        ):
            raise ValueError(f"a {self.unit} duration must be a whole number, not {self.value}")

    @classmethod
    def of(cls, duration: DurationLike) -> Duration:
        """Validate any duration-like object into a ``Duration`` (``ValueError`` on an unknown unit)."""
        if isinstance(duration, Duration):
            return duration
        return cls(Decimal(duration.value), DurationUnit(duration.unit))

    def __str__(self) -> str:
        if self.unit is DurationUnit.SAME_DAY:
            return "trong ngày"
        return f"{self.value.normalize():f} {_UNIT_LABELS[self.unit]}"


class WorkingDayModel(StrEnum):
    """How working days are counted (domain.md §3.3 step 2)."""

    HOURS = "HOURS"  # A: 1 working day = one regular day of office time; due at an instant
    DATES = "DATES"  # B: due at closing time of the N-th working day after the start day


class DueTime(StrEnum):
    """Where a calendar-day or month limit ends on its last day."""

    CLOSING_TIME = "CLOSING_TIME"  # office closing (the result can be collected)
    END_OF_DAY = "END_OF_DAY"  # 24:00, i.e. 00:00 of the following day (Civil Code style)


class NonWorkingDueDay(StrEnum):
    """What happens when a calendar-day or month limit ends on a day off."""

    NEXT_WORKING_DAY = "NEXT_WORKING_DAY"  # Civil Code: the period ends with the next working day
    PREVIOUS_WORKING_DAY = "PREVIOUS_WORKING_DAY"  # stricter practice of some agencies


@dataclass(frozen=True)
class DeadlinePolicy:
    """The deployment's answers to what domain.md §3 and §7 leave open (defaults: ADR 0201).

    - ``working_day_model``: HOURS (default, Thanh Hóa practice) or DATES.
    - ``hours_per_working_day``: working hours in one working day for the HOURS model and for fractions
      of a day; ``None`` means the unit's regular day (8 h with the default office hours).
    - ``count_start_day``: whether the clock-start day counts as the first day (DATES model, calendar days,
      months). Default False: the day of the event is not counted (Civil Code).
    - ``same_day_cutoff``: cut-off for SAME_DAY limits when the procedure gives none (15:00).
    - ``calendar_due_time`` and ``non_working_due_day``: how calendar-day and month limits end.
    """

    working_day_model: WorkingDayModel = WorkingDayModel.HOURS
    hours_per_working_day: Decimal | None = None
    count_start_day: bool = False
    same_day_cutoff: time = time(15, 0)
    calendar_due_time: DueTime = DueTime.CLOSING_TIME
    non_working_due_day: NonWorkingDueDay = NonWorkingDueDay.NEXT_WORKING_DAY

    def __post_init__(self) -> None:
        if self.hours_per_working_day is not None and not 0 < self.hours_per_working_day <= 24:
            raise ValueError("hours_per_working_day must be in (0, 24]")


@dataclass(frozen=True)
class Deadline:
    """When the clock started and when the dossier is due (``DossierReceived.clock_start_at``/``due_at``)."""

    clock_start_at: datetime
    due_at: datetime
    duration: Duration


class DeadlineEngine:
    """Computes clock starts and due times on one unit's ``WorkingCalendar`` under one ``DeadlinePolicy``.

    All methods are pure: same inputs, same output; nothing reads the wall clock. Inputs must be
    timezone-aware; results are in business time (Asia/Ho_Chi_Minh).
    """

    def __init__(self, calendar: WorkingCalendar, policy: DeadlinePolicy | None = None) -> None:
        self.calendar = calendar
        self.policy = policy or DeadlinePolicy()

    @property
    def working_day_length(self) -> timedelta:
        """Office time that makes one working day under this policy (8 h by default)."""
        if self.policy.hours_per_working_day is not None:
            return hours_to_timedelta(self.policy.hours_per_working_day)
        return self.calendar.regular_day_length

    def clock_start(self, received_at: datetime, *, cutoff: time | None = None) -> datetime:
        """When the handling clock starts for a dossier received (legally) at ``received_at``.

        - Received during office hours, and not after ``cutoff`` → ``received_at`` itself.
        - Received on a working day strictly after ``cutoff`` (e.g. 15:00:01 with a 15:00 cut-off; 15:00:00
          is in time) → opening of the next working day.
        - Received outside office hours (before opening, at lunch, after closing, on a day off) → the next
          opening time (Decree 297/2025's "08:00 of the next working day" is the unit's opening time).
        """
        t = _aware(received_at).astimezone(self.calendar.timezone)
        if cutoff is not None and self.calendar.is_working_day(t.date()) and t.time() > cutoff:
            return self.calendar.opening_time(self.calendar.add_working_days(t.date(), 1))
        return self.calendar.next_opening(t)

    def deadline(
        self, duration: DurationLike, received_at: datetime, *, cutoff: time | None = None
    ) -> Deadline:
        """Clock start and due time for a limit of ``duration`` on a dossier received at ``received_at``.

        ``cutoff`` is the procedure's receipt cut-off (15:00 for certification or the birth "3 in 1" group,
        17:00 for the Decree 297/2025 group, None for none); SAME_DAY limits fall back to the policy's
        ``same_day_cutoff``. For a postal dossier pass ``legal_receipt_time(...)``; after a post-receipt
        supplement under the RESTART policy pass the time the complete dossier was accepted.

        - WORKING_HOUR: start + N hours of office time.
        - WORKING_DAY, HOURS model: start + N × ``working_day_length`` of office time (0.5 day = 4 h).
        - WORKING_DAY, DATES model: closing time of the N-th working day after the start day; a fraction of
          a day adds that share of a working day's office time after it.
        - CALENDAR_DAY: the start day + N days; MONTH: the same day of the month N months on (the last day
          of a shorter month); either moved off a day off and ended per the policy.
        - SAME_DAY: closing time of the start day (after the cut-off, that is the next working day).
        """
        limit = Duration.of(duration)
        if limit.unit is DurationUnit.SAME_DAY and cutoff is None:
            cutoff = self.policy.same_day_cutoff
        start = self.clock_start(received_at, cutoff=cutoff)
        return Deadline(start, self._due(limit, start), limit)

    def due_at(
        self, duration: DurationLike, received_at: datetime, *, cutoff: time | None = None
    ) -> datetime:
        """The due time alone: ``deadline(...).due_at``."""
        return self.deadline(duration, received_at, cutoff=cutoff).due_at

    def extended_by_pause(self, due_at: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """``due_at`` pushed back by the office time between ``paused_at`` and ``resumed_at``.

        For the PAUSE supplement policy and for clock stops that sector law excludes (financial
        obligations, public posting …): waiting time that falls outside office hours extends nothing.
        """
        if _aware(resumed_at) < _aware(paused_at):
            raise ValueError("resumed_at is before paused_at")
        return self.calendar.add_working_time(
            due_at, self.calendar.working_time_between(paused_at, resumed_at)
        )

    # --- the units ----------------------------------------------------------------------------------------

    def _due(self, limit: Duration, start: datetime) -> datetime:
        match limit.unit:
            case DurationUnit.SAME_DAY:
                return self.calendar.closing_time(start.date())
            case DurationUnit.WORKING_HOUR:
                return self.calendar.add_working_hours(start, limit.value)
            case DurationUnit.WORKING_DAY if self.policy.working_day_model is WorkingDayModel.HOURS:
                return self.calendar.add_working_time(start, self._days_of_office_time(limit.value))
            case DurationUnit.WORKING_DAY:
                return self._working_days_by_date(limit.value, start)
            case DurationUnit.CALENDAR_DAY:
                return self._calendar_due(start.date() + timedelta(days=int(limit.value)))
            case DurationUnit.MONTH:
                return self._calendar_due(_add_months(start.date(), int(limit.value)))

    def _days_of_office_time(self, days: Decimal) -> timedelta:
        micros = Decimal(self.working_day_length // timedelta(microseconds=1)) * days
        return timedelta(microseconds=int(micros.to_integral_value()))

    def _working_days_by_date(self, days: Decimal, start: datetime) -> datetime:
        whole = int(days)
        fraction = self._days_of_office_time(days - whole)
        if whole == 0:
            return self.calendar.add_working_time(start, fraction)
        last_day = self.calendar.add_working_days(
            start.date(), whole - 1 if self.policy.count_start_day else whole
        )
        return self.calendar.add_working_time(self.calendar.closing_time(last_day), fraction)

    def _calendar_due(self, last_day: date) -> datetime:
        if self.policy.count_start_day:
            last_day -= timedelta(days=1)
        if not self.calendar.is_working_day(last_day):
            step = 1 if self.policy.non_working_due_day is NonWorkingDueDay.NEXT_WORKING_DAY else -1
            last_day = self.calendar.add_working_days(last_day, step)
        if self.policy.calendar_due_time is DueTime.CLOSING_TIME:
            return self.calendar.closing_time(last_day)
        return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=self.calendar.timezone)


def legal_receipt_time(
    handover_signed_at: datetime,
    *,
    accepted_by_post_at: datetime | None = None,
    supplement_completed_at: datetime | None = None,
) -> datetime:
    """The legal submission time of a dossier sent through the public postal service.

    It is the signing of the hand-over record (biên bản giao nhận) at the agency, not the post office's
    acceptance, so transit time is outside the handling time [QĐ45/2016 Art 7(4)]; if a supplement was
    required, it is the time the supplemented dossier was complete. ``accepted_by_post_at`` is only checked
    (a hand-over cannot precede it). Feed the result to ``DeadlineEngine.deadline``.
    """
    handover = _aware(handover_signed_at).astimezone(VIETNAM_TZ)
    if accepted_by_post_at is not None and handover < _aware(accepted_by_post_at):
        raise ValueError("the hand-over record cannot be signed before the post office accepted the dossier")
    if supplement_completed_at is None:
        return handover
    supplemented = _aware(supplement_completed_at).astimezone(VIETNAM_TZ)
    if supplemented < handover:
        raise ValueError("a supplement cannot be completed before the dossier was handed over")
    return supplemented


def _add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or the last day of that month if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, gregorian.monthrange(year, month)[1]))


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; business times must be timezone-aware")
    return at
