"""The Case aggregate: one dossier as the competent agency handles it (domain.md §2.5–2.8, §2.12, §2.15).

The case's id is the dossier id, so a dossier is opened once: a second case for the same dossier is a
second version 1 of the same aggregate, which the event store refuses. Every command checks all its guards
first and raises ``ProcessingRuleViolation`` naming the rule, and only then triggers events, so a refused
command records nothing. Events carry every value a command computed (due times, a stage's deadline, the
new clock start), so replaying a case needs neither the calendar nor the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import ValidationError

from contracts.enums import (
    Channel,
    ClockPauseReason,
    Outcome,
    PaymentMethod,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)
from contracts.envelope import Actor
from contracts.values import FeeLine, RequestedItem, ResultDocument
from processing import case_events as events
from processing.case_state import (
    CaseState,
    Consultation,
    ControlSheetRow,
    CurrentStage,
    Decision,
    InterAgencyMode,
    Obligation,
    OpenPause,
    PartnerTask,
    Payment,
    Stage,
    SupplementRequest,
    TaskStatus,
    Timeliness,
    Verification,
)
from processing.clock import business_time
from processing.errors import ProcessingRuleViolation, invalid, not_your_unit, refused
from processing.ledger import ClockLedger, DueRule, LedgerEntry
from processing.outbound import to_public
from processing.policy import LateAction, PaymentClock, ProcessingPolicy
from processing.ports import Deadlines
from processing.signals import Alert, Notice
from processing.workflow import TimeLimit, Workflow

RESTART_BASIS = "Nghị định 61/2018/NĐ-CP Điều 19 khoản 4: thời hạn tính lại từ đầu khi nhận đủ hồ sơ bổ sung"
RECEIPT_BASIS = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Nghị định 61/2018/NĐ-CP Điều 17)"

DECIDING_STATES = (CaseState.IN_PROCESSING,)
OPEN_STATES = (
    CaseState.IN_PROCESSING,
    CaseState.AWAITING_SUPPLEMENT,
    CaseState.AWAITING_PAYMENT,
    CaseState.WITHDRAWAL_REQUESTED,
)
AD_HOC_STEPS = (StepKind.VERIFICATION, StepKind.CONSULTATION)

# Refusal for a command the case's state does not allow: (rule, why in Vietnamese, why in English).
_STATE_RULES: dict[CaseState, tuple[str, str, str]] = {
    CaseState.STOPPED: ("CASE_STOPPED", "hồ sơ đã dừng xử lý", "processing of the dossier has stopped"),
    CaseState.RESULT_READY: (
        "CASE_DECIDED",
        "hồ sơ đã có kết quả giải quyết",
        "the dossier already has its outcome",
    ),
    CaseState.WITHDRAWAL_REQUESTED: (
        "WITHDRAWAL_PENDING",
        "công dân đã yêu cầu rút hồ sơ, chỉ còn được dừng xử lý",
        "the applicant asked to withdraw; the only thing left is to stop processing",
    ),
    CaseState.AWAITING_SUPPLEMENT: (
        "AWAITING_SUPPLEMENT",
        "hồ sơ đang chờ công dân bổ sung",
        "the dossier is waiting for the applicant's supplement",
    ),
    CaseState.AWAITING_PAYMENT: (
        "AWAITING_PAYMENT",
        "hồ sơ đang chờ thực hiện nghĩa vụ tài chính",
        "the dossier is waiting for a financial obligation to be paid",
    ),
    CaseState.IN_PROCESSING: ("IN_PROCESSING", "hồ sơ đang được xử lý", "the dossier is being processed"),
}


def _fmt(at: datetime) -> str:
    return business_time(at).strftime("%H:%M %d/%m/%Y")


@dataclass(frozen=True)
class Act:
    """Who acts, at what business time, in which flow; for an inbound event, the public event behind it.

    ``recorded_at`` (the producer's recording time, from the injectable clock) defaults to ``at``.
    """

    actor: Actor
    at: datetime
    correlation_id: UUID
    causation_id: UUID | None = None
    recorded_at: datetime | None = None
    upstream_event_id: UUID | None = None

    def envelope(self) -> dict[str, Any]:
        at = business_time(self.at)
        return {
            "timestamp": business_time(self.recorded_at) if self.recorded_at else at,
            "at": at,
            "actor_kind": self.actor.kind.value,
            "actor_id": self.actor.id,
            "actor_unit_code": self.actor.unit_code,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "upstream_event_id": self.upstream_event_id,
        }


@dataclass(frozen=True)
class _Planned:
    """An event a command decided to record, not yet applied."""

    event_class: type[events.CaseEvent]
    fields: dict[str, Any]


@dataclass(frozen=True)
class Digitisation:
    """A paper result document scanned and attached (E23a)."""

    document_code: str
    file_ref: str
    sha256: str
    digitally_signed: bool
    signer: str | None = None


@dataclass(frozen=True)
class DataStorePush:
    """A result file pushed to the applicant's data store on the national portal (E23b)."""

    document_code: str
    file_ref: str
    data_store_ref: str
    vneid_pushed: bool


class Case(Aggregate):
    """One dossier in the hands of the competent agency, from receipt to its outcome or stop."""

    # The events live in processing.case_events; the aggregate names them as eventsourcing expects.
    Event = events.CaseEvent
    Opened = events.Opened
    TransferRecorded = events.TransferRecorded
    HandlerAssigned = events.HandlerAssigned
    StepCompleted = events.StepCompleted
    VerificationScheduled = events.VerificationScheduled
    ConsultationRequested = events.ConsultationRequested
    ConsultationAnswered = events.ConsultationAnswered
    HandedOff = events.HandedOff
    PartnerTaskCompleted = events.PartnerTaskCompleted
    SupplementRequested = events.SupplementRequested
    SupplementAccepted = events.SupplementAccepted
    ObligationRequested = events.ObligationRequested
    PaymentRecorded = events.PaymentRecorded
    ClockPaused = events.ClockPaused
    ClockResumed = events.ClockResumed
    ApologyIssued = events.ApologyIssued
    DueDateCorrectionApplied = events.DueDateCorrectionApplied
    WithdrawalNoted = events.WithdrawalNoted
    Stopped = events.Stopped
    Rejected = events.Rejected
    ResultIssued = events.ResultIssued
    ResultDigitized = events.ResultDigitized
    ResultStored = events.ResultStored
    AlertRaised = events.AlertRaised

    # --- state --------------------------------------------------------------------------------------------

    def __init__(
        self,
        dossier_code: str,
        procedure_code: str,
        channel: str,
        receiving_unit_code: str,
        processing_unit_code: str,
        legal_receipt_at: datetime,
        clock_start_at: datetime,
        due_at: datetime,
        statutory_duration: dict[str, str],
        immediate_result: bool,
        fee_lines: list[dict[str, Any]],
        workflow: dict[str, Any],
        inter_agency_mode: str,
        first_stage_due_at: datetime | None,
        at: datetime,
        correlation_id: UUID,
    ) -> None:
        self.dossier_code = dossier_code
        self.correlation_id = correlation_id  # the flow the dossier's receipt started
        self.procedure_code = procedure_code
        self.channel = Channel(channel)
        self.receiving_unit_code = receiving_unit_code
        self.processing_unit_code = processing_unit_code
        # One calendar per case: the desk's, which made the promise on the receipt slip (ADR 0501).
        self.calendar_unit_code = receiving_unit_code
        self.legal_receipt_at = legal_receipt_at
        self.opened_at = at
        self.statutory_duration = TimeLimit.from_record(statutory_duration)
        self.immediate_result = immediate_result
        self.fee_lines = tuple(FeeLine.model_validate(line) for line in fee_lines)
        self.workflow = Workflow.from_record(workflow)
        self.inter_agency_mode = InterAgencyMode(inter_agency_mode)
        self.stages = _stages(self.workflow, self.inter_agency_mode)
        self.partner_tasks: dict[str, PartnerTask] = _partner_tasks(self.workflow, self.inter_agency_mode)
        self.state = CaseState.IN_PROCESSING
        self.current = CurrentStage(0, at, first_stage_due_at)
        self.completed_steps: set[int] = set()
        self.handlers: dict[int, str] = {}
        self.sheet: list[ControlSheetRow] = []
        self.ledger = ClockLedger.at_receipt(
            LedgerEntry(
                rule=DueRule.RECEIPT,
                at=at,
                previous_due_at=None,
                new_due_at=due_at,
                legal_basis=RECEIPT_BASIS,
                clock_start_at=clock_start_at,
            )
        )
        self.verifications: list[Verification] = []
        self.consultations: dict[str, Consultation] = {}
        self.consultation_step_done = False
        self.supplements: list[SupplementRequest] = []
        self.obligations: dict[str, Obligation] = {}
        self.payments: list[Payment] = []
        self.open_pause: OpenPause | None = None
        self.pause_ids: set[str] = set()
        self.extension_count = 0
        self.apology_late = False
        self.withdrawal_requested_at: datetime | None = None
        self.decision: Decision | None = None
        self.result_documents: list[str] = []
        self.digitised_results: dict[str, str] = {}
        self.stored_results: dict[str, str] = {}
        self.partial_results: list[str] = []
        self.raised_alerts: dict[str, Alert] = {}
        self.applied_upstream_ids: set[UUID] = set()
        self.published_count = 0

    # --- read side ----------------------------------------------------------------------------------------

    @property
    def clock(self) -> ClockLedger:
        return self.ledger

    @property
    def effective_due_at(self) -> datetime:
        return self.ledger.effective_due_at

    @property
    def original_due_at(self) -> datetime:
        return self.ledger.original_due_at

    @property
    def paused(self) -> bool:
        return self.open_pause is not None

    @property
    def supplement_count(self) -> int:
        return len(self.supplements)

    @property
    def current_stage(self) -> Stage | None:
        """The stage the case is at, or None once every stage of the workflow is done."""
        if self.current.position < len(self.stages):
            return self.stages[self.current.position]
        return None

    @property
    def steps_done(self) -> bool:
        return self.current.position >= len(self.stages)

    @property
    def control_sheet(self) -> tuple[ControlSheetRow, ...]:
        """Form 06, one row per handled step, in the order they were done."""
        return tuple(self.sheet)

    @property
    def late_for_766(self) -> bool:
        """A second post-receipt supplement request makes the dossier late for the 766 index."""
        return self.supplement_count > 1

    @property
    def open_obligation(self) -> Obligation | None:
        return next((o for o in self.obligations.values() if not o.settled), None)

    @property
    def lead_unit_codes(self) -> frozenset[str]:
        """The units that handle the case as the competent agency: the processing unit named at receipt and
        any unit the desk transferred the dossier to (E7), which may differ when it went to another agency."""
        transferred = (row.to_unit_code for row in self.sheet if row.step is StepKind.RECEIVE)
        return frozenset((self.processing_unit_code, *transferred))

    @property
    def involved_unit_codes(self) -> frozenset[str]:
        """Every unit with a part in the case: the lead, the receiving desk, partners and consulted bodies."""
        return (
            self.lead_unit_codes
            | {self.receiving_unit_code}
            | set(self.partner_tasks)
            | {c.consulted_unit_code for c in self.consultations.values()}
        )

    @property
    def supplement_request_late(self) -> bool:
        """A supplement request went out later than the window after receipt (flagged, not refused)."""
        return any(not request.within_window for request in self.supplements)

    def timeliness(self, now: datetime) -> Timeliness | None:
        """ON_TIME or LATE once decided; IN_TIME or OVERDUE while pending (at ``now``); None once stopped.

        A case whose clock is stopped is judged against the due time that applies now.
        """
        if self.decision is not None:
            if self.decision.outcome is None:
                return None
            return Timeliness.LATE if self.decision.late else Timeliness.ON_TIME
        return Timeliness.OVERDUE if business_time(now) > self.effective_due_at else Timeliness.IN_TIME

    def shift_stage_dues(self, stage_due_at: datetime | None, partner_due_at: dict[str, datetime]) -> None:
        """Install the stage and partner deadlines a clock change computed (used while applying events)."""
        self.current = replace(self.current, due_at=stage_due_at)
        for agency, due in partner_due_at.items():
            self.partner_tasks[agency] = replace(self.partner_tasks[agency], due_at=due)

    # --- opening ------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        dossier_id: UUID,
        act: Act,
        dossier_code: str,
        procedure_code: str,
        channel: Channel,
        receiving_unit_code: str,
        processing_unit_code: str,
        legal_receipt_at: datetime,
        clock_start_at: datetime,
        due_at: datetime,
        statutory_duration: TimeLimit,
        immediate_result: bool,
        fee_lines: Sequence[FeeLine],
        workflow: Workflow,
        deadlines: Deadlines,
        policy: ProcessingPolicy,
    ) -> Case:
        """Open the case of a dossier the desk received (DossierReceived, E5)."""
        problems = workflow.problems(lead_agency_code=processing_unit_code)
        if problems:
            raise invalid(
                "WORKFLOW_INVALID",
                f"Quy trình nội bộ của thủ tục {procedure_code} không dùng được: {'; '.join(problems)}.",
                f"The internal workflow of procedure {procedure_code} is unusable: {'; '.join(problems)}.",
                field="procedure_code",
            )
        if not workflow.partner_steps:
            mode = InterAgencyMode.NONE
        elif channel in policy.electronic_channels:
            mode = InterAgencyMode.PARALLEL
        else:
            mode = InterAgencyMode.SEQUENTIAL
        stages = _stages(workflow, mode)
        first_due: datetime | None = None
        if stages:
            # The desk's own share of the limit runs first; the first agency stage gets its share after it.
            handed_over = _after(
                deadlines, receiving_unit_code, clock_start_at, workflow.receive_step.allotted
            )
            first_due = _after(
                deadlines, receiving_unit_code, handed_over, workflow.steps[stages[0].index].allotted
            )
        return cls._create(
            cls.Opened,
            id=dossier_id,
            public_seq=None,
            **act.envelope(),
            dossier_code=dossier_code,
            procedure_code=procedure_code,
            channel=channel.value,
            receiving_unit_code=receiving_unit_code,
            processing_unit_code=processing_unit_code,
            legal_receipt_at=business_time(legal_receipt_at),
            clock_start_at=business_time(clock_start_at),
            due_at=business_time(due_at),
            statutory_duration=statutory_duration.to_record(),
            immediate_result=immediate_result,
            fee_lines=[line.model_dump(mode="json") for line in fee_lines],
            workflow=workflow.to_record(),
            inter_agency_mode=mode.value,
            first_stage_due_at=first_due,
        )

    # --- inbound facts from the desk ----------------------------------------------------------------------

    def record_transfer(
        self,
        act: Act,
        *,
        from_unit_code: str,
        to_unit_code: str,
        mode: str,
        transfer_slip_no: str | None,
        deadlines: Deadlines,
    ) -> None:
        """The desk transferred the dossier (E7): closes the RECEIVE row of the control sheet."""
        self._require((*OPEN_STATES, CaseState.RESULT_READY), "ghi nhận chuyển hồ sơ", "record the transfer")
        receive_due = _after(
            deadlines,
            self.calendar_unit_code,
            self.ledger.clock_start_at,
            self.workflow.receive_step.allotted,
        )
        self._trigger(
            self.TransferRecorded,
            act,
            from_unit_code=from_unit_code,
            to_unit_code=to_unit_code,
            mode=mode,
            transfer_slip_no=transfer_slip_no,
            receive_due_at=receive_due,
        )

    def note_withdrawal(self, act: Act, *, channel: Channel, reason: str | None) -> bool:
        """The applicant asked to withdraw (E19). Returns False when it was already noted."""
        if self.state is CaseState.WITHDRAWAL_REQUESTED:
            return False
        if self.state is CaseState.RESULT_READY:
            raise refused(
                "WITHDRAWAL_AFTER_RESULT",
                "Đã có kết quả giải quyết nên không thể rút hồ sơ; kết quả phải được trả cho công dân.",
                "The outcome is already issued, so the dossier cannot be withdrawn; the result must be returned.",
            )
        self._require(OPEN_STATES, "ghi nhận yêu cầu rút hồ sơ", "note the withdrawal request")
        self._trigger(
            self.WithdrawalNoted, act, channel=channel.value, reason=reason, previous_state=self.state.value
        )
        return True

    def apply_due_correction(
        self,
        act: Act,
        *,
        old_due_at: datetime,
        new_due_at: datetime,
        reason: str,
        approved_by: str,
        deadlines: Deadlines,
    ) -> bool:
        """The desk's audited correction of the receipt promise (E30). Returns False if it changes nothing.

        The corrected time becomes the recorded promise (form 06, the 766 original basis). The due time that
        applies follows it only while it still derives from the promise: it becomes the corrected promise
        shifted again by the excluded periods already added (pauses, §3.1). After an apology or a restarted
        clock the due time was set on other terms and stays (ADR 0512).
        """
        self._require((*OPEN_STATES, CaseState.RESULT_READY), "điều chỉnh thời hạn", "correct the due time")
        promise = business_time(new_due_at)
        due = self.effective_due_at
        shifts = self.ledger.shifts_since_promise()
        if shifts is not None:
            due = promise
            for waited_working in shifts:
                due = deadlines.add_working_time(self.calendar_unit_code, due, waited_working)
        if promise == self.original_due_at and due == self.effective_due_at:
            return False
        self._trigger(
            self.DueDateCorrectionApplied,
            act,
            stated_old_due_at=business_time(old_due_at),
            previous_due_at=self.effective_due_at,
            new_due_at=due,
            reason=reason,
            approved_by=approved_by,
            corrected_promise_at=promise,
        )
        return True

    # --- steps --------------------------------------------------------------------------------------------

    def assign_handler(
        self, act: Act, *, handler_id: str, department: str, unit_code: str | None = None
    ) -> None:
        """E8: the head of the agency assigns a handler to the current step (NĐ61 Art 19(1))."""
        self._require_unit(act, "phân công xử lý", "assign a handler")
        self._require(DECIDING_STATES, "phân công xử lý", "assign a handler")
        stage = self._current_lead_stage("phân công xử lý", "assign a handler")
        due = self.current.due_at
        self._trigger(
            self.HandlerAssigned,
            act,
            handler_id=handler_id,
            department=department,
            unit_code=unit_code or self.processing_unit_code,
            step=stage.kind.value,
            step_index=stage.index,
            step_due_at=due,
        )

    def complete_step(
        self,
        act: Act,
        *,
        step: StepKind,
        outcome: StepOutcome,
        deadlines: Deadlines,
        note: str | None = None,
        unit_code: str | None = None,
    ) -> None:
        """E9: a step of the lead agency is done with ``outcome``.

        SATISFACTORY and UNSATISFACTORY move the case to the next stage; NEEDS_SUPPLEMENT keeps it where it is
        (the supplement request follows); SENT_BACK returns it to the previous step. A VERIFICATION or
        CONSULTATION step that is not in the workflow is recorded on its own once the verification was
        scheduled or the consultation requested.
        """
        self._require_unit(act, "hoàn thành bước xử lý", "complete a step")
        self._require(DECIDING_STATES, "hoàn thành bước xử lý", "complete a step")
        if not self.handlers:
            raise refused(
                "HANDLER_NOT_ASSIGNED",
                "Chưa phân công người xử lý hồ sơ (Nghị định 61/2018/NĐ-CP Điều 19 khoản 1).",
                "No handler has been assigned to the dossier yet (Decree 61/2018 Art 19(1)).",
            )
        at = business_time(act.at)
        unit = unit_code or self.processing_unit_code
        stage = self.current_stage
        if step in AD_HOC_STEPS and (stage is None or stage.kind is not step):
            self._complete_ad_hoc_step(act, step, outcome, note, unit)
            return
        stage = self._current_lead_stage("hoàn thành bước xử lý", "complete a step")
        if stage.kind is not step:
            raise refused(
                "STEP_OUT_OF_ORDER",
                f"Bước hiện tại là {stage.kind.value} ({stage.name}), không phải {step.value}.",
                f"The current step is {stage.kind.value} ({stage.name}), not {step.value}.",
                field="step",
            )
        position = self.current.position
        if outcome is StepOutcome.NEEDS_SUPPLEMENT:
            next_position, next_due = position, self.current.due_at
        elif outcome is StepOutcome.SENT_BACK:
            if position == 0 or self.stages[position - 1].partner:
                raise refused(
                    "SEND_BACK_NOT_POSSIBLE",
                    "Không có bước xử lý trước đó của cơ quan chủ trì để trả lại.",
                    "There is no earlier step of the lead agency to send the dossier back to.",
                    field="outcome",
                )
            next_position = position - 1
            next_due = self._stage_due_from(deadlines, next_position, at)
        else:
            next_position = position + 1
            next_due = self._stage_due_from(deadlines, next_position, at)
        self._trigger(
            self.StepCompleted,
            act,
            step=step.value,
            step_index=stage.index,
            unit_code=unit,
            started_at=min(self.current.started_at, at),
            step_due_at=self.current.due_at,
            outcome=outcome.value,
            note=note,
            next_position=next_position,
            next_started_at=at if next_position != position else self.current.started_at,
            next_due_at=next_due,
        )

    def _complete_ad_hoc_step(
        self, act: Act, step: StepKind, outcome: StepOutcome, note: str | None, unit: str
    ) -> None:
        at = business_time(act.at)
        if step is StepKind.VERIFICATION:
            pending = [v for v in self.verifications if v.pending]
            if not pending:
                raise refused(
                    "VERIFICATION_NOT_SCHEDULED",
                    "Chưa có lịch xác minh nào đang chờ để hoàn thành.",
                    "No scheduled verification is waiting to be completed.",
                    field="step",
                )
            started_at, due_at = pending[0].scheduled_at, None
        else:
            if not self.consultations:
                raise refused(
                    "CONSULTATION_NOT_REQUESTED",
                    "Chưa gửi lấy ý kiến cơ quan nào.",
                    "No body has been consulted yet.",
                    field="step",
                )
            waiting = [c for c in self.consultations.values() if c.pending and c.reply_due_at > at]
            if waiting:
                raise refused(
                    "CONSULTATION_PENDING",
                    f"Còn chờ ý kiến của {waiting[0].consulted_unit_code} (hạn {_fmt(waiting[0].reply_due_at)}).",
                    f"Still waiting for {waiting[0].consulted_unit_code}'s opinion (due {_fmt(waiting[0].reply_due_at)}).",
                )
            started_at = min(c.requested_at for c in self.consultations.values())
            due_at = max(c.reply_due_at for c in self.consultations.values())
        self._trigger(
            self.StepCompleted,
            act,
            step=step.value,
            step_index=None,
            unit_code=unit,
            started_at=min(started_at, at),
            step_due_at=due_at,
            outcome=outcome.value,
            note=note,
            next_position=self.current.position,
            next_started_at=self.current.started_at,
            next_due_at=self.current.due_at,
        )

    def schedule_verification(
        self,
        act: Act,
        *,
        scheduled_for: datetime,
        place: str,
        participants: Sequence[str],
        content: str,
        applicant_presence_required: bool,
    ) -> None:
        """E10: an on-site verification; time, place, participants and content are recorded (Art 19(3))."""
        self._require_unit(act, "lên lịch xác minh", "schedule a verification")
        self._require(DECIDING_STATES, "lên lịch xác minh", "schedule a verification")
        _in_future(act, scheduled_for, "scheduled_for", "thời điểm xác minh", "the verification")
        if not participants or not all(p.strip() for p in participants):
            raise invalid(
                "PARTICIPANTS_REQUIRED",
                "Phải ghi thành phần tham gia xác minh.",
                "A verification names its participants.",
                field="participants",
            )
        self._trigger(
            self.VerificationScheduled,
            act,
            scheduled_for=business_time(scheduled_for),
            place=place,
            participants=list(participants),
            content=content,
            applicant_presence_required=applicant_presence_required,
        )

    def request_consultation(
        self,
        act: Act,
        *,
        consultation_id: str,
        consulted_unit_code: str,
        question: str,
        reply_due_at: datetime,
    ) -> None:
        """E11a: ask another body for its opinion by a deadline (Art 19(5))."""
        self._require_unit(act, "lấy ý kiến", "request a consultation")
        self._require(DECIDING_STATES, "lấy ý kiến", "request a consultation")
        if consultation_id in self.consultations:
            raise refused(
                "CONSULTATION_DUPLICATE",
                f"Mã lấy ý kiến {consultation_id} đã được dùng cho hồ sơ này.",
                f"Consultation id {consultation_id} is already used on this dossier.",
                field="consultation_id",
            )
        _in_future(act, reply_due_at, "reply_due_at", "hạn trả lời", "the reply deadline")
        self._trigger(
            self.ConsultationRequested,
            act,
            consultation_id=consultation_id,
            consulted_unit_code=consulted_unit_code,
            question=question,
            reply_due_at=business_time(reply_due_at),
        )

    def record_consultation_answer(
        self, act: Act, *, consultation_id: str, answer_ref: str, summary: str | None = None
    ) -> None:
        """E11b: the consulted body's answer arrived; the lead records it, or the consulted body itself."""
        asked = self.consultations.get(consultation_id)
        self._require_unit(
            act,
            "ghi nhận ý kiến",
            "record a consultation answer",
            also=(asked.consulted_unit_code,) if asked else (),
        )
        self._require(OPEN_STATES, "ghi nhận ý kiến", "record a consultation answer")
        consultation = self.consultations.get(consultation_id)
        if consultation is None:
            raise invalid(
                "CONSULTATION_UNKNOWN",
                f"Không có yêu cầu lấy ý kiến {consultation_id}.",
                f"There is no consultation {consultation_id}.",
                field="consultation_id",
            )
        if not consultation.pending:
            raise refused(
                "CONSULTATION_ALREADY_ANSWERED",
                f"Ý kiến {consultation_id} đã được ghi nhận.",
                f"Consultation {consultation_id} is already answered.",
                field="consultation_id",
            )
        self._trigger(
            self.ConsultationAnswered,
            act,
            consultation_id=consultation_id,
            consulted_unit_code=consultation.consulted_unit_code,
            answer_ref=answer_ref,
            summary=summary,
        )

    # --- inter-agency flows -------------------------------------------------------------------------------

    def hand_off_to_partners(
        self, act: Act, *, deadlines: Deadlines, transfer_slip_no: str | None = None
    ) -> list[str]:
        """E12: send the dossier to partner agencies with each one's task and deadline.

        Electronic dossier (PARALLEL): every partner at once, any time before the decision. Paper dossier
        (SEQUENTIAL): the partner whose turn it is, when the case reaches its stage. Returns the agencies.
        """
        self._require_unit(act, "chuyển liên thông", "hand off to partner agencies")
        self._require(DECIDING_STATES, "chuyển liên thông", "hand off to partner agencies")
        at = business_time(act.at)
        if self.inter_agency_mode is InterAgencyMode.NONE:
            raise refused(
                "NOT_INTER_AGENCY",
                f"Thủ tục {self.procedure_code} không có cơ quan phối hợp liên thông.",
                f"Procedure {self.procedure_code} has no partner agency.",
            )
        if self.inter_agency_mode is InterAgencyMode.PARALLEL:
            targets = list(self.partner_tasks.values())
            if any(task.status is not TaskStatus.WAITING for task in targets):
                raise refused(
                    "PARTNERS_ALREADY_HANDED_OFF",
                    "Hồ sơ điện tử đã được chuyển đồng thời cho các cơ quan phối hợp.",
                    "The electronic dossier was already sent to every partner agency.",
                )
        else:
            stage = self.current_stage
            task = self._task_at(stage)
            if task is None or task.status is not TaskStatus.WAITING:
                where = f"{stage.kind.value} ({stage.name})" if stage else "đã xong các bước"
                raise refused(
                    "PARTNER_NOT_NEXT",
                    f"Chưa đến lượt chuyển cho cơ quan phối hợp; bước hiện tại: {where}.",
                    f"It is not a partner agency's turn; the current step is {where}.",
                )
            targets = [task]
        parallel = self.inter_agency_mode is InterAgencyMode.PARALLEL
        self._record(
            *(
                self._plan(
                    self.HandedOff,
                    act,
                    from_agency_code=self.processing_unit_code,
                    to_agency_code=task.agency_code,
                    lead_agency_code=self.processing_unit_code,
                    order_index=task.order_index,
                    parallel=parallel,
                    task=task.task,
                    step_due_at=self._partner_due(deadlines, task, at),
                    transfer_slip_no=transfer_slip_no,
                    partial_result_refs=[],
                )
                for task in targets
            )
        )
        return [task.agency_code for task in targets]

    def complete_partner_task(
        self,
        act: Act,
        *,
        agency_code: str,
        outcome: StepOutcome,
        deadlines: Deadlines,
        note: str | None = None,
        partial_result_refs: Sequence[str] = (),
        transfer_slip_no: str | None = None,
        policy: ProcessingPolicy | None = None,
    ) -> None:
        """A partner agency finished its task. In a paper flow a satisfactory result goes on, with its
        transfer slip, to the next partner; after the last one the dossier is back with the lead.

        A partner records its own task only; the lead may record a partner's answer when the policy says so.
        """
        by_lead = (policy or ProcessingPolicy()).partner_answers_by_lead
        self._require_unit(
            act,
            f"ghi nhận kết quả của cơ quan phối hợp {agency_code}",
            f"record partner agency {agency_code}'s result",
            lead=by_lead,
            also=(agency_code,) if agency_code in self.partner_tasks else (),
        )
        self._require(DECIDING_STATES, "ghi nhận kết quả của cơ quan phối hợp", "record a partner's result")
        at = business_time(act.at)
        task = self.partner_tasks.get(agency_code)
        if task is None:
            raise invalid(
                "PARTNER_UNKNOWN",
                f"{agency_code} không phải cơ quan phối hợp của thủ tục {self.procedure_code}.",
                f"{agency_code} is not a partner agency of procedure {self.procedure_code}.",
                field="agency_code",
            )
        if task.status is not TaskStatus.IN_PROGRESS:
            raise refused(
                "PARTNER_TASK_NOT_IN_PROGRESS",
                f"Cơ quan {agency_code} chưa nhận hồ sơ hoặc đã trả kết quả.",
                f"Agency {agency_code} has not received the dossier or has already answered.",
                field="agency_code",
            )
        if outcome not in (StepOutcome.SATISFACTORY, StepOutcome.UNSATISFACTORY):
            raise invalid(
                "PARTNER_OUTCOME_INVALID",
                "Kết quả của cơ quan phối hợp là đạt hoặc không đạt.",
                "A partner agency's outcome is SATISFACTORY or UNSATISFACTORY.",
                field="outcome",
            )
        next_position: int | None = None
        next_due: datetime | None = None
        forward_to: PartnerTask | None = None
        if self.inter_agency_mode is InterAgencyMode.SEQUENTIAL:
            next_position = self.current.position + 1
            next_due = self._stage_due_from(deadlines, next_position, at)
            following = self._task_at(
                self.stages[next_position] if next_position < len(self.stages) else None
            )
            if following is not None and outcome is StepOutcome.SATISFACTORY:
                forward_to = following
        plans = [
            self._plan(
                self.PartnerTaskCompleted,
                act,
                agency_code=agency_code,
                step_index=task.step_index,
                started_at=min(task.handed_off_at or at, at),
                step_due_at=task.due_at,
                outcome=outcome.value,
                note=note,
                partial_result_refs=list(partial_result_refs),
                next_position=next_position,
                next_started_at=at if next_position is not None else None,
                next_due_at=next_due,
            )
        ]
        if forward_to is not None:
            plans.append(
                self._plan(
                    self.HandedOff,
                    act,
                    from_agency_code=agency_code,
                    to_agency_code=forward_to.agency_code,
                    lead_agency_code=self.processing_unit_code,
                    order_index=forward_to.order_index,
                    parallel=False,
                    task=forward_to.task,
                    step_due_at=self._partner_due(deadlines, forward_to, at),
                    transfer_slip_no=transfer_slip_no,
                    partial_result_refs=list(partial_result_refs),
                )
            )
        self._record(*plans)

    # --- supplements --------------------------------------------------------------------------------------

    def request_supplement(
        self,
        act: Act,
        *,
        reasons: str,
        items: Sequence[RequestedItem],
        deadlines: Deadlines,
        policy: ProcessingPolicy,
        one_stop_unit_code: str | None = None,
        sector_law_exception: bool = False,
        exception_legal_basis: str | None = None,
    ) -> list[Notice]:
        """E13: ask, through the desk that received the dossier, for a supplement after receipt (form 02).

        Once only (NĐ61 Art 19(4)): a second request needs an explicit sector-law exception citing its basis,
        and makes the dossier late for the 766 index. Sent later than the window after receipt: flagged.
        """
        self._require_unit(act, "yêu cầu bổ sung hồ sơ", "request a supplement")
        self._require(DECIDING_STATES, "yêu cầu bổ sung hồ sơ", "request a supplement")
        at = business_time(act.at)
        if self.supplements and not sector_law_exception:
            raise refused(
                "SUPPLEMENT_ONCE",
                "Chỉ được yêu cầu bổ sung hồ sơ một lần; lần tiếp theo phải có căn cứ ngoại lệ của luật chuyên ngành.",
                "A supplement may be requested once; another request needs an explicit sector-law exception.",
                field="sector_law_exception",
            )
        if sector_law_exception and not (exception_legal_basis or "").strip():
            raise invalid(
                "SUPPLEMENT_EXCEPTION_WITHOUT_BASIS",
                "Ngoại lệ của luật chuyên ngành phải nêu căn cứ pháp lý.",
                "A sector-law exception cites its legal basis.",
                field="exception_legal_basis",
            )
        if one_stop_unit_code is not None and one_stop_unit_code != self.receiving_unit_code:
            raise refused(
                "SUPPLEMENT_NOT_VIA_ONE_STOP",
                f"Yêu cầu bổ sung phải gửi qua Bộ phận Một cửa đã tiếp nhận hồ sơ ({self.receiving_unit_code}).",
                f"A supplement request goes through the desk that received the dossier ({self.receiving_unit_code}).",
                field="one_stop_unit_code",
            )
        if self.open_pause is not None:
            raise self._pause_open("yêu cầu bổ sung", "request a supplement")
        if not items:
            raise invalid(
                "SUPPLEMENT_ITEMS_REQUIRED",
                "Phải nêu rõ thành phần hồ sơ cần bổ sung.",
                "A supplement request names the items to supplement.",
                field="items",
            )
        working_days = deadlines.working_days_between(
            self.calendar_unit_code, business_time(self.legal_receipt_at).date(), at.date()
        )
        within = working_days <= policy.supplement_request_working_days
        request_no = len(self.supplements) + 1
        self._trigger(
            self.SupplementRequested,
            act,
            request_no=request_no,
            reasons=reasons,
            items=[item.model_dump(mode="json") for item in items],
            one_stop_unit_code=self.receiving_unit_code,
            within_window=within,
            clock_policy=self.workflow.supplement_clock_policy.value,
            sector_law_exception=sector_law_exception,
            exception_legal_basis=exception_legal_basis if sector_law_exception else None,
        )
        notices = []
        if not within:
            notices.append(
                Notice(
                    "SUPPLEMENT_REQUEST_LATE",
                    f"Yêu cầu bổ sung gửi sau {working_days} ngày làm việc kể từ khi tiếp nhận "
                    f"(quy định: trong {policy.supplement_request_working_days} ngày).",
                    f"The supplement request was sent {working_days} working days after receipt "
                    f"(the rule is within {policy.supplement_request_working_days}).",
                )
            )
        if request_no > 1:
            notices.append(
                Notice(
                    "SUPPLEMENT_REPEATED",
                    "Yêu cầu bổ sung lần thứ hai: hồ sơ bị tính là trễ hạn theo Bộ chỉ số 766.",
                    "A second supplement request: the dossier counts as late for the 766 index.",
                )
            )
        return notices

    def accept_supplement(self, act: Act, *, request_no: int, deadlines: Deadlines) -> None:
        """E15: the applicant handed in the supplement (E14); the clock restarts or resumes.

        RESTART (NĐ61 Art 19(4)): the statutory limit runs again from the acceptance, with the procedure's
        receipt cut-off. PAUSE: the due time and the clock start move by the office time of the wait.
        """
        if self.state is not CaseState.AWAITING_SUPPLEMENT:
            if self.state is CaseState.IN_PROCESSING:
                raise self._supplement_not_requested(request_no)
            self._require((CaseState.AWAITING_SUPPLEMENT,), "nhận hồ sơ bổ sung", "accept a supplement")
        request = self.supplements[-1]
        if request.request_no != request_no:
            raise self._supplement_not_requested(request_no)
        accepted_at = max(business_time(act.at), request.requested_at)
        unit = self.calendar_unit_code
        waited = accepted_at - request.requested_at
        waited_working = deadlines.working_time_between(unit, request.requested_at, accepted_at)
        previous_due = self.effective_due_at
        if request.clock_policy is SupplementClockPolicy.RESTART:
            restarted = deadlines.deadline(
                unit, self.statutory_duration, accepted_at, cutoff=self.workflow.receipt_cutoff
            )
            new_start, new_due = restarted.clock_start_at, restarted.due_at
            stage_due = self._stage_due_from(deadlines, self.current.position, new_start)
            partner_due = {
                code: _after(deadlines, unit, new_start, self.workflow.steps[task.step_index].allotted)
                for code, task in self.partner_tasks.items()
                if task.status is TaskStatus.IN_PROGRESS
            }
            basis = RESTART_BASIS
        else:
            new_start = deadlines.add_working_time(unit, self.ledger.clock_start_at, waited_working)
            new_due = deadlines.add_working_time(unit, previous_due, waited_working)
            stage_due, partner_due = self._shifted_stage_dues(deadlines, waited_working)
            basis = self.workflow.basis_text
        self._trigger(
            self.SupplementAccepted,
            replace(act, at=accepted_at),
            request_no=request_no,
            clock_policy=request.clock_policy.value,
            new_clock_start_at=new_start,
            previous_due_at=previous_due,
            new_due_at=new_due,
            waited=waited,
            waited_working=waited_working,
            legal_basis=basis,
            stage_due_at=stage_due,
            partner_due_at=partner_due,
        )

    def _supplement_not_requested(self, request_no: int) -> ProcessingRuleViolation:
        return refused(
            "SUPPLEMENT_NOT_REQUESTED",
            f"Không có yêu cầu bổ sung số {request_no} đang chờ.",
            f"No supplement request no. {request_no} is waiting.",
            field="request_no",
        )

    # --- financial obligations ----------------------------------------------------------------------------

    def request_financial_obligation(
        self,
        act: Act,
        *,
        obligation_id: str,
        lines: Sequence[FeeLine],
        allowed_methods: Sequence[PaymentMethod],
        policy: ProcessingPolicy,
        pay_by: datetime | None = None,
        payment_before_result: bool = True,
    ) -> None:
        """E16: ask the applicant to pay a financial obligation (DVCQG 6).

        When payment must precede the result, the case waits (AWAITING_PAYMENT) and, where the procedure or
        the policy excludes that wait from the limit, the clock pauses until the obligation is settled.
        """
        self._require_unit(act, "yêu cầu thực hiện nghĩa vụ tài chính", "request a financial obligation")
        self._require(
            DECIDING_STATES, "yêu cầu thực hiện nghĩa vụ tài chính", "request a financial obligation"
        )
        if obligation_id in self.obligations:
            raise refused(
                "OBLIGATION_ID_USED",
                f"Mã nghĩa vụ tài chính {obligation_id} đã được dùng.",
                f"Obligation id {obligation_id} is already used.",
                field="obligation_id",
            )
        if self.open_obligation is not None:
            raise refused(
                "OBLIGATION_ALREADY_OPEN",
                f"Nghĩa vụ tài chính {self.open_obligation.obligation_id} chưa được thanh toán xong.",
                f"Financial obligation {self.open_obligation.obligation_id} is not settled yet.",
            )
        if not lines or sum(line.amount_vnd for line in lines) <= 0:
            raise invalid(
                "OBLIGATION_EMPTY",
                "Nghĩa vụ tài chính phải có ít nhất một khoản với số tiền lớn hơn 0.",
                "A financial obligation has at least one line and a total above 0.",
                field="lines",
            )
        if not allowed_methods or len(set(allowed_methods)) != len(allowed_methods):
            raise invalid(
                "PAYMENT_METHODS_INVALID",
                "Phải nêu các hình thức thanh toán, mỗi hình thức một lần.",
                "List the allowed payment methods, each once.",
                field="allowed_methods",
            )
        if pay_by is not None:
            _in_future(act, pay_by, "pay_by", "hạn nộp", "the payment deadline")
        stops_clock = (
            payment_before_result
            and self.open_pause is None
            and (
                policy.payment_clock is PaymentClock.ALWAYS
                or (
                    policy.payment_clock is PaymentClock.PER_PROCEDURE
                    and ClockPauseReason.FINANCIAL_OBLIGATION in self.workflow.clock_exclusions
                )
            )
        )
        pause_id = f"{obligation_id}:payment" if stops_clock else None
        plans = [
            self._plan(
                self.ObligationRequested,
                act,
                obligation_id=obligation_id,
                lines=[line.model_dump(mode="json") for line in lines],
                pay_by=business_time(pay_by) if pay_by else None,
                allowed_methods=[method.value for method in allowed_methods],
                payment_before_result=payment_before_result,
                pause_id=pause_id,
            )
        ]
        if pause_id is not None:
            plans.append(
                self._plan(
                    self.ClockPaused,
                    act,
                    pause_id=pause_id,
                    reason=ClockPauseReason.FINANCIAL_OBLIGATION.value,
                    legal_basis=self.workflow.basis_text,
                )
            )
        self._record(*plans)

    def record_payment(
        self,
        act: Act,
        *,
        obligation_id: str | None,
        amount_vnd: int,
        method: PaymentMethod,
        transaction_ref: str | None,
        receipt_no: str | None,
        deadlines: Deadlines,
    ) -> None:
        """E17 seen by processing: money for an open obligation, or for the fee lines of the receipt."""
        if self.state is CaseState.STOPPED:
            self._require((), "ghi nhận thanh toán", "record a payment")
        if obligation_id is None:
            if not self.fee_lines:
                raise self._payment_matches_nothing(
                    "khoản phí, lệ phí khi tiếp nhận", "receipt-time fee line"
                )
            settles = False
        else:
            obligation = self.obligations.get(obligation_id)
            if obligation is None or obligation.settled:
                raise self._payment_matches_nothing(
                    f"nghĩa vụ tài chính {obligation_id} đang chờ", f"open obligation {obligation_id}"
                )
            settles = obligation.paid_vnd + amount_vnd >= obligation.total_vnd
        plans = [
            self._plan(
                self.PaymentRecorded,
                act,
                obligation_id=obligation_id,
                amount_vnd=amount_vnd,
                method=method.value,
                transaction_ref=transaction_ref,
                receipt_no=receipt_no,
                settles=settles,
            )
        ]
        pause = self.open_pause
        if settles and obligation_id is not None and pause is not None:
            if pause.pause_id == self.obligations[obligation_id].pause_id:
                plans.append(self._resumption(act, pause, deadlines))
        self._record(*plans)

    def _payment_matches_nothing(self, what_vi: str, what_en: str) -> ProcessingRuleViolation:
        return refused(
            "PAYMENT_MATCHES_NOTHING",
            f"Khoản thanh toán không khớp {what_vi} nào của hồ sơ.",
            f"The payment matches no {what_en} of the dossier.",
            field="obligation_id",
        )

    # --- clock pauses and the apology ---------------------------------------------------------------------

    def pause_clock(self, act: Act, *, pause_id: str, reason: ClockPauseReason, legal_basis: str) -> None:
        """E29a: a period the sector law excludes from the limit begins (public posting, expert appraisal …)."""
        self._require_unit(act, "tạm dừng tính thời gian", "pause the clock")
        self._require(DECIDING_STATES, "tạm dừng tính thời gian", "pause the clock")
        if not legal_basis.strip():
            raise invalid(
                "PAUSE_WITHOUT_LEGAL_BASIS",
                "Tạm dừng tính thời gian phải nêu căn cứ pháp lý.",
                "A clock pause cites its legal basis.",
                field="legal_basis",
            )
        if self.open_pause is not None:
            raise refused(
                "PAUSE_ALREADY_OPEN",
                f"Đang tạm dừng tính thời gian ({self.open_pause.pause_id}); chỉ được mở một lần tạm dừng.",
                f"The clock is already paused ({self.open_pause.pause_id}); only one pause may be open.",
            )
        if reason not in self.workflow.clock_exclusions and reason is not ClockPauseReason.OTHER_LEGAL:
            raise refused(
                "PAUSE_REASON_NOT_ALLOWED",
                f"Thủ tục {self.procedure_code} không loại trừ thời gian {reason.value} khỏi thời hạn.",
                f"Procedure {self.procedure_code} does not exclude {reason.value} time from its limit.",
                field="reason",
            )
        if pause_id in self.pause_ids:
            raise refused(
                "PAUSE_ID_USED",
                f"Mã tạm dừng {pause_id} đã được dùng.",
                f"Pause id {pause_id} is already used.",
                field="pause_id",
            )
        self._trigger(self.ClockPaused, act, pause_id=pause_id, reason=reason.value, legal_basis=legal_basis)

    def resume_clock(self, act: Act, *, pause_id: str, deadlines: Deadlines) -> None:
        """E29b: the excluded period ends; the due time moves by its office time."""
        self._require_unit(act, "tiếp tục tính thời gian", "resume the clock")
        self._require(DECIDING_STATES, "tiếp tục tính thời gian", "resume the clock")
        pause = self.open_pause
        if pause is None or pause.pause_id != pause_id:
            raise refused(
                "NO_OPEN_PAUSE",
                f"Không có lần tạm dừng {pause_id} đang mở.",
                f"No pause {pause_id} is open.",
                field="pause_id",
            )
        if business_time(act.at) < pause.paused_at:
            raise invalid(
                "RESUME_BEFORE_PAUSE",
                "Thời điểm tiếp tục không được trước thời điểm tạm dừng.",
                "A pause cannot end before it began.",
            )
        self._record(self._resumption(act, pause, deadlines))

    def _resumption(self, act: Act, pause: OpenPause, deadlines: Deadlines) -> _Planned:
        at = max(business_time(act.at), pause.paused_at)
        unit = self.calendar_unit_code
        waited_working = deadlines.working_time_between(unit, pause.paused_at, at)
        stage_due, partner_due = self._shifted_stage_dues(deadlines, waited_working)
        return self._plan(
            self.ClockResumed,
            replace(act, at=at),
            pause_id=pause.pause_id,
            reason=pause.reason.value,
            paused_at=pause.paused_at,
            previous_due_at=self.effective_due_at,
            new_effective_due_at=deadlines.add_working_time(unit, self.effective_due_at, waited_working),
            waited=at - pause.paused_at,
            waited_working=waited_working,
            legal_basis=pause.legal_basis,
            stage_due_at=stage_due,
            partner_due_at=partner_due,
        )

    def issue_apology(
        self,
        act: Act,
        *,
        reason: str,
        new_due_at: datetime,
        deadlines: Deadlines,
        policy: ProcessingPolicy,
        letter_no: str | None = None,
    ) -> list[Notice]:
        """E18: apologise and give a new return date (form 04) — once, later than the current due time, and
        no later than one working day before it (later ones are flagged, or refused by policy)."""
        self._require_unit(act, "xin lỗi và hẹn lại ngày trả", "issue a delay apology")
        if self.state.finished:
            raise refused(
                "APOLOGY_AFTER_FINISH",
                "Hồ sơ đã kết thúc xử lý; không thể hẹn lại ngày trả kết quả.",
                "Processing is finished; the return date cannot be rescheduled.",
            )
        self._require(DECIDING_STATES, "xin lỗi và hẹn lại ngày trả", "issue a delay apology")
        at = business_time(act.at)
        if self.extension_count >= 1:
            raise refused(
                "APOLOGY_ONCE",
                "Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần.",
                "The return date may be rescheduled only once.",
            )
        due = self.effective_due_at
        if business_time(new_due_at) <= due:
            raise refused(
                "APOLOGY_NEW_DATE_NOT_LATER",
                f"Ngày hẹn mới phải sau ngày hẹn hiện tại ({_fmt(due)}).",
                f"The new return date must be after the current one ({_fmt(due)}).",
                field="new_due_at",
            )
        if self.open_pause is not None:
            raise self._pause_open("hẹn lại ngày trả", "reschedule")
        latest = deadlines.one_working_day_before(self.calendar_unit_code, due)
        late = at > latest
        if late and policy.late_apology is LateAction.REFUSE:
            raise refused(
                "APOLOGY_LATE",
                f"Phiếu xin lỗi phải gửi chậm nhất 01 ngày làm việc trước hạn, tức {_fmt(latest)}.",
                f"The apology is due at least one working day before the due time, i.e. by {_fmt(latest)}.",
            )
        self._trigger(
            self.ApologyIssued,
            act,
            reason=reason,
            letter_no=letter_no,
            previous_due_at=due,
            new_due_at=business_time(new_due_at),
            issued_late=late,
            latest_at=latest,
        )
        if not late:
            return []
        return [
            Notice(
                "APOLOGY_LATE",
                f"Phiếu xin lỗi gửi sau thời hạn {_fmt(latest)} (01 ngày làm việc trước hạn trả).",
                f"The apology was issued after {_fmt(latest)} (one working day before the due time).",
            )
        ]

    # --- outcome ------------------------------------------------------------------------------------------

    def stop(
        self,
        act: Act,
        *,
        cause: StopCause,
        notice_no: str,
        reason: str | None = None,
        legal_basis: str | None = None,
    ) -> None:
        """E20: stop processing (form 05) after a withdrawal request, on a legal ground, or because the
        supplement never came."""
        self._require_unit(act, "dừng xử lý", "stop processing")
        self._require(OPEN_STATES, "dừng xử lý", "stop processing")
        if cause is StopCause.APPLICANT_WITHDRAWAL and self.state is not CaseState.WITHDRAWAL_REQUESTED:
            raise refused(
                "STOP_WITHOUT_WITHDRAWAL_REQUEST",
                "Chưa có yêu cầu rút hồ sơ của công dân.",
                "The applicant has not asked to withdraw the dossier.",
                field="cause",
            )
        if cause is StopCause.SUPPLEMENT_TIMEOUT and self.state is not CaseState.AWAITING_SUPPLEMENT:
            raise refused(
                "STOP_TIMEOUT_WITHOUT_SUPPLEMENT_REQUEST",
                "Hồ sơ không ở trạng thái chờ bổ sung.",
                "The dossier is not waiting for a supplement.",
                field="cause",
            )
        if cause in (StopCause.LEGAL_GROUND, StopCause.OTHER) and not (reason or "").strip():
            raise invalid(
                "STOP_REASON_REQUIRED",
                "Dừng xử lý theo căn cứ pháp lý phải nêu lý do.",
                "A stop on a legal ground gives its reason.",
                field="reason",
            )
        if not notice_no.strip():
            raise invalid(
                "NOTICE_NO_REQUIRED",
                "Phải có số thông báo dừng giải quyết hồ sơ (mẫu 05).",
                "The stop notice (form 05) has a number.",
                field="notice_no",
            )
        self._trigger(
            self.Stopped, act, cause=cause.value, notice_no=notice_no, reason=reason, legal_basis=legal_basis
        )

    def reject(
        self, act: Act, *, reasons: str, legal_basis: str, notice_no: str, policy: ProcessingPolicy
    ) -> list[Notice]:
        """E21: reject after appraisal, with reasons (Phiếu từ chối giải quyết), within the limit — a later
        rejection is flagged (or refused by policy)."""
        self._require_unit(act, "từ chối giải quyết", "reject the dossier")
        self._require_undecided()
        self._require(DECIDING_STATES, "từ chối giải quyết", "reject the dossier")
        at = business_time(act.at)
        self._require_clock_running()
        in_flight = [t.agency_code for t in self.partner_tasks.values() if t.status is TaskStatus.IN_PROGRESS]
        if in_flight:
            raise self._lead_before_partners(in_flight)
        appraisals = {i for i, s in enumerate(self.workflow.steps) if s.kind is StepKind.APPRAISAL}
        if appraisals and not appraisals & self.completed_steps:
            raise refused(
                "REJECTION_BEFORE_APPRAISAL",
                "Chỉ từ chối giải quyết sau khi đã thẩm định hồ sơ (Nghị định 61/2018/NĐ-CP Điều 19 khoản 8).",
                "A dossier is rejected after its appraisal (Decree 61/2018 Art 19(8)).",
            )
        if not reasons.strip() or not legal_basis.strip() or not notice_no.strip():
            raise invalid(
                "REJECTION_INCOMPLETE",
                "Phiếu từ chối phải nêu lý do, căn cứ pháp lý và số phiếu.",
                "A rejection gives its reasons, legal basis and notice number.",
            )
        due = self.effective_due_at
        late = at > due
        if late and policy.late_rejection is LateAction.REFUSE:
            raise refused(
                "REJECTION_LATE",
                f"Đã quá thời hạn giải quyết ({_fmt(due)}).",
                f"The handling time limit ({_fmt(due)}) has passed.",
            )
        self._trigger(
            self.Rejected,
            act,
            reasons=reasons,
            legal_basis=legal_basis,
            notice_no=notice_no,
            due_at=due,
            late=late,
        )
        return [_late_notice("REJECTION_LATE", due)] if late else []

    def issue_result(
        self,
        act: Act,
        *,
        documents: Sequence[ResultDocument],
        e_result: bool,
        digitised: Sequence[Digitisation] = (),
        pushed: Sequence[DataStorePush] = (),
    ) -> list[Notice]:
        """E22 (+ E23): issue the result once every required step — the lead's and the partners' — is done
        and, if payment must come first, the obligation is settled."""
        self._require_unit(act, "trả kết quả giải quyết", "issue the result")
        self._require_undecided()
        if self.state is CaseState.AWAITING_PAYMENT:
            raise self._fees_not_settled()
        self._require(DECIDING_STATES, "trả kết quả giải quyết", "issue the result")
        at = business_time(act.at)
        self._require_clock_running()
        not_done = [t.agency_code for t in self.partner_tasks.values() if t.status is not TaskStatus.DONE]
        if not_done:
            raise self._lead_before_partners(not_done)
        stage = self.current_stage
        if stage is not None:
            raise refused(
                "MANDATORY_STEPS_PENDING",
                f"Chưa hoàn thành bước {stage.kind.value} ({stage.name}) của quy trình.",
                f"Step {stage.kind.value} ({stage.name}) of the workflow is not done.",
            )
        if any(v.pending for v in self.verifications):
            raise refused(
                "VERIFICATION_PENDING",
                "Còn lịch xác minh chưa hoàn thành.",
                "A scheduled verification is not completed.",
            )
        waiting = [c for c in self.consultations.values() if c.pending and c.reply_due_at > at]
        if waiting:
            raise refused(
                "CONSULTATION_PENDING",
                f"Còn chờ ý kiến của {waiting[0].consulted_unit_code}.",
                f"Still waiting for {waiting[0].consulted_unit_code}'s opinion.",
            )
        unsettled = self.open_obligation
        if unsettled is not None and unsettled.payment_before_result:
            raise self._fees_not_settled()
        _check_documents(documents, e_result, digitised, pushed)
        due = self.effective_due_at
        late = at > due
        self._record(
            self._plan(
                self.ResultIssued,
                act,
                documents=[document.model_dump(mode="json") for document in documents],
                e_result=e_result,
                due_at=due,
                late=late,
            ),
            *(self._digitised(act, scan) for scan in digitised),
            *(self._pushed(act, push) for push in pushed),
        )
        return [_late_notice("RESULT_LATE", due)] if late else []

    def record_result_digitized(self, act: Act, digitisation: Digitisation) -> None:
        """E23a after the result: a paper result document was scanned (by the agency or the one-stop desk)."""
        self._require_unit(
            act, "số hóa kết quả", "record a digitised result", also=(self.receiving_unit_code,)
        )
        self._require_result_document(digitisation.document_code)
        self._record(self._digitised(act, digitisation))

    def record_result_stored(self, act: Act, push: DataStorePush) -> None:
        """E23b after the result: the result was pushed to the applicant's data store (agency or desk)."""
        self._require_unit(
            act, "đưa kết quả vào kho dữ liệu", "record a data-store push", also=(self.receiving_unit_code,)
        )
        self._require_result_document(push.document_code)
        self._record(self._pushed(act, push))

    def _digitised(self, act: Act, scan: Digitisation) -> _Planned:
        return self._plan(
            self.ResultDigitized,
            act,
            document_code=scan.document_code,
            file_ref=scan.file_ref,
            sha256=scan.sha256,
            digitally_signed=scan.digitally_signed,
            signer=scan.signer,
        )

    def _pushed(self, act: Act, push: DataStorePush) -> _Planned:
        return self._plan(
            self.ResultStored,
            act,
            document_code=push.document_code,
            file_ref=push.file_ref,
            data_store_ref=push.data_store_ref,
            vneid_pushed=push.vneid_pushed,
        )

    # --- alerts -------------------------------------------------------------------------------------------

    def raise_alerts(self, act: Act, alerts: Sequence[Alert]) -> list[Alert]:
        """Record the watcher's alerts that were not raised before; returns those recorded now."""
        fresh: dict[str, Alert] = {}
        for alert in alerts:
            if alert.key not in self.raised_alerts and alert.key not in fresh:
                fresh[alert.key] = alert
        self._record(
            *(
                self._plan(
                    self.AlertRaised,
                    replace(act, at=alert.at),
                    kind=alert.kind.value,
                    key=alert.key,
                    due_at=alert.due_at,
                    step=alert.step.value if alert.step else None,
                    agency_code=alert.agency_code,
                )
                for alert in fresh.values()
            )
        )
        return list(fresh.values())

    # --- helpers ------------------------------------------------------------------------------------------

    def _trigger(self, event_class: type[events.CaseEvent], act: Act, **fields: Any) -> None:
        self._record(self._plan(event_class, act, **fields))

    @staticmethod
    def _plan(event_class: type[events.CaseEvent], act: Act, **fields: Any) -> _Planned:
        return _Planned(event_class, {**act.envelope(), **fields})

    def _record(self, *plans: _Planned) -> None:
        """Trigger the planned events of one command, after checking that each one that is published makes a
        valid public event: the relay can then always publish what the case recorded, and a command whose
        values the contract refuses (an identifier with a space, a text too long) records nothing."""
        version, published = self.version, self.published_count
        ready = []
        for plan in plans:
            version += 1
            seq = None
            if plan.event_class.PUBLISHED:
                published += 1
                seq = published
                probe: dict[str, Any] = {
                    "originator_id": self.id,
                    "originator_version": version,
                    "public_seq": seq,
                }
                _check_contract(plan.event_class(**probe, **plan.fields))
            ready.append((plan.event_class, seq, plan.fields))
        for event_class, seq, fields in ready:
            self.trigger_event(event_class, public_seq=seq, **fields)

    def _partner_due(self, deadlines: Deadlines, task: PartnerTask, at: datetime) -> datetime:
        """The deadline on a partner's transfer slip: its allotted time from the hand-off."""
        return _after(deadlines, self.calendar_unit_code, at, self.workflow.steps[task.step_index].allotted)

    def _require_unit(
        self, act: Act, doing_vi: str, doing_en: str, *, lead: bool = True, also: Sequence[str] = ()
    ) -> None:
        """The actor's unit must be one that may give this command (ADR 0531): the lead units, and ``also``."""
        allowed = (self.lead_unit_codes if lead else frozenset()) | frozenset(also)
        if act.actor.unit_code not in allowed:
            raise not_your_unit(act.actor.unit_code, allowed, doing_vi, doing_en, self.dossier_code)

    def _require(self, allowed: Sequence[CaseState], doing_vi: str, doing_en: str) -> None:
        if self.state in allowed:
            return
        rule, why_vi, why_en = _STATE_RULES[self.state]
        raise refused(rule, f"Không thể {doing_vi}: {why_vi}.", f"Cannot {doing_en}: {why_en}.")

    def _require_undecided(self) -> None:
        if self.decision is not None and self.decision.outcome is not None:
            raise refused(
                "OUTCOME_ALREADY_DECIDED",
                f"Hồ sơ đã có kết quả {self.decision.outcome.value}; không thể vừa từ chối vừa cấp kết quả.",
                f"The dossier already has the outcome {self.decision.outcome.value}; it cannot have both.",
            )

    def _require_clock_running(self) -> None:
        if self.open_pause is not None:
            raise refused(
                "CLOCK_PAUSED_AT_DECISION",
                f"Đang tạm dừng tính thời gian ({self.open_pause.pause_id}); phải tiếp tục trước khi quyết định.",
                f"The clock is paused ({self.open_pause.pause_id}); resume it before deciding.",
            )

    def _require_result_document(self, document_code: str) -> None:
        if self.decision is None or self.decision.outcome is not Outcome.APPROVED:
            raise refused(
                "RESULT_NOT_ISSUED",
                "Hồ sơ chưa có kết quả được cấp.",
                "No result has been issued for the dossier.",
            )
        if document_code not in self.result_documents:
            raise invalid(
                "RESULT_DOCUMENT_UNKNOWN",
                f"Kết quả không có giấy tờ mã {document_code}.",
                f"The result has no document {document_code}.",
                field="document_code",
            )

    def _pause_open(self, doing_vi: str, doing_en: str) -> ProcessingRuleViolation:
        assert self.open_pause is not None
        return refused(
            "PAUSE_OPEN",
            f"Không thể {doing_vi} khi đang tạm dừng tính thời gian ({self.open_pause.pause_id}).",
            f"Cannot {doing_en} while the clock is paused ({self.open_pause.pause_id}).",
        )

    def _fees_not_settled(self) -> ProcessingRuleViolation:
        obligation = self.open_obligation
        name = obligation.obligation_id if obligation else "?"
        return refused(
            "FEES_NOT_SETTLED",
            f"Nghĩa vụ tài chính {name} phải được thanh toán trước khi trả kết quả.",
            f"Financial obligation {name} must be paid before the result is issued.",
        )

    def _lead_before_partners(self, agencies: Sequence[str]) -> ProcessingRuleViolation:
        listed = ", ".join(agencies)
        return refused(
            "LEAD_DECIDES_BEFORE_PARTNERS",
            f"Cơ quan chủ trì chưa được quyết định: còn chờ kết quả của cơ quan phối hợp {listed}.",
            f"The lead agency cannot decide yet: partner agencies {listed} have not finished.",
        )

    def _current_lead_stage(self, doing_vi: str, doing_en: str) -> Stage:
        stage = self.current_stage
        if stage is None:
            raise refused(
                "STEP_OUT_OF_ORDER",
                f"Không thể {doing_vi}: các bước của quy trình đã hoàn thành.",
                f"Cannot {doing_en}: every step of the workflow is done.",
                field="step",
            )
        if stage.partner:
            task = self._task_at(stage)
            agency = task.agency_code if task else "?"
            raise refused(
                "STEP_OUT_OF_ORDER",
                f"Không thể {doing_vi}: hồ sơ đang ở cơ quan phối hợp {agency} ({stage.name}).",
                f"Cannot {doing_en}: the dossier is with partner agency {agency} ({stage.name}).",
                field="step",
            )
        return stage

    def _task_at(self, stage: Stage | None) -> PartnerTask | None:
        if stage is None or not stage.partner:
            return None
        return next((t for t in self.partner_tasks.values() if t.step_index == stage.index), None)

    def _stage_due_from(self, deadlines: Deadlines, position: int, start: datetime) -> datetime | None:
        if position >= len(self.stages):
            return None
        allotted = self.workflow.steps[self.stages[position].index].allotted
        return _after(deadlines, self.calendar_unit_code, start, allotted)

    def _shifted_stage_dues(
        self, deadlines: Deadlines, by: timedelta
    ) -> tuple[datetime | None, dict[str, datetime]]:
        unit = self.calendar_unit_code
        stage_due = self.current.due_at
        shifted = deadlines.add_working_time(unit, stage_due, by) if stage_due is not None else None
        partners = {
            code: deadlines.add_working_time(unit, task.due_at, by)
            for code, task in self.partner_tasks.items()
            if task.status is TaskStatus.IN_PROGRESS and task.due_at is not None
        }
        return shifted, partners


def _stages(workflow: Workflow, mode: InterAgencyMode) -> tuple[Stage, ...]:
    """The stages a case passes in order: the lead's steps and, for a paper dossier, the partners' tasks."""
    stages = []
    for index, step in enumerate(workflow.steps[1:-1], start=1):
        if step.is_partner and mode is InterAgencyMode.PARALLEL:
            continue
        stages.append(Stage(index, step.kind, step.name, step.is_partner))
    return tuple(stages)


def _partner_tasks(workflow: Workflow, mode: InterAgencyMode) -> dict[str, PartnerTask]:
    tasks = {}
    ordinal = 0
    for index, step in enumerate(workflow.steps):
        if not step.is_partner or step.agency_code is None:
            continue
        ordinal += 1
        order = 1 if mode is InterAgencyMode.PARALLEL else ordinal
        tasks[step.agency_code] = PartnerTask(index, step.agency_code, step.name, order)
    return tasks


def _after(deadlines: Deadlines, unit_code: str, start: datetime, allotted: TimeLimit) -> datetime:
    """``start`` plus an allotment of handling time on the unit's calendar (0 = no time)."""
    if allotted.is_zero:
        return business_time(start)
    return deadlines.deadline(unit_code, allotted, start).due_at


def _check_contract(event: events.CaseEvent) -> None:
    try:
        to_public(event)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in detail["loc"]) or "(event)"
        message = str(detail["msg"])
        raise invalid(
            "CONTRACT_INVALID",
            f"Giá trị không hợp lệ ở {where}: {message}.",
            f"{where} is not valid for the public event {type(event).__name__}: {message}.",
            field=where,
        ) from None


def _in_future(act: Act, value: datetime, field: str, what_vi: str, what_en: str) -> None:
    if business_time(value) <= business_time(act.at):
        raise invalid(
            "TIME_NOT_IN_FUTURE",
            f"{what_vi.capitalize()} phải sau thời điểm hiện tại.",
            f"{what_en.capitalize()} must be later than now.",
            field=field,
        )


def _late_notice(code: str, due: datetime) -> Notice:
    return Notice(
        code,
        f"Quyết định sau thời hạn giải quyết ({_fmt(due)}); hồ sơ được ghi nhận trễ hạn.",
        f"Decided after the handling time limit ({_fmt(due)}); the dossier is recorded as late.",
    )


def _check_documents(
    documents: Sequence[ResultDocument],
    e_result: bool,
    digitised: Sequence[Digitisation],
    pushed: Sequence[DataStorePush],
) -> None:
    codes = [document.code for document in documents]
    if not codes or len(set(codes)) != len(codes):
        raise invalid(
            "RESULT_DOCUMENTS_INVALID",
            "Kết quả phải có ít nhất một giấy tờ, mỗi mã một lần.",
            "A result has at least one document, each code once.",
            field="documents",
        )
    if e_result and not any(document.e_file_ref for document in documents):
        raise invalid(
            "RESULT_DOCUMENTS_INVALID",
            "Kết quả điện tử phải có tệp kết quả điện tử.",
            "An electronic result has at least one electronic file.",
            field="e_result",
        )
    for position, code in enumerate([d.document_code for d in digitised] + [p.document_code for p in pushed]):
        if code not in codes:
            raise invalid(
                "RESULT_DOCUMENT_UNKNOWN",
                f"Kết quả không có giấy tờ mã {code}.",
                f"The result has no document {code}.",
                field=f"documents[{position}]",
            )
