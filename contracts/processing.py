"""Events of the competent agency (processing): assignment, steps, verification, consultation,
inter-agency hand-offs, supplements, financial obligations, apologies, clock pauses, stop and outcome."""

from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from contracts import rules
from contracts.enums import (
    ClockPauseReason,
    Outcome,
    PaymentMethod,
    Producer,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)
from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import (
    BusinessTime,
    DocumentNumber,
    FileRef,
    Identifier,
    PersonName,
    Sha256Hex,
    ShortText,
    Text,
    UnitCode,
)
from contracts.topic_names import PROCESSING_DOSSIERS
from contracts.values import FeeLine, RequestedItem, ResultDocument


class ProcessingDossierEvent(DossierEvent):
    """Recorded by the competent agency's case aggregate for the dossier."""

    TOPIC: ClassVar[str] = PROCESSING_DOSSIERS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.PROCESSING})


class HandlerAssigned(ProcessingDossierEvent):
    """E8 — Phân công: the head of the agency assigned a handler to a step."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.handler-assigned.v1"

    handler_id: Identifier
    unit_code: UnitCode
    department: ShortText
    step: StepKind
    step_due_at: BusinessTime | None = None

    @field_validator("step_due_at")
    @classmethod
    def _step_due_in_future(cls, value: BusinessTime | None, info: ValidationInfo) -> BusinessTime | None:
        rules.strictly_after(value, info, "occurred_at")
        return value


class ProcessingStepCompleted(ProcessingDossierEvent):
    """E9 — Hoàn thành bước: one step of the internal workflow finished (occurred_at = completion)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.processing-step-completed.v1"

    step: StepKind
    unit_code: UnitCode
    started_at: BusinessTime
    step_due_at: BusinessTime | None = None
    outcome: StepOutcome
    note: Text | None = None

    @field_validator("started_at")
    @classmethod
    def _started_before_completed(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_after(value, info, "occurred_at")
        return value


class VerificationScheduled(ProcessingDossierEvent):
    """E10 — Xác minh thực địa: an on-site verification was scheduled."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.verification-scheduled.v1"

    scheduled_for: BusinessTime
    place: ShortText
    participants: list[ShortText] = Field(min_length=1)
    content: Text
    applicant_presence_required: bool

    @field_validator("scheduled_for")
    @classmethod
    def _scheduled_in_future(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "occurred_at")
        return value


class ConsultationRequested(ProcessingDossierEvent):
    """E11a — Lấy ý kiến: another body was asked for its opinion by a deadline."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.consultation-requested.v1"

    consultation_id: Identifier
    consulted_unit_code: UnitCode
    question: Text
    reply_due_at: BusinessTime

    @field_validator("reply_due_at")
    @classmethod
    def _reply_due_in_future(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "occurred_at")
        return value


class ConsultationAnswered(ProcessingDossierEvent):
    """E11b — the consulted body answered (occurred_at = answer time)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.consultation-answered.v1"

    consultation_id: Identifier
    consulted_unit_code: UnitCode
    answer_ref: FileRef
    summary: Text | None = None


class InterAgencyHandoff(ProcessingDossierEvent):
    """E12 — Chuyển liên thông: the dossier (or its part) went to another agency of an inter-agency flow."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.inter-agency-handoff.v1"

    from_agency_code: UnitCode
    to_agency_code: UnitCode
    lead_agency_code: UnitCode
    order_index: int = Field(ge=1, description="Position in a chained flow; parallel hand-offs share one")
    parallel: bool
    task: Text
    step_due_at: BusinessTime
    transfer_slip_no: DocumentNumber | None = None
    partial_result_refs: list[FileRef] = Field(default_factory=list)

    @field_validator("to_agency_code")
    @classmethod
    def _handoff_goes_elsewhere(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("from_agency_code"):
            raise ValueError(f"a hand-off goes to another agency than {value}")
        return value

    @field_validator("step_due_at")
    @classmethod
    def _step_due_in_future(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "occurred_at")
        return value


class SupplementRequested(ProcessingDossierEvent):
    """E13 — Yêu cầu bổ sung sau tiếp nhận (form 02), sent through the one-stop desk (DVCQG 5).

    The law allows one request; a second needs an explicit sector-law exception and makes the dossier
    late for 766 (domain.md §2.15).
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.supplement-requested.v1"

    request_no: int = Field(ge=1)
    sector_law_exception: bool = Field(
        default=False, validate_default=True, description="A sector law allows a request after the first"
    )
    exception_legal_basis: ShortText | None = Field(default=None, validate_default=True)
    reasons: Text
    items: list[RequestedItem] = Field(min_length=1)
    one_stop_unit_code: UnitCode = Field(description="Desk the request is routed through")
    within_three_working_days: bool = Field(description="Sent within 3 wd of receipt (NĐ61 Art 19(4))")
    clock_policy: SupplementClockPolicy

    @field_validator("sector_law_exception")
    @classmethod
    def _second_request_needs_exception(cls, value: bool, info: ValidationInfo) -> bool:
        request_no = info.data.get("request_no")
        if isinstance(request_no, int) and request_no > 1 and not value:
            raise ValueError(f"supplement request no. {request_no} needs an explicit sector-law exception")
        return value

    @field_validator("exception_legal_basis")
    @classmethod
    def _exception_cites_law(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("sector_law_exception") and value is None:
            raise ValueError("a sector-law exception cites its legal basis")
        return value


class SupplementAccepted(ProcessingDossierEvent):
    """E15 — Hoàn thành bổ sung: the supplement is complete; the clock restarts or resumes (DVCQG 4)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.supplement-accepted.v1"

    request_no: int = Field(ge=1)
    new_clock_start_at: BusinessTime
    previous_due_at: BusinessTime
    new_due_at: BusinessTime
    waited: timedelta = Field(description="Request to completed supplement, ISO 8601 duration (766 2.1)")

    @field_validator("new_due_at")
    @classmethod
    def _due_after_new_start(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_before(value, info, "new_clock_start_at")
        return value

    @field_validator("waited")
    @classmethod
    def _wait_not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError(f"waited cannot be negative, got {value}")
        return value


class FinancialObligationRequested(ProcessingDossierEvent):
    """E16 — Yêu cầu thực hiện nghĩa vụ tài chính (DVCQG 6)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.financial-obligation-requested.v1"

    obligation_id: Identifier
    lines: list[FeeLine] = Field(min_length=1)
    pay_by: BusinessTime | None = None
    allowed_methods: list[PaymentMethod] = Field(min_length=1)

    @property
    def total_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines)

    @field_validator("pay_by")
    @classmethod
    def _pay_by_in_future(cls, value: BusinessTime | None, info: ValidationInfo) -> BusinessTime | None:
        rules.strictly_after(value, info, "occurred_at")
        return value

    @field_validator("allowed_methods")
    @classmethod
    def _methods_unique(cls, value: list[PaymentMethod]) -> list[PaymentMethod]:
        rules.unique((m.value for m in value), "payment method")
        return value


class DelayApologyIssued(ProcessingDossierEvent):
    """E18 — Phiếu xin lỗi và hẹn lại ngày trả kết quả (form 04); rescheduling happens at most once."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.delay-apology-issued.v1"

    reason: Text
    letter_no: DocumentNumber | None = None
    previous_due_at: BusinessTime
    new_due_at: BusinessTime
    extension_no: Literal[1] = Field(default=1, description="The law allows one rescheduling")
    issued_late: bool = Field(
        default=False,
        description="Issued later than 1 working day before previous_due_at (flagged, not refused)",
    )

    @field_validator("new_due_at")
    @classmethod
    def _reschedules_later(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "previous_due_at")
        return value


class ProcessingStopped(ProcessingDossierEvent):
    """E20 — Thông báo dừng giải quyết hồ sơ (form 05): terminal, DVCQG status 8."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.processing-stopped.v1"

    cause: StopCause
    notice_no: DocumentNumber
    reason: Text | None = Field(default=None, validate_default=True)
    legal_basis: ShortText | None = None

    @field_validator("reason")
    @classmethod
    def _agency_stop_gives_reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        cause = info.data.get("cause")
        if cause in {StopCause.LEGAL_GROUND, StopCause.OTHER} and value is None:
            raise ValueError(f"a stop for {cause} gives its reason")
        return value


class DossierRejected(ProcessingDossierEvent):
    """E21 — Từ chối giải quyết: appraisal ended in rejection; the dossier is ready to return (REJECTED)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.dossier-rejected.v1"

    reasons: Text
    legal_basis: ShortText
    notice_no: DocumentNumber


class ResultIssued(ProcessingDossierEvent):
    """E22 — Đã xử lý xong: the result is issued (DVCQG 9)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.result-issued.v1"

    outcome: Literal[Outcome.APPROVED] = Outcome.APPROVED
    documents: list[ResultDocument] = Field(min_length=1)
    e_result: bool = Field(description="An electronic result was issued (766 indicators 3.3 and 4.1)")

    @field_validator("documents")
    @classmethod
    def _document_codes_unique(cls, value: list[ResultDocument]) -> list[ResultDocument]:
        rules.unique((d.code for d in value), "result document code")
        return value

    @field_validator("e_result")
    @classmethod
    def _e_result_has_file(cls, value: bool, info: ValidationInfo) -> bool:
        documents = info.data.get("documents")
        if value and documents is not None and not any(d.e_file_ref for d in documents):
            raise ValueError("an electronic result has at least one document with an e_file_ref")
        return value


class ResultDigitized(ProcessingDossierEvent):
    """E23a — a paper result document was scanned and attached (766 indicator 4.2)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.result-digitized.v1"

    document_code: Identifier
    file_ref: FileRef
    sha256: Sha256Hex
    digitally_signed: bool
    signer: PersonName | None = None


class ResultStoredInDataStore(ProcessingDossierEvent):
    """E23b — the e-result was pushed to the applicant's data store on DVCQG (766 indicator 4.4)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.result-stored-in-data-store.v1"

    document_code: Identifier
    file_ref: FileRef
    data_store_ref: Identifier
    vneid_pushed: bool


class ClockPaused(ProcessingDossierEvent):
    """E29a — tạm dừng tính thời gian: a sector-law period the time limit does not count."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.clock-paused.v1"

    pause_id: Identifier
    reason: ClockPauseReason
    legal_basis: ShortText


class ClockResumed(ProcessingDossierEvent):
    """E29b — the paused clock runs again; the effective due time moves by the pause."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.processing.clock-resumed.v1"

    pause_id: Identifier
    reason: ClockPauseReason
    paused_at: BusinessTime
    new_effective_due_at: BusinessTime

    @field_validator("paused_at")
    @classmethod
    def _paused_before_resume(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_after(value, info, "occurred_at")
        return value


EVENTS: tuple[type[PublicEvent], ...] = (
    HandlerAssigned,
    ProcessingStepCompleted,
    VerificationScheduled,
    ConsultationRequested,
    ConsultationAnswered,
    InterAgencyHandoff,
    SupplementRequested,
    SupplementAccepted,
    FinancialObligationRequested,
    DelayApologyIssued,
    ProcessingStopped,
    DossierRejected,
    ResultIssued,
    ResultDigitized,
    ResultStoredInDataStore,
    ClockPaused,
    ClockResumed,
)
