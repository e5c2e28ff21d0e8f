"""What the processing context tells people besides its events: deadline alerts and command warnings.

Neither is a public event: alerts are recorded on the case (so each is raised once) and read by the
processing API and notifiers; warnings come back with the command that caused them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.enums import StepKind


class AlertKind(StrEnum):
    DUE_SOON = "DUE_SOON"  # the dossier's due time is within the configured working hours
    OVERDUE = "OVERDUE"  # the dossier's due time has passed
    APOLOGY_WINDOW_CLOSING = "APOLOGY_WINDOW_CLOSING"  # the last moment for the form-04 apology is near
    STEP_OVERDUE = "STEP_OVERDUE"  # a workflow step or a partner agency's task is past its allotted time

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]


_LABELS_VI = {
    AlertKind.DUE_SOON: "Hồ sơ sắp đến hạn trả kết quả",
    AlertKind.OVERDUE: "Hồ sơ đã quá hạn giải quyết",
    AlertKind.APOLOGY_WINDOW_CLOSING: "Sắp hết thời hạn gửi phiếu xin lỗi, hẹn lại ngày trả kết quả",
    AlertKind.STEP_OVERDUE: "Bước xử lý đã quá thời gian được giao",
}


@dataclass(frozen=True)
class Alert:
    """One alert about one case. ``key`` identifies it: the same key is never raised twice, and a new due
    time (after an apology, a supplement or a pause) makes a new key."""

    kind: AlertKind
    key: str
    at: datetime  # when the watcher saw it
    due_at: datetime  # the due time the alert is about
    step: StepKind | None = None
    agency_code: str | None = None


@dataclass(frozen=True)
class Notice:
    """A warning that did not stop a command (the act was recorded and flagged)."""

    code: str
    message_vi: str
    message_en: str
