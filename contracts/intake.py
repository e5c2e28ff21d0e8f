"""Events of the one-stop desk (intake): submission, intake supplements, refusal, receipt, digitisation,
transfer, post-receipt supplements handed in, withdrawal requests and audited due-date corrections."""

from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from contracts import rules
from contracts.enums import (
    Channel,
    DigitisationSource,
    NotificationChannel,
    OnlineMode,
    Producer,
    RefusalReason,
    ReturnMethod,
    TransferMode,
)
from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import (
    BusinessTime,
    DocumentNumber,
    DossierCode,
    FileRef,
    Identifier,
    ProcedureCode,
    Sha256Hex,
    ShortText,
    Text,
    UnitCode,
)
from contracts.topic_names import INTAKE_DOSSIERS
from contracts.values import (
    Address,
    Applicant,
    FeeLine,
    ProvidedItem,
    RequestedItem,
    StatutoryDuration,
    SubmittedComponent,
)


class IntakeDossierEvent(DossierEvent):
    """Recorded by the one-stop desk's dossier aggregate."""

    TOPIC: ClassVar[str] = INTAKE_DOSSIERS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.INTAKE})


class DossierSubmitted(IntakeDossierEvent):
    """E1 — Nộp hồ sơ: a dossier was submitted at the counter, online or through the post (DVCQG 1)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.dossier-submitted.v1"

    dossier_code: DossierCode | None = Field(
        default=None, description="Present when the portal assigns the code at submission"
    )
    channel: Channel
    online_mode: OnlineMode | None = Field(
        default=None, validate_default=True, description="Required for ONLINE submissions, absent otherwise"
    )
    procedure_code: ProcedureCode
    procedure_version: ShortText | None = None
    receiving_unit_code: UnitCode
    summary: ShortText | None = Field(default=None, description="Trích yếu hồ sơ")
    applicant: Applicant
    vneid_authenticated: bool = Field(description="TaiKhoanDuocXacThucVoiVNeID (766 indicator 4.5)")
    components: list[SubmittedComponent] = Field(min_length=1)
    result_return_method: ReturnMethod
    postal_return_address: Address | None = Field(
        default=None, validate_default=True, description="Required when the result goes back by post"
    )

    @field_validator("online_mode")
    @classmethod
    def _online_mode_only_online(cls, value: OnlineMode | None, info: ValidationInfo) -> OnlineMode | None:
        channel = info.data.get("channel")
        if channel is Channel.ONLINE and value is None:
            raise ValueError("an ONLINE submission says whether the service is FULL or PARTIAL")
        if channel is not None and channel is not Channel.ONLINE and value is not None:
            raise ValueError(f"online_mode is only for ONLINE submissions, not {channel.value}")
        return value

    @field_validator("components")
    @classmethod
    def _component_codes_unique(cls, value: list[SubmittedComponent]) -> list[SubmittedComponent]:
        rules.unique((c.code for c in value), "component code")
        return value

    @field_validator("postal_return_address")
    @classmethod
    def _postal_return_needs_address(cls, value: Address | None, info: ValidationInfo) -> Address | None:
        method = info.data.get("result_return_method")
        if method is ReturnMethod.POSTAL and value is None:
            raise ValueError("a result returned by post needs the delivery address")
        if method is not None and method is not ReturnMethod.POSTAL and value is not None:
            raise ValueError(f"no postal address is kept when the result is returned {method.value}")
        return value


class IntakeSupplementRequested(IntakeDossierEvent):
    """E2 — Yêu cầu bổ sung, hoàn thiện trước tiếp nhận (form 02): dossier not yet received, no clock."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.intake-supplement-requested.v1"

    reasons: Text
    items: list[RequestedItem] = Field(min_length=1)
    notice_channel: NotificationChannel
    notice_no: DocumentNumber | None = None
    applicant_deadline: BusinessTime | None = None

    @field_validator("applicant_deadline")
    @classmethod
    def _deadline_in_future(cls, value: BusinessTime | None, info: ValidationInfo) -> BusinessTime | None:
        rules.strictly_after(value, info, "occurred_at")
        return value


class IntakeSupplementProvided(IntakeDossierEvent):
    """E3 — the applicant completed the dossier after an intake supplement request."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.intake-supplement-provided.v1"

    items: list[ProvidedItem] = Field(min_length=1)
    channel: Channel


class DossierRefused(IntakeDossierEvent):
    """E4 — Từ chối tiếp nhận (form 03): terminal, DVCQG status 3."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.dossier-refused.v1"

    reason_code: RefusalReason
    reason_text: Text
    notice_no: DocumentNumber | None = None


class DossierReceived(IntakeDossierEvent):
    """E5 — Tiếp nhận hồ sơ (form 01): the clock starts, DVCQG status 2.

    Repeats procedure, channel and units so that a walk-in dossier received at once (no separate E1
    before it) can be understood from this event alone.
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.dossier-received.v1"

    dossier_code: DossierCode
    procedure_code: ProcedureCode
    channel: Channel
    receiving_unit_code: UnitCode
    processing_unit_code: UnitCode = Field(description="Competent agency the dossier is attributed to (766)")
    legal_receipt_at: BusinessTime = Field(
        description="Legal submission time; postal: hand-over record signing"
    )
    clock_start_at: BusinessTime
    statutory_duration: StatutoryDuration
    due_at: BusinessTime = Field(description="Promised return time on the slip (NgayHenTra)")
    immediate_result: bool = Field(
        default=False, description="Procedure with an immediate result (Art 17(4))"
    )
    receipt_slip_no: DocumentNumber | None = Field(default=None, validate_default=True)
    workflow_id: Identifier | None = None
    fee_lines: list[FeeLine] = Field(default_factory=list)

    @field_validator("legal_receipt_at")
    @classmethod
    def _legal_receipt_not_after_receipt(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_after(value, info, "occurred_at")
        return value

    @field_validator("clock_start_at")
    @classmethod
    def _clock_starts_after_legal_receipt(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_before(value, info, "legal_receipt_at")
        return value

    @field_validator("due_at")
    @classmethod
    def _due_after_clock_start(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_before(value, info, "clock_start_at")
        return value

    @field_validator("receipt_slip_no")
    @classmethod
    def _slip_unless_immediate(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("immediate_result") is False:
            raise ValueError("a received dossier gets a receipt slip unless its result is immediate")
        return value


class ComponentDigitized(IntakeDossierEvent):
    """E6 — Số hóa thành phần hồ sơ: a component's file is attached, signed and stored."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.component-digitized.v1"

    component_code: Identifier
    file_ref: FileRef
    sha256: Sha256Hex
    source: DigitisationSource
    reused_from: Identifier | None = Field(
        default=None, validate_default=True, description="Component or result the file was re-used from"
    )
    digitally_signed: bool
    signer: ShortText | None = Field(
        default=None, validate_default=True, description="Certificate subject of the signing agency"
    )
    stored_in_data_store: bool = Field(description="Saved to the applicant's e-data store on DVCQG")

    @field_validator("reused_from")
    @classmethod
    def _reuse_names_its_origin(cls, value: str | None, info: ValidationInfo) -> str | None:
        source = info.data.get("source")
        needs_origin = {
            DigitisationSource.REUSED_FROM_OTHER_COMPONENT,
            DigitisationSource.REUSED_FROM_PREVIOUS_RESULT,
        }
        if source in needs_origin and value is None:
            raise ValueError(f"a {source} file names the component or result it was re-used from")
        return value

    @field_validator("signer")
    @classmethod
    def _signed_file_names_signer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("digitally_signed") and value is None:
            raise ValueError("a digitally signed file names its signer")
        return value


class DossierTransferred(IntakeDossierEvent):
    """E7 — Chuyển xử lý: the desk handed the dossier to the competent agency (DVCQG 4)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.dossier-transferred.v1"

    from_unit_code: UnitCode
    to_unit_code: UnitCode
    mode: TransferMode
    step_due_at: BusinessTime | None = None
    transfer_slip_no: DocumentNumber | None = None

    @field_validator("to_unit_code")
    @classmethod
    def _transfer_goes_elsewhere(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("from_unit_code"):
            raise ValueError(f"a transfer goes to another unit than {value}")
        return value

    @field_validator("step_due_at")
    @classmethod
    def _step_due_in_future(cls, value: BusinessTime | None, info: ValidationInfo) -> BusinessTime | None:
        rules.strictly_after(value, info, "occurred_at")
        return value


class SupplementSubmitted(IntakeDossierEvent):
    """E14 — Công dân đã gửi bổ sung: the applicant handed in what a post-receipt request asked for."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.supplement-submitted.v1"

    request_no: int = Field(ge=1, description="The SupplementRequested this answers")
    items: list[ProvidedItem] = Field(min_length=1)
    channel: Channel


class WithdrawalRequested(IntakeDossierEvent):
    """E19 — Công dân yêu cầu rút hồ sơ: before receipt a cancellation, after it DVCQG status 7."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.withdrawal-requested.v1"

    channel: Channel
    reason: Text | None = None


class DueDateCorrected(IntakeDossierEvent):
    """E30 — audited correction of the promised return time (never an edit of an earlier event)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.intake.due-date-corrected.v1"

    old_due_at: BusinessTime
    new_due_at: BusinessTime
    reason: Text
    approved_by: Identifier

    @field_validator("new_due_at")
    @classmethod
    def _correction_changes_something(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        if value == info.data.get("old_due_at"):
            raise ValueError("a correction must change the due time")
        return value


EVENTS: tuple[type[PublicEvent], ...] = (
    DossierSubmitted,
    IntakeSupplementRequested,
    IntakeSupplementProvided,
    DossierRefused,
    DossierReceived,
    ComponentDigitized,
    DossierTransferred,
    SupplementSubmitted,
    WithdrawalRequested,
    DueDateCorrected,
)
