"""The parts of a case's state, as read-only values: its status, workflow stages, partner tasks,
consultations, verifications, obligations, pauses and the rows of the control sheet (form 06)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.enums import (
    ClockPauseReason,
    DvcqgStatus,
    Outcome,
    PaymentMethod,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)


class CaseState(StrEnum):
    """Where the case stands (domain.md §2.15, the states the competent agency owns)."""

    IN_PROCESSING = "IN_PROCESSING"
    AWAITING_SUPPLEMENT = "AWAITING_SUPPLEMENT"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    WITHDRAWAL_REQUESTED = "WITHDRAWAL_REQUESTED"
    STOPPED = "STOPPED"
    RESULT_READY = "RESULT_READY"

    @property
    def dvcqg_status(self) -> DvcqgStatus:
        return _DVCQG[self]

    @property
    def finished(self) -> bool:
        """Processing is over: stopped, or an outcome (approval or rejection) is ready to return."""
        return self in (CaseState.STOPPED, CaseState.RESULT_READY)


_DVCQG = {
    CaseState.IN_PROCESSING: DvcqgStatus.IN_PROCESSING,
    CaseState.AWAITING_SUPPLEMENT: DvcqgStatus.SUPPLEMENT_REQUESTED,
    CaseState.AWAITING_PAYMENT: DvcqgStatus.FINANCIAL_OBLIGATION_REQUESTED,
    CaseState.WITHDRAWAL_REQUESTED: DvcqgStatus.APPLICANT_WITHDREW,
    CaseState.STOPPED: DvcqgStatus.STOPPED,
    CaseState.RESULT_READY: DvcqgStatus.PROCESSED,
}


class Timeliness(StrEnum):
    """Whether the case keeps its due time (domain.md §2.15's derived attribute, without the contested EARLY)."""

    IN_TIME = "IN_TIME"  # pending, the due time not passed
    OVERDUE = "OVERDUE"  # pending, the due time passed
    ON_TIME = "ON_TIME"  # decided at or before the due time
    LATE = "LATE"  # decided after it


class InterAgencyMode(StrEnum):
    """How partner agencies receive the dossier (NĐ61 Art 19(6))."""

    NONE = "NONE"  # no partner agency in the workflow
    SEQUENTIAL = "SEQUENTIAL"  # paper dossier: agency after agency, each with a transfer slip
    PARALLEL = "PARALLEL"  # electronic dossier: every partner at once, the lead named


@dataclass(frozen=True)
class Stage:
    """A step of the workflow the case passes through in order: one of the lead agency's steps, or (for a
    paper dossier) one partner agency's task. ``index`` is the step's position in the workflow."""

    index: int
    kind: StepKind
    name: str
    partner: bool


@dataclass(frozen=True)
class CurrentStage:
    """The stage the case is at: when it became current and when its allotted time runs out."""

    position: int  # position in the case's stage list; == len(stages) once every stage is done
    started_at: datetime
    due_at: datetime | None


class TaskStatus(StrEnum):
    WAITING = "WAITING"  # not yet handed to the partner
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"


@dataclass(frozen=True)
class PartnerTask:
    """A partner agency's part of an inter-agency flow, with the deadline on its transfer slip."""

    step_index: int
    agency_code: str
    task: str
    order_index: int
    status: TaskStatus = TaskStatus.WAITING
    handed_off_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    outcome: StepOutcome | None = None


@dataclass(frozen=True)
class Consultation:
    consultation_id: str
    consulted_unit_code: str
    requested_at: datetime
    reply_due_at: datetime
    answered_at: datetime | None = None
    answer_ref: str | None = None

    @property
    def pending(self) -> bool:
        return self.answered_at is None


@dataclass(frozen=True)
class Verification:
    scheduled_at: datetime
    scheduled_for: datetime
    place: str
    completed_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.completed_at is None


@dataclass(frozen=True)
class SupplementRequest:
    request_no: int
    requested_at: datetime
    clock_policy: SupplementClockPolicy
    within_window: bool
    sector_law_exception: bool
    accepted_at: datetime | None = None


@dataclass(frozen=True)
class Obligation:
    """A financial obligation computed during processing (DVCQG status 6)."""

    obligation_id: str
    total_vnd: int
    requested_at: datetime
    allowed_methods: tuple[PaymentMethod, ...]
    payment_before_result: bool
    pause_id: str | None  # the clock pause it opened, if waiting for payment stops the clock
    paid_vnd: int = 0
    settled_at: datetime | None = None
    methods_used: tuple[PaymentMethod, ...] = ()

    @property
    def settled(self) -> bool:
        return self.settled_at is not None


@dataclass(frozen=True)
class Payment:
    """Money received for the dossier: an obligation, or fee lines of the receipt."""

    upstream_event_id: str
    obligation_id: str | None
    amount_vnd: int
    method: PaymentMethod
    paid_at: datetime

    @property
    def online_payment_code(self) -> int:
        """``DuocThanhToanTrucTuyen``: 0 not online, 1 national payment platform, 2 local gateway."""
        return int(self.method.online_payment_code)


@dataclass(frozen=True)
class OpenPause:
    pause_id: str
    reason: ClockPauseReason
    legal_basis: str
    paused_at: datetime


@dataclass(frozen=True)
class Decision:
    """The outcome of processing, or the stop."""

    outcome: Outcome | None  # None when processing was stopped
    at: datetime
    late: bool
    stop_cause: StopCause | None = None
    notice_no: str | None = None


@dataclass(frozen=True)
class ControlSheetRow:
    """One line of the processing-control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ, form 06):
    who handed the dossier to whom, when, by when it was due and whether the step was on time."""

    step: StepKind
    name: str
    from_unit_code: str
    to_unit_code: str
    handler_id: str | None
    started_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    outcome: StepOutcome | None
    note: str | None = None

    @property
    def on_time(self) -> bool | None:
        """True/False once the step is done and had a due time; None otherwise."""
        if self.completed_at is None or self.due_at is None:
            return None
        return self.completed_at <= self.due_at
