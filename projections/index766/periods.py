"""Reporting periods (month, quarter, year, custom range) in business time (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

BUSINESS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=BUSINESS_TZ)


def local_date(moment: datetime) -> date:
    return moment.astimezone(BUSINESS_TZ).date()


class PeriodKind(StrEnum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    CUSTOM = "CUSTOM"


class Period(BaseModel):
    """Calendar dates ``start`` … ``end``, both included."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PeriodKind
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")
        return self

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(kind=PeriodKind.MONTH, start=date(year, month, 1), end=following - timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("quarter is 1..4")
        first = cls.month(year, 3 * quarter - 2)
        last = cls.month(year, 3 * quarter)
        return cls(kind=PeriodKind.QUARTER, start=first.start, end=last.end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(kind=PeriodKind.YEAR, start=date(year, 1, 1), end=date(year, 12, 31))

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        return cls(kind=PeriodKind.CUSTOM, start=start, end=end)

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return local_midnight(self.end + timedelta(days=1))

    @property
    def last_instant(self) -> datetime:
        """The period's last microsecond: where unfinished work is judged "at the end of the period"."""
        return self.ends_at - timedelta(microseconds=1)

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def contains_date(self, day: date) -> bool:
        return self.start <= day <= self.end
