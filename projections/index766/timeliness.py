"""Whether a received dossier was handled early, on time or late in the 766 sense (domain.md §1.3 2.1, §1.5).

End time: the first terminal status (processed is preferred over returned); an unanswered supplement request
ends the count at the request; an unfinished dossier is judged at the pending reference time (the period end,
or the evaluation time if earlier). Supplement waits (and, by policy, legal pauses) are subtracted from the
end time; more than one supplement request makes the dossier late whatever its dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .explain import span_en, span_vi, when_en, when_vi, working_days_en, working_days_vi
from .facts import DossierFact
from .periods import local_date
from .policy import DueBasis, Policy, SubtractedWaits
from .working_time import WorkingTime


class Timeliness(StrEnum):
    EARLY = "EARLY"  # finished before the due date
    ON_TIME = "ON_TIME"
    LATE = "LATE"
    IN_TIME = "IN_TIME"  # unfinished, within the deadline at the reference time
    OVERDUE = "OVERDUE"  # unfinished, past the deadline at the reference time
    UNDETERMINED = "UNDETERMINED"  # neither a due date nor a statutory duration


class Stage(StrEnum):
    FINISHED = "FINISHED"
    AWAITING_SUPPLEMENT = "AWAITING_SUPPLEMENT"
    IN_PROGRESS = "IN_PROGRESS"


@dataclass(frozen=True)
class Verdict:
    status: Timeliness
    stage: Stage
    on_time: bool
    reason_code: str
    reason_vi: str
    reason_en: str
    details: dict[str, str]
    end_at: datetime
    counted_end_at: datetime
    due_at: datetime | None

    @property
    def determined(self) -> bool:
        return self.status is not Timeliness.UNDETERMINED


def _merged_waits(intervals: list[tuple[datetime, datetime]]) -> timedelta:
    total = timedelta(0)
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return total


def _end(dossier: DossierFact, pending_ref: datetime) -> tuple[datetime, Stage]:
    open_requests = [s for s in dossier.supplements if s.completed_at is None]
    if open_requests:
        return open_requests[0].requested_at, Stage.AWAITING_SUPPLEMENT
    if dossier.finished_at is not None:
        return dossier.finished_at, Stage.FINISHED
    if dossier.returned_at is not None:
        return dossier.returned_at, Stage.FINISHED
    return pending_ref, Stage.IN_PROGRESS


def _waits(dossier: DossierFact, end: datetime, policy: Policy) -> tuple[timedelta, timedelta]:
    supplement = [
        (s.requested_at, min(s.completed_at, end)) for s in dossier.supplements if s.completed_at is not None
    ]
    pauses: list[tuple[datetime, datetime]] = []
    if policy.subtracted_waits is SubtractedWaits.SUPPLEMENTS_AND_LEGAL_PAUSES:
        pauses = [(p.paused_at, min(p.resumed_at or end, end)) for p in dossier.pauses]
    only_supplements = _merged_waits(supplement)
    return only_supplements, _merged_waits(supplement + pauses) - only_supplements


def _due(dossier: DossierFact, policy: Policy, calendar: WorkingTime) -> tuple[datetime | None, str]:
    if policy.due_basis is DueBasis.RESCHEDULED and dossier.apology is not None:
        return dossier.apology.new_due_at, "RESCHEDULED"
    if dossier.original_due_at is not None:
        return dossier.original_due_at, "ORIGINAL"
    if dossier.statutory_duration is not None and dossier.received_at is not None:
        return calendar.deadline(dossier.received_at, dossier.statutory_duration), "STATUTORY"
    return None, "NONE"


def judge(dossier: DossierFact, pending_ref: datetime, policy: Policy, calendar: WorkingTime) -> Verdict:
    """Judge a received dossier (``received_at`` set) already clipped to what had happened."""
    end, stage = _end(dossier, pending_ref)
    supplement_wait, pause_wait = _waits(dossier, end, policy)
    counted_end = end - supplement_wait - pause_wait
    due, basis = _due(dossier, policy, calendar)
    details = {
        "stage": stage.value,
        "end_at": when_en(end),
        "counted_end_at": when_en(counted_end),
        "supplement_requests": str(len(dossier.supplements)),
        "supplement_wait": span_en(supplement_wait),
        "due_basis": basis,
    }
    if pause_wait:
        details["legal_pause_wait"] = span_en(pause_wait)
    if due is not None:
        details["due_at"] = when_en(due)
    if dossier.apology is not None:
        details["original_due_at"] = when_en(dossier.apology.previous_due_at)
        details["rescheduled_due_at"] = when_en(dossier.apology.new_due_at)

    def verdict(status: Timeliness, on_time: bool, code: str, vi: str, en: str) -> Verdict:
        return Verdict(status, stage, on_time, code, vi, en, details, end, counted_end, due)

    if due is None:
        return verdict(
            Timeliness.UNDETERMINED,
            False,
            "NO_DUE_DATE",
            "Không có ngày hẹn trả và thời hạn giải quyết: không xác định được đúng hạn, không tính vào mẫu số",
            "no due date and no statutory duration: timeliness undetermined, left out of the denominator",
        )

    due_vi = f"hẹn trả {when_vi(due)}" + (" (theo thời hạn giải quyết)" if basis == "STATUTORY" else "")
    due_en = f"due {when_en(due)}" + (" (from the statutory duration)" if basis == "STATUTORY" else "")
    if dossier.apology is not None:
        if basis == "ORIGINAL":
            due_vi += f", đã hẹn lại {when_vi(dossier.apology.new_due_at)} nhưng tính theo hạn ban đầu"
            due_en += (
                f", rescheduled to {when_en(dossier.apology.new_due_at)} but judged against the original date"
            )
        else:
            due_vi += f" (hẹn lại sau xin lỗi; hạn ban đầu {when_vi(dossier.apology.previous_due_at)})"
            due_en += (
                f" (rescheduled after an apology; originally {when_en(dossier.apology.previous_due_at)})"
            )
    waits_vi = ""
    waits_en = ""
    if supplement_wait:
        waits_vi += f", đã trừ {span_vi(supplement_wait)} chờ bổ sung"
        waits_en += f", supplement wait {span_en(supplement_wait)} subtracted"
    if pause_wait:
        waits_vi += f", đã trừ {span_vi(pause_wait)} tạm dừng theo luật chuyên ngành"
        waits_en += f", legal pause {span_en(pause_wait)} subtracted"
    if supplement_wait or pause_wait:
        waits_vi += f" (tính đến {when_vi(counted_end)})"
        waits_en += f" (counted end {when_en(counted_end)})"

    if len(dossier.supplements) > 1:
        return verdict(
            Timeliness.LATE if stage is not Stage.IN_PROGRESS else Timeliness.OVERDUE,
            False,
            "MULTIPLE_SUPPLEMENTS",
            f"Tính là quá hạn: yêu cầu bổ sung {len(dossier.supplements)} lần (chỉ được 1 lần); {due_vi}",
            f"counted late: {len(dossier.supplements)} supplement requests (at most one is allowed); {due_en}",
        )

    late_days = calendar.working_days_between(due, counted_end)
    overrun = max(counted_end - due, timedelta(0))
    by_vi = working_days_vi(late_days) if late_days > 0 else f"chưa đến 1 ngày làm việc ({span_vi(overrun)})"
    by_en = working_days_en(late_days) if late_days > 0 else f"less than one working day ({span_en(overrun)})"
    if counted_end > due:
        details["late_working_days"] = str(late_days)

    if stage is Stage.IN_PROGRESS:
        at_vi, at_en = when_vi(end), when_en(end)
        if counted_end <= due:
            return verdict(
                Timeliness.IN_TIME,
                True,
                "IN_PROGRESS_IN_TIME",
                f"Đang giải quyết, còn trong hạn tại {at_vi}: {due_vi}{waits_vi}",
                f"in progress and within the deadline at {at_en}: {due_en}{waits_en}",
            )
        return verdict(
            Timeliness.OVERDUE,
            False,
            "IN_PROGRESS_OVERDUE",
            f"Đang giải quyết, quá hạn {by_vi} tại {at_vi}: {due_vi}{waits_vi}",
            f"in progress and overdue by {by_en} at {at_en}: {due_en}{waits_en}",
        )

    if stage is Stage.AWAITING_SUPPLEMENT:
        end_vi = f"chờ bổ sung từ {when_vi(end)} (tính kết thúc tại thời điểm yêu cầu)"
        end_en = f"awaiting a supplement requested {when_en(end)} (counted as ended at the request)"
    else:
        end_vi = f"kết thúc {when_vi(end)}"
        end_en = f"finished {when_en(end)}"

    if counted_end > due:
        return verdict(
            Timeliness.LATE,
            False,
            "LATE",
            f"Trễ hạn {by_vi}: {due_vi}, {end_vi}{waits_vi}",
            f"late by {by_en}: {due_en}, {end_en}{waits_en}",
        )
    if local_date(counted_end) < local_date(due):
        return verdict(
            Timeliness.EARLY,
            True,
            "EARLY",
            f"Trước hạn: {due_vi}, {end_vi}{waits_vi}",
            f"early: {due_en}, {end_en}{waits_en}",
        )
    return verdict(
        Timeliness.ON_TIME,
        True,
        "ON_TIME",
        f"Đúng hạn: {due_vi}, {end_vi}{waits_vi}",
        f"on time: {due_en}, {end_en}{waits_en}",
    )
