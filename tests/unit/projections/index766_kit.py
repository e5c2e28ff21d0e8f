"""Test kit for the 766 engine: a small but correct working calendar for the test data, and fact builders.

The calendar: Monday–Friday, minus a listed holiday set, plus listed make-up Saturdays; office hours
07:30–11:30 and 13:00–17:00; WORKING_DAY deadlines use the date model (closing time of the N-th working day
after the start day, domain.md §3.3 model B).
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from projections.index766 import (
    BUSINESS_TZ,
    DossierFact,
    DurationUnit,
    FactBase,
    IndexResult,
    Period,
    Policy,
    ProcedureFact,
    Ruleset,
    StatutoryDuration,
    UnitFact,
    UnitLevel,
    default_ruleset,
    evaluate,
)

# Public holidays of the test years (domain.md §3.2: Tết 2026 = Mon 16 – Fri 20 Feb; Giỗ Tổ 2026 falls on
# Sunday 26 Apr, compensated on Monday 27 Apr; 30 Apr and 1 May).
HOLIDAYS_2026 = frozenset(
    {
        date(2026, 1, 1),
        *(date(2026, 2, d) for d in range(16, 21)),
        date(2026, 4, 27),
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 9, 1),
        date(2026, 9, 2),
    }
)
OFFICE = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
CLOSING = time(17, 0)


class HolidayCalendar:
    def __init__(self, holidays: frozenset[date] = HOLIDAYS_2026, makeup_days: frozenset[date] = frozenset()):
        self.holidays = holidays
        self.makeup_days = makeup_days

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def _count(self, after: date, up_to: date) -> int:
        n = 0
        day = after + timedelta(days=1)
        while day <= up_to:
            n += self.is_working_day(day)
            day += timedelta(days=1)
        return n

    def working_days_between(self, start: datetime, end: datetime) -> int:
        a = start.astimezone(BUSINESS_TZ).date()
        b = end.astimezone(BUSINESS_TZ).date()
        return self._count(a, b) if a <= b else -self._count(b, a)

    def _next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def _closing(self, day: date) -> datetime:
        return datetime.combine(day, CLOSING, tzinfo=BUSINESS_TZ)

    def deadline(self, start: datetime, duration: StatutoryDuration) -> datetime:
        local = start.astimezone(BUSINESS_TZ)
        if duration.unit is DurationUnit.WORKING_HOUR:
            return self._add_working_hours(local, duration.value)
        if duration.unit is DurationUnit.SAME_DAY:
            day = local.date()
            if not self.is_working_day(day) or local.time() >= CLOSING:
                day = self._next_working_day(day + timedelta(days=1))
            return self._closing(day)
        if duration.value != int(duration.value):
            raise NotImplementedError("the test calendar only counts whole days and months")
        n = int(duration.value)
        if duration.unit is DurationUnit.WORKING_DAY:
            day = local.date()
            if not self.is_working_day(day) or local.time() >= CLOSING:
                day = self._next_working_day(day + timedelta(days=1))  # received after hours: starts next day
            while n > 0:
                day += timedelta(days=1)
                if self.is_working_day(day):
                    n -= 1
            return self._closing(day)
        if duration.unit is DurationUnit.CALENDAR_DAY:
            return self._closing(self._next_working_day(local.date() + timedelta(days=n)))
        month_index = local.month - 1 + n
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day_of_month = min(local.day, stdlib_calendar.monthrange(year, month)[1])
        return self._closing(self._next_working_day(date(year, month, day_of_month)))

    def _add_working_hours(self, start: datetime, hours: Decimal) -> datetime:
        remaining = timedelta(hours=float(hours))
        day = start.date()
        cursor = start
        while True:
            if self.is_working_day(day):
                for opens, closes in OFFICE:
                    begin = max(cursor, datetime.combine(day, opens, tzinfo=BUSINESS_TZ))
                    end = datetime.combine(day, closes, tzinfo=BUSINESS_TZ)
                    if begin >= end:
                        continue
                    if end - begin >= remaining:
                        return begin + remaining
                    remaining -= end - begin
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0, 0), tzinfo=BUSINESS_TZ)


CALENDAR = HolidayCalendar()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BUSINESS_TZ)


EPOCH = at(2025, 1, 1)  # known_at of reference data that was always there
MARCH = Period.month(2026, 3)
EVALUATED = at(2026, 4, 15, 12)

PROVINCE = "T01"
DEPARTMENT = "T01.S01"
COMMUNE_A = "T01.X01"
COMMUNE_B = "T01.X02"
OTHER_PROVINCE = "T02"


def unit(
    code: str,
    level: UnitLevel,
    parent: str | None,
    *,
    valid_from: date = date(2025, 7, 1),
    valid_to: date | None = None,
    name: str = "",
    revision: int = 0,
    known_at: datetime = EPOCH,
) -> UnitFact:
    return UnitFact(
        unit_code=code,
        revision=revision,
        known_at=known_at,
        name=name or code,
        level=level,
        parent_code=parent,
        valid_from=valid_from,
        valid_to=valid_to,
    )


UNITS = (
    unit(PROVINCE, UnitLevel.PROVINCE, None, name="Tỉnh Thử nghiệm"),
    unit(DEPARTMENT, UnitLevel.DEPARTMENT, PROVINCE, name="Sở Tư pháp"),
    unit(COMMUNE_A, UnitLevel.COMMUNE, PROVINCE, name="Xã An"),
    unit(COMMUNE_B, UnitLevel.COMMUNE, PROVINCE, name="Xã Bình"),
    unit(OTHER_PROVINCE, UnitLevel.PROVINCE, None, name="Tỉnh Khác"),
)


def procedure(
    code: str, *, units: tuple[str, ...] = (PROVINCE, DEPARTMENT, COMMUNE_A, COMMUNE_B), **kw: Any
) -> ProcedureFact:
    fields: dict[str, Any] = {
        "procedure_code": code,
        "revision": 0,
        "known_at": EPOCH,
        "valid_from": date(2025, 1, 1),
        "name": f"Thủ tục {code}",
        "competent_unit_codes": units,
    }
    fields.update(kw)
    return ProcedureFact(**fields)


def dossier(dossier_id: str, **kw: Any) -> DossierFact:
    """A dossier received at the department on 2 March 2026, due 6 March 17:00, unless told otherwise."""
    fields: dict[str, Any] = {
        "dossier_id": dossier_id,
        "revision": 0,
        "code": f"000.00.16.H56-260302-{dossier_id}",
        "procedure_code": "P1",
        "unit_code": DEPARTMENT,
        "received_at": at(2026, 3, 2, 9),
        "original_due_at": at(2026, 3, 6, 17),
    }
    fields.update(kw)
    fields.setdefault("known_at", fields["received_at"] or at(2026, 3, 1))
    return DossierFact(**fields)


def facts(**kw: Any) -> FactBase:
    kw.setdefault("units", UNITS)
    kw.setdefault("procedures", (procedure("P1"),))
    return FactBase(**kw)


def run(
    base: FactBase,
    *,
    unit_code: str = DEPARTMENT,
    period: Period = MARCH,
    ruleset: Ruleset | None = None,
    policy: Policy | None = None,
    evaluation_time: datetime = EVALUATED,
    knowledge_time: datetime | None = None,
) -> IndexResult:
    return evaluate(
        base,
        unit_code,
        period,
        ruleset or default_ruleset(),
        policy or Policy(),
        evaluation_time,
        knowledge_time,
        calendar=CALENDAR,
    )


def rows_by_subject(result: IndexResult, indicator_id: str) -> dict[str, Any]:
    return {r.subject_id: r for r in result.indicator(indicator_id).rows}


def d(text: str) -> Decimal:
    return Decimal(text)
