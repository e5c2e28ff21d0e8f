"""Wording of explanation rows in Vietnamese and English (times shown in business time, +07:00)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .periods import BUSINESS_TZ
from .results import ExplanationRow, SubjectKind


def when_en(moment: datetime) -> str:
    return moment.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def when_vi(moment: datetime) -> str:
    return moment.astimezone(BUSINESS_TZ).strftime("%d/%m/%Y %H:%M")


def day_en(day: date) -> str:
    return day.isoformat()


def day_vi(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def iso(moment: datetime) -> str:
    return moment.astimezone(BUSINESS_TZ).isoformat()


def _parts(span: timedelta) -> tuple[int, int, int]:
    minutes = int(span.total_seconds()) // 60
    return minutes // (24 * 60), (minutes // 60) % 24, minutes % 60


def span_en(span: timedelta) -> str:
    days, hours, minutes = _parts(span)
    out = []
    if days:
        out.append(f"{days} day" + ("s" if days != 1 else ""))
    if hours:
        out.append(f"{hours} h")
    if minutes or not out:
        out.append(f"{minutes} min")
    return " ".join(out)


def span_vi(span: timedelta) -> str:
    days, hours, minutes = _parts(span)
    out = []
    if days:
        out.append(f"{days} ngày")
    if hours:
        out.append(f"{hours} giờ")
    if minutes or not out:
        out.append(f"{minutes} phút")
    return " ".join(out)


def working_days_en(n: int) -> str:
    return f"{n} working day" + ("s" if n != 1 else "")


def working_days_vi(n: int) -> str:
    return f"{n} ngày làm việc"


def row(
    kind: SubjectKind,
    subject_id: str,
    *,
    numerator: bool,
    denominator: bool,
    code: str,
    vi: str,
    en: str,
    subject_code: str | None = None,
    unit_code: str | None = None,
    details: dict[str, str] | None = None,
) -> ExplanationRow:
    return ExplanationRow(
        subject_kind=kind,
        subject_id=subject_id,
        subject_code=subject_code,
        unit_code=unit_code,
        in_numerator=numerator,
        in_denominator=denominator,
        reason_code=code,
        reason_vi=vi,
        reason_en=en,
        details=dict(sorted((details or {}).items())),
    )
