"""The events of a case (the internal language of the processing event store) and what each does to it.

Events hold JSON-friendly values only (text for enumerations, dicts for nested records in the shape of the
public value models; a ``timedelta`` for waiting times, the one transcoding the application registers), so
replay is exact and the outbound mapper can build public events from them alone. ``PUBLISHED`` says whether an event maps to a public event
of ``processing.dossiers.v1``; the case stamps those with a gap-free ``public_seq`` (ADR 0503).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from contracts.enums import (
    ActorKind,
    ClockPauseReason,
    Outcome,
    PaymentMethod,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)
from contracts.envelope import Actor
from processing.case_state import (
    CaseState,
    Consultation,
    ControlSheetRow,
    CurrentStage,
    Decision,
    Obligation,
    OpenPause,
    Payment,
    SupplementRequest,
    TaskStatus,
    Verification,
)
from processing.ledger import ClockStop, DueRule, LedgerEntry, StopKind
from processing.signals import Alert, AlertKind

if TYPE_CHECKING:
    from processing.case import Case

APOLOGY_BASIS = "Nghị định 61/2018/NĐ-CP Điều 19 khoản 9: xin lỗi và hẹn lại ngày trả kết quả (một lần)"
CORRECTION_BASIS = "Điều chỉnh thời hạn có phê duyệt của Bộ phận Một cửa"


class CaseEvent(Aggregate.Event):
    """Every case event: business time, actor, flow ids, and the public sequence number it maps to."""

    at: datetime
    actor_kind: str
    actor_id: str
    actor_unit_code: str | None
    correlation_id: UUID
    causation_id: UUID | None
    upstream_event_id: UUID | None  # the public event that caused it (inbound side), kept for idempotency
    public_seq: int | None  # `seq` of the public event it maps to; None if it maps to none

    PUBLISHED: ClassVar[bool] = True

    @property
    def actor(self) -> Actor:
        return Actor(kind=ActorKind(self.actor_kind), id=self.actor_id, unit_code=self.actor_unit_code)

    def apply(self, case: Case) -> None:
        if self.upstream_event_id is not None:
            case.applied_upstream_ids.add(self.upstream_event_id)
        if self.public_seq is not None:
            case.published_count = self.public_seq
        self.update(case)

    def update(self, case: Case) -> None:
        """How the event changes the case (the bookkeeping of ``apply`` is done)."""


class Opened(CaseEvent, Aggregate.Created):
    """The dossier was received by the desk (E5): the case opens with the workflow and the promise."""

    PUBLISHED: ClassVar[bool] = False

    dossier_code: str
    procedure_code: str
    channel: str
    receiving_unit_code: str
    processing_unit_code: str
    legal_receipt_at: datetime
    clock_start_at: datetime
    due_at: datetime
    statutory_duration: dict[str, str]
    immediate_result: bool
    fee_lines: list[dict[str, Any]]
    workflow: dict[str, Any]
    inter_agency_mode: str
    first_stage_due_at: datetime | None


class TransferRecorded(CaseEvent):
    """The desk handed the dossier over (E7, an intake event): the RECEIVE step of form 06 is done."""

    PUBLISHED: ClassVar[bool] = False

    from_unit_code: str
    to_unit_code: str
    mode: str
    transfer_slip_no: str | None
    receive_due_at: datetime | None

    def update(self, case: Case) -> None:
        step = case.workflow.receive_step
        case.sheet.append(
            ControlSheetRow(
                step=StepKind.RECEIVE,
                name=step.name,
                from_unit_code=self.from_unit_code,
                to_unit_code=self.to_unit_code,
                handler_id=None,
                started_at=case.opened_at,
                due_at=self.receive_due_at,
                completed_at=self.at,
                outcome=StepOutcome.SATISFACTORY,
                note=self.transfer_slip_no,
            )
        )


class HandlerAssigned(CaseEvent):
    """E8: a handler was assigned to the current step."""

    handler_id: str
    department: str
    unit_code: str
    step: str
    step_index: int
    step_due_at: datetime | None

    def update(self, case: Case) -> None:
        case.handlers[self.step_index] = self.handler_id


class StepCompleted(CaseEvent):
    """E9: a step of the lead agency finished; the case moves to ``next_position`` (the same stage for
    an outcome that keeps it, the previous one when it is sent back)."""

    step: str
    step_index: int | None  # None for an ad-hoc verification or consultation step
    unit_code: str
    started_at: datetime
    step_due_at: datetime | None
    outcome: str
    note: str | None
    next_position: int
    next_started_at: datetime
    next_due_at: datetime | None

    def update(self, case: Case) -> None:
        kind = StepKind(self.step)
        name = case.workflow.steps[self.step_index].name if self.step_index is not None else kind.value
        case.sheet.append(
            ControlSheetRow(
                step=kind,
                name=name,
                from_unit_code=self.unit_code,
                to_unit_code=self.unit_code,
                handler_id=case.handlers.get(self.step_index) if self.step_index is not None else None,
                started_at=self.started_at,
                due_at=self.step_due_at,
                completed_at=self.at,
                outcome=StepOutcome(self.outcome),
                note=self.note,
            )
        )
        if self.step_index is not None:
            if StepOutcome(self.outcome) in (StepOutcome.SATISFACTORY, StepOutcome.UNSATISFACTORY):
                case.completed_steps.add(self.step_index)
            case.current = CurrentStage(self.next_position, self.next_started_at, self.next_due_at)
        elif kind is StepKind.VERIFICATION:
            pending = next(i for i, v in enumerate(case.verifications) if v.pending)
            case.verifications[pending] = replace(case.verifications[pending], completed_at=self.at)
        else:
            case.consultation_step_done = True


class VerificationScheduled(CaseEvent):
    """E10: an on-site verification was scheduled."""

    scheduled_for: datetime
    place: str
    participants: list[str]
    content: str
    applicant_presence_required: bool

    def update(self, case: Case) -> None:
        case.verifications.append(Verification(self.at, self.scheduled_for, self.place))


class ConsultationRequested(CaseEvent):
    """E11a: another body was asked for its opinion."""

    consultation_id: str
    consulted_unit_code: str
    question: str
    reply_due_at: datetime

    def update(self, case: Case) -> None:
        case.consultations[self.consultation_id] = Consultation(
            self.consultation_id, self.consulted_unit_code, self.at, self.reply_due_at
        )


class ConsultationAnswered(CaseEvent):
    """E11b: the consulted body answered."""

    consultation_id: str
    consulted_unit_code: str
    answer_ref: str
    summary: str | None

    def update(self, case: Case) -> None:
        consultation = case.consultations[self.consultation_id]
        case.consultations[self.consultation_id] = replace(
            consultation, answered_at=self.at, answer_ref=self.answer_ref
        )


class HandedOff(CaseEvent):
    """E12: a partner agency received its task with the deadline of its transfer slip."""

    from_agency_code: str
    to_agency_code: str
    lead_agency_code: str
    order_index: int
    parallel: bool
    task: str
    step_due_at: datetime
    transfer_slip_no: str | None
    partial_result_refs: list[str]

    def update(self, case: Case) -> None:
        task = case.partner_tasks[self.to_agency_code]
        case.partner_tasks[self.to_agency_code] = replace(
            task, status=TaskStatus.IN_PROGRESS, handed_off_at=self.at, due_at=self.step_due_at
        )
        stage = case.current_stage
        if stage is not None and stage.partner and stage.index == task.step_index:
            case.current = replace(case.current, due_at=self.step_due_at)


class PartnerTaskCompleted(CaseEvent):
    """E9 for a partner agency: its task is done; a paper dossier moves to the next stage."""

    agency_code: str
    step_index: int
    started_at: datetime
    step_due_at: datetime | None
    outcome: str
    note: str | None
    partial_result_refs: list[str]
    next_position: int | None  # None when partners work in parallel (the stages do not move)
    next_started_at: datetime | None
    next_due_at: datetime | None

    def update(self, case: Case) -> None:
        task = case.partner_tasks[self.agency_code]
        outcome = StepOutcome(self.outcome)
        case.partner_tasks[self.agency_code] = replace(
            task, status=TaskStatus.DONE, completed_at=self.at, outcome=outcome
        )
        case.partial_results.extend(self.partial_result_refs)
        case.sheet.append(
            ControlSheetRow(
                step=StepKind.INTER_AGENCY,
                name=task.task,
                from_unit_code=case.processing_unit_code,
                to_unit_code=self.agency_code,
                handler_id=None,
                started_at=self.started_at,
                due_at=self.step_due_at,
                completed_at=self.at,
                outcome=outcome,
                note=self.note,
            )
        )
        if self.next_position is not None and self.next_started_at is not None:
            case.completed_steps.add(self.step_index)
            case.current = CurrentStage(self.next_position, self.next_started_at, self.next_due_at)


class SupplementRequested(CaseEvent):
    """E13: the agency asked, through the desk, for a post-receipt supplement; the clock stops."""

    request_no: int
    reasons: str
    items: list[dict[str, Any]]
    one_stop_unit_code: str
    within_window: bool
    clock_policy: str
    sector_law_exception: bool
    exception_legal_basis: str | None

    def update(self, case: Case) -> None:
        case.supplements.append(
            SupplementRequest(
                self.request_no,
                self.at,
                SupplementClockPolicy(self.clock_policy),
                self.within_window,
                self.sector_law_exception,
            )
        )
        case.state = CaseState.AWAITING_SUPPLEMENT
        case.ledger = case.ledger.stop(ClockStop(StopKind.SUPPLEMENT, self.at, str(self.request_no)))


class SupplementAccepted(CaseEvent):
    """E15: the complete supplement is in; the clock restarts (RESTART) or resumes (PAUSE)."""

    request_no: int
    clock_policy: str
    new_clock_start_at: datetime
    previous_due_at: datetime
    new_due_at: datetime
    waited: timedelta
    waited_working: timedelta
    legal_basis: str
    stage_due_at: datetime | None
    partner_due_at: dict[str, datetime]

    def update(self, case: Case) -> None:
        case.supplements[-1] = replace(case.supplements[-1], accepted_at=self.at)
        case.state = CaseState.IN_PROCESSING
        rule = (
            DueRule.SUPPLEMENT_RESTART
            if SupplementClockPolicy(self.clock_policy) is SupplementClockPolicy.RESTART
            else DueRule.SUPPLEMENT_PAUSE
        )
        case.ledger = case.ledger.run().with_entry(
            LedgerEntry(
                rule=rule,
                at=self.at,
                previous_due_at=self.previous_due_at,
                new_due_at=self.new_due_at,
                legal_basis=self.legal_basis,
                clock_start_at=self.new_clock_start_at,
                waited=self.waited,
                waited_working=self.waited_working,
            )
        )
        case.shift_stage_dues(self.stage_due_at, self.partner_due_at)


class ObligationRequested(CaseEvent):
    """E16: a financial obligation was computed and the applicant asked to pay it."""

    obligation_id: str
    lines: list[dict[str, Any]]
    pay_by: datetime | None
    allowed_methods: list[str]
    payment_before_result: bool
    pause_id: str | None

    def update(self, case: Case) -> None:
        total = sum(int(line["amount_vnd"]) for line in self.lines)
        case.obligations[self.obligation_id] = Obligation(
            obligation_id=self.obligation_id,
            total_vnd=total,
            requested_at=self.at,
            allowed_methods=tuple(PaymentMethod(m) for m in self.allowed_methods),
            payment_before_result=self.payment_before_result,
            pause_id=self.pause_id,
        )
        if self.payment_before_result:
            case.state = CaseState.AWAITING_PAYMENT


class PaymentRecorded(CaseEvent):
    """E17 seen by processing: money for an obligation or for the receipt's fee lines."""

    PUBLISHED: ClassVar[bool] = False

    obligation_id: str | None
    amount_vnd: int
    method: str
    transaction_ref: str | None
    receipt_no: str | None
    settles: bool

    def update(self, case: Case) -> None:
        method = PaymentMethod(self.method)
        case.payments.append(
            Payment(str(self.upstream_event_id), self.obligation_id, self.amount_vnd, method, self.at)
        )
        if self.obligation_id is None:
            return
        obligation = case.obligations[self.obligation_id]
        case.obligations[self.obligation_id] = replace(
            obligation,
            paid_vnd=obligation.paid_vnd + self.amount_vnd,
            settled_at=self.at if self.settles else None,
            methods_used=(*obligation.methods_used, method),
        )
        if self.settles and case.state is CaseState.AWAITING_PAYMENT:
            case.state = CaseState.IN_PROCESSING


class ClockPaused(CaseEvent):
    """E29a: a period the sector law does not count begins."""

    pause_id: str
    reason: str
    legal_basis: str

    def update(self, case: Case) -> None:
        case.open_pause = OpenPause(self.pause_id, ClockPauseReason(self.reason), self.legal_basis, self.at)
        case.pause_ids.add(self.pause_id)
        case.ledger = case.ledger.stop(ClockStop(StopKind.PAUSE, self.at, self.pause_id))


class ClockResumed(CaseEvent):
    """E29b: the clock runs again; the due time moves by the office time of the pause."""

    pause_id: str
    reason: str
    paused_at: datetime
    previous_due_at: datetime
    new_effective_due_at: datetime
    waited: timedelta
    waited_working: timedelta
    legal_basis: str
    stage_due_at: datetime | None
    partner_due_at: dict[str, datetime]

    def update(self, case: Case) -> None:
        case.open_pause = None
        case.ledger = case.ledger.run().with_entry(
            LedgerEntry(
                rule=DueRule.CLOCK_PAUSE,
                at=self.at,
                previous_due_at=self.previous_due_at,
                new_due_at=self.new_effective_due_at,
                legal_basis=self.legal_basis,
                waited=self.waited,
                waited_working=self.waited_working,
                reason=self.reason,
            )
        )
        case.shift_stage_dues(self.stage_due_at, self.partner_due_at)


class ApologyIssued(CaseEvent):
    """E18: the one apology and new return date (form 04)."""

    reason: str
    letter_no: str | None
    previous_due_at: datetime
    new_due_at: datetime
    issued_late: bool
    latest_at: datetime

    def update(self, case: Case) -> None:
        case.extension_count += 1
        case.apology_late = self.issued_late
        case.ledger = case.ledger.with_entry(
            LedgerEntry(
                rule=DueRule.APOLOGY,
                at=self.at,
                previous_due_at=self.previous_due_at,
                new_due_at=self.new_due_at,
                legal_basis=APOLOGY_BASIS,
                reason=self.reason,
            )
        )


class DueDateCorrectionApplied(CaseEvent):
    """E30 seen by processing: the desk's audited correction of the receipt promise (ADR 0254, 0512).

    ``new_due_at`` is the case's due time after the event: the corrected promise (shifted by the excluded
    periods already added) when the due time still followed the promise, the unchanged due time when an
    apology or a restarted clock had set it. ``corrected_promise_at`` is the promise as corrected; events
    stored before it existed lack it, and keep their meaning: the due time became ``new_due_at`` and the
    recorded promise stayed as it was.
    """

    PUBLISHED: ClassVar[bool] = False

    stated_old_due_at: datetime
    previous_due_at: datetime
    new_due_at: datetime
    reason: str
    approved_by: str
    corrected_promise_at: datetime | None = None

    def update(self, case: Case) -> None:
        case.ledger = case.ledger.with_entry(
            LedgerEntry(
                rule=DueRule.AUDITED_CORRECTION,
                at=self.at,
                previous_due_at=self.previous_due_at,
                new_due_at=self.new_due_at,
                legal_basis=CORRECTION_BASIS,
                reason=self.reason,
                approved_by=self.approved_by,
                corrected_promise_at=self.corrected_promise_at,
            )
        )


class WithdrawalNoted(CaseEvent):
    """E19 seen by processing: the applicant asked to withdraw; the agency must now stop."""

    PUBLISHED: ClassVar[bool] = False

    channel: str
    reason: str | None
    previous_state: str

    def update(self, case: Case) -> None:
        case.state = CaseState.WITHDRAWAL_REQUESTED
        case.withdrawal_requested_at = self.at


class Stopped(CaseEvent):
    """E20: processing stopped (form 05); terminal."""

    cause: str
    notice_no: str
    reason: str | None
    legal_basis: str | None

    def update(self, case: Case) -> None:
        case.state = CaseState.STOPPED
        case.decision = Decision(None, self.at, False, StopCause(self.cause), self.notice_no)


class Rejected(CaseEvent):
    """E21: appraisal ended in a rejection (Phiếu từ chối giải quyết); ready to return."""

    reasons: str
    legal_basis: str
    notice_no: str
    due_at: datetime
    late: bool

    def update(self, case: Case) -> None:
        case.state = CaseState.RESULT_READY
        case.decision = Decision(Outcome.REJECTED, self.at, self.late, notice_no=self.notice_no)


class ResultIssued(CaseEvent):
    """E22: the result is issued (DVCQG 9)."""

    documents: list[dict[str, Any]]
    e_result: bool
    due_at: datetime
    late: bool

    def update(self, case: Case) -> None:
        case.state = CaseState.RESULT_READY
        case.decision = Decision(Outcome.APPROVED, self.at, self.late)
        case.result_documents = [str(document["code"]) for document in self.documents]


class ResultDigitized(CaseEvent):
    """E23a: a paper result document was scanned and attached."""

    document_code: str
    file_ref: str
    sha256: str
    digitally_signed: bool
    signer: str | None

    def update(self, case: Case) -> None:
        case.digitised_results[self.document_code] = self.file_ref


class ResultStored(CaseEvent):
    """E23b: a result file was pushed to the applicant's data store."""

    document_code: str
    file_ref: str
    data_store_ref: str
    vneid_pushed: bool

    def update(self, case: Case) -> None:
        case.stored_results[self.document_code] = self.data_store_ref


class AlertRaised(CaseEvent):
    """The deadline watcher raised an alert; recorded so that it is raised once."""

    PUBLISHED: ClassVar[bool] = False

    kind: str
    key: str
    due_at: datetime
    step: str | None
    agency_code: str | None

    def update(self, case: Case) -> None:
        case.raised_alerts[self.key] = Alert(
            AlertKind(self.kind),
            self.key,
            self.at,
            self.due_at,
            StepKind(self.step) if self.step else None,
            self.agency_code,
        )
