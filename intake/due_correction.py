"""Audited corrections of a dossier's promised return time (E30 ``DueDateCorrected``, ADR 0254).

A correction repairs an error in the promise the desk printed at receipt — the wrong statutory duration
was applied, a holiday was missing from the calendar data — and is never an apology: it needs a reason and
the approval of someone other than the officer asking (an agency lead or an operator), and the new time
must be one the office can keep (inside office hours of a working day of the unit's calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from intake.calendar import OutsideCalendarError, WorkingCalendar
from intake.errors import invalid

FIELD = "new_due_at"


class ApproverRole(StrEnum):
    """Who may approve a correction: the head of the agency or the one-stop, or the system's operator."""

    AGENCY_LEAD = "AGENCY_LEAD"
    OPERATOR = "OPERATOR"


@dataclass(frozen=True)
class Approver:
    """The person who approved the correction; ``unit_code`` is None for an operator."""

    id: str
    role: ApproverRole
    unit_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", ApproverRole(self.role))


@dataclass(frozen=True)
class DueCorrectionPolicy:
    """Deployment choices of ADR 0254.

    ``after_end``: whether a correction is still accepted once the dossier's handling time has ended (a
    result is ready, or the applicant asked to withdraw). Off by default: from then on a correction no
    longer changes the applicant's appointment, only the 766 verdict, which is an audit's business.
    """

    after_end: bool = False


@dataclass(frozen=True)
class DueCorrection:
    """One correction as the dossier remembers it (its history on the dossier view and the slip)."""

    corrected_at: datetime
    old_due_at: datetime
    new_due_at: datetime
    reason: str
    requested_by: str
    approved_by: str
    approver_role: ApproverRole


def check_office_time(calendar: WorkingCalendar, at: datetime) -> None:
    """Refuse (422 on ``new_due_at``) a due time outside office hours of a working day of ``calendar``.

    A session's closing instant counts as inside: the deadline engine ends limits there (17:00, 11:30).
    """
    local = at.astimezone(calendar.timezone)
    try:
        day = calendar.day(local.date())
    except OutsideCalendarError as error:
        raise invalid(
            "OUTSIDE_CALENDAR",
            "Lịch làm việc chưa có dữ liệu cho ngày này; không thể hẹn trả vào ngày đó.",
            f"The working calendar does not cover that day: {error}",
            field=FIELD,
        ) from error
    if not day.is_working_day:
        name = f" ({day.name})" if day.name else ""
        raise invalid(
            "DUE_NOT_WORKING_DAY",
            f"Ngày {local:%d/%m/%Y} không phải ngày làm việc{name}; thời hạn phải rơi vào ngày làm việc.",
            f"{local.date()} is not a working day ({day.kind}{name}); a due time falls on a working day.",
            field=FIELD,
        )
    sessions = calendar.sessions(local.date())
    if not any(start <= local <= end for start, end in sessions):
        hours = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in sessions)
        raise invalid(
            "DUE_OUTSIDE_OFFICE_HOURS",
            f"{local:%H:%M} ngày {local:%d/%m/%Y} ngoài giờ làm việc ({hours}).",
            f"{local:%H:%M} on {local.date()} is outside office hours ({hours}).",
            field=FIELD,
        )


__all__ = [
    "Approver",
    "ApproverRole",
    "DueCorrection",
    "DueCorrectionPolicy",
    "check_office_time",
]
