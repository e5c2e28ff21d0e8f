"""The intake side of a dossier (hồ sơ): submission, intake supplement, refusal, receipt, digitisation,
transfer, payment at the counter, withdrawal and audited due-time corrections, with the guards of
domain.md §2.15.

Each command checks its guard and either raises ``IntakeRuleViolation`` naming the rule (recording
nothing) or triggers one explicit event class, whose ``evolve`` is the only code that changes state, so
replaying the stored events rebuilds the same dossier and an old event can be upcast later
(``class_version`` + ``upcast_vN_vN+1``). Every event carries the command's actor, correlation and
causation ids, its business time, and — if it is published — its public ``seq`` (ADR 0251). Intake learns
what processing decided (a result, a stop) through ``note_*`` commands whose events stay internal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from contracts.enums import (
    ActorKind,
    Channel,
    DigitisationSource,
    NotificationChannel,
    OnlineMode,
    Outcome,
    PaymentMethod,
    RefusalReason,
    ReturnMethod,
    TransferMode,
)
from intake.calendar import VIETNAM_TZ, WorkingCalendar
from intake.deadlines import Deadline
from intake.dossier_values import (
    Actor,
    Address,
    Applicant,
    Component,
    FeeLine,
    ProvidedItem,
    RequestedItem,
    Stamp,
)
from intake.due_correction import Approver, ApproverRole, DueCorrection, check_office_time
from intake.errors import IntakeRuleViolation, invalid


class DossierStatus(StrEnum):
    """What intake knows of a dossier (domain.md §2.15; DVCQG code in the comment)."""

    SUBMITTED = "SUBMITTED"  # 1
    AWAITING_INTAKE_SUPPLEMENT = "AWAITING_INTAKE_SUPPLEMENT"  # 1, clock not started
    REFUSED = "REFUSED"  # 3, terminal
    RECEIVED = "RECEIVED"  # 2, clock running, not yet transferred
    IN_PROCESSING = "IN_PROCESSING"  # 4, transferred to the competent agency
    WITHDRAWAL_REQUESTED = "WITHDRAWAL_REQUESTED"  # 7, waiting for processing to stop
    RESULT_READY = "RESULT_READY"  # 9, learned from processing
    STOPPED = "STOPPED"  # 8, learned from processing; terminal
    CANCELLED = "CANCELLED"  # withdrawn before receipt; terminal, outside 766

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]


_LABELS_VI = {
    DossierStatus.SUBMITTED: "mới nộp, chờ kiểm tra",
    DossierStatus.AWAITING_INTAKE_SUPPLEMENT: "chờ bổ sung trước tiếp nhận",
    DossierStatus.REFUSED: "đã từ chối tiếp nhận",
    DossierStatus.RECEIVED: "đã tiếp nhận",
    DossierStatus.IN_PROCESSING: "đang xử lý",
    DossierStatus.WITHDRAWAL_REQUESTED: "công dân yêu cầu rút hồ sơ",
    DossierStatus.RESULT_READY: "đã có kết quả",
    DossierStatus.STOPPED: "đã dừng xử lý",
    DossierStatus.CANCELLED: "đã hủy (rút trước khi tiếp nhận)",
}

TERMINAL = frozenset({DossierStatus.REFUSED, DossierStatus.CANCELLED, DossierStatus.STOPPED})
BEFORE_RECEIPT = frozenset({DossierStatus.SUBMITTED, DossierStatus.AWAITING_INTAKE_SUPPLEMENT})
# Payments the desk itself takes; online payments arrive from the payment platform.
DESK_PAYMENT_METHODS = frozenset(
    {PaymentMethod.CASH_COUNTER, PaymentMethod.BANK_TRANSFER, PaymentMethod.POSTAL_COLLECTED}
)
_NEEDS_ORIGIN = frozenset(
    {DigitisationSource.REUSED_FROM_OTHER_COMPONENT, DigitisationSource.REUSED_FROM_PREVIOUS_RESULT}
)


class Dossier(Aggregate):
    """One dossier as the one-stop desk sees it. Build it with ``submit``; never call the class."""

    # --- events ---------------------------------------------------------------------------------------
    # Enum-valued fields are declared ``str``: stored events give back plain strings.

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: Actor
        correlation_id: UUID
        causation_id: UUID | None
        public_seq: int | None  # None: an internal event, never published

        def apply(self, aggregate: Dossier) -> None:
            if self.public_seq is not None:
                aggregate.public_seq = self.public_seq
            self.evolve(aggregate)

        def evolve(self, aggregate: Dossier) -> None:
            raise NotImplementedError

    class Submitted(Event, Aggregate.Created):
        channel: str
        online_mode: str | None
        procedure_code: str
        procedure_version: str | None
        receiving_unit_code: str
        processing_unit_code: str
        summary: str | None
        applicant: Applicant
        vneid_authenticated: bool
        components: Sequence[Component]
        result_return_method: str
        postal_return_address: Address | None
        dossier_code: str | None
        published_components: Sequence[str]  # the catalogue's list when submitted
        required_components: Sequence[str]

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.SUBMITTED
            aggregate.channel = Channel(self.channel)
            aggregate.procedure_code = self.procedure_code
            aggregate.receiving_unit_code = self.receiving_unit_code
            aggregate.processing_unit_code = self.processing_unit_code
            aggregate.applicant = self.applicant
            aggregate.components = tuple(self.components)
            aggregate.result_return_method = ReturnMethod(self.result_return_method)
            aggregate.dossier_code = self.dossier_code
            aggregate.published_components = tuple(self.published_components)
            aggregate.required_components = tuple(self.required_components)
            aggregate.submitted_at = self.occurred_at

    class IntakeSupplementRequested(Event):
        reasons: str
        items: Sequence[RequestedItem]
        notice_channel: str
        notice_no: str | None
        applicant_deadline: datetime | None

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.AWAITING_INTAKE_SUPPLEMENT
            aggregate.intake_supplement_requests += 1

    class IntakeSupplementProvided(Event):
        items: Sequence[ProvidedItem]
        channel: str

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.SUBMITTED
            aggregate.provided_items = (*aggregate.provided_items, *self.items)
            aggregate.supplement_provided_at = self.occurred_at

    class Refused(Event):
        reason_code: str
        reason_text: str
        notice_no: str | None

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.REFUSED

    class Received(Event):
        # Procedure, channel and units are repeated: the public event must stand alone (walk-in).
        dossier_code: str
        procedure_code: str
        channel: str
        receiving_unit_code: str
        processing_unit_code: str
        legal_receipt_at: datetime
        clock_start_at: datetime
        duration_value: Decimal
        duration_unit: str
        due_at: datetime
        immediate_result: bool
        receipt_slip_no: str | None
        workflow_id: str | None
        fee_lines: Sequence[FeeLine]
        handover_record_no: str | None  # postal: the hand-over record (biên bản giao nhận)

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.RECEIVED
            aggregate.dossier_code = self.dossier_code
            aggregate.received_at = self.occurred_at
            aggregate.legal_receipt_at = self.legal_receipt_at
            aggregate.clock_start_at = self.clock_start_at
            aggregate.due_at = self.due_at
            aggregate.receipt_due_at = self.due_at
            aggregate.receipt_slip_no = self.receipt_slip_no
            aggregate.fee_lines = tuple(self.fee_lines)

    class ComponentDigitized(Event):
        component_code: str
        file_ref: str
        sha256: str
        source: str
        reused_from: str | None
        digitally_signed: bool
        signer: str | None
        stored_in_data_store: bool

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.digitised = {**aggregate.digitised, self.component_code: self.sha256}

    class Transferred(Event):
        from_unit_code: str
        to_unit_code: str
        mode: str
        step_due_at: datetime | None
        transfer_slip_no: str | None

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.IN_PROCESSING

    class PaymentRecorded(Event):
        lines: Sequence[FeeLine]
        amount_vnd: int
        method: str
        transaction_ref: str | None
        receipt_no: str | None

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.paid_lines = (*aggregate.paid_lines, *self.lines)

    class WithdrawalRequested(Event):
        channel: str
        reason: str | None
        before_receipt: bool  # True: a plain cancellation; False: processing must stop (DVCQG 7)

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = (
                DossierStatus.CANCELLED if self.before_receipt else DossierStatus.WITHDRAWAL_REQUESTED
            )

    class ResultNoted(Event):
        """Processing issued the result or rejected the dossier (internal: processing publishes it)."""

        outcome: str
        source_event_id: UUID

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.RESULT_READY
            aggregate.outcome = Outcome(self.outcome)
            aggregate.result_source_event_id = self.source_event_id

    class SupplementRequestNoted(Event):
        """Processing asked for a supplement after receipt (internal: processing publishes E13)."""

        request_no: int
        source_event_id: UUID

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.open_supplement_request = self.request_no
            aggregate.supplement_request_sources = (
                *aggregate.supplement_request_sources,
                self.source_event_id,
            )

    class SupplementSubmitted(Event):
        """E14: the applicant handed in what the post-receipt request asked for."""

        request_no: int
        items: Sequence[ProvidedItem]
        channel: str

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.open_supplement_request = None
            aggregate.provided_items = (*aggregate.provided_items, *self.items)

    class DueDateCorrected(Event):
        """E30: the promised return time was wrong and is corrected, with a reason and a second person's
        approval; the actor is the officer who asked."""

        old_due_at: datetime
        new_due_at: datetime
        reason: str
        approved_by: str
        approver_role: str
        approver_unit_code: str | None

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.due_at = self.new_due_at
            aggregate.due_corrections = (
                *aggregate.due_corrections,
                DueCorrection(
                    corrected_at=self.occurred_at,
                    old_due_at=self.old_due_at,
                    new_due_at=self.new_due_at,
                    reason=self.reason,
                    requested_by=self.actor.id,
                    approved_by=self.approved_by,
                    approver_role=ApproverRole(self.approver_role),
                ),
            )

    class ProcessingStopNoted(Event):
        """Processing stopped the dossier (internal: processing publishes it)."""

        source_event_id: UUID

        def evolve(self, aggregate: Dossier) -> None:
            aggregate.status = DossierStatus.STOPPED
            aggregate.stop_source_event_id = self.source_event_id

    # --- state ----------------------------------------------------------------------------------------

    def __init__(self) -> None:
        self.status = DossierStatus.SUBMITTED
        self.public_seq = 0
        self.channel = Channel.COUNTER
        self.procedure_code = ""
        self.receiving_unit_code = ""
        self.processing_unit_code = ""
        self.applicant: Applicant | None = None
        self.components: tuple[Component, ...] = ()
        self.result_return_method = ReturnMethod.COUNTER
        self.dossier_code: str | None = None
        self.published_components: tuple[str, ...] = ()
        self.required_components: tuple[str, ...] = ()
        self.submitted_at: datetime | None = None
        self.intake_supplement_requests = 0
        self.provided_items: tuple[ProvidedItem, ...] = ()
        self.supplement_provided_at: datetime | None = None
        self.received_at: datetime | None = None
        self.legal_receipt_at: datetime | None = None
        self.clock_start_at: datetime | None = None
        self.due_at: datetime | None = None  # the promise that applies now (after any correction)
        self.receipt_due_at: datetime | None = None  # the promise printed at receipt
        self.due_corrections: tuple[DueCorrection, ...] = ()
        self.receipt_slip_no: str | None = None
        self.fee_lines: tuple[FeeLine, ...] = ()
        self.paid_lines: tuple[FeeLine, ...] = ()
        self.digitised: dict[str, str] = {}
        self.outcome: Outcome | None = None
        self.result_source_event_id: UUID | None = None
        self.stop_source_event_id: UUID | None = None
        self.open_supplement_request: int | None = None
        self.supplement_request_sources: tuple[UUID, ...] = ()

    # --- queries --------------------------------------------------------------------------------------

    @property
    def is_received(self) -> bool:
        return self.received_at is not None

    def known_component_codes(self) -> set[str]:
        """Components submitted or handed in later."""
        provided = {item.component_code for item in self.provided_items if item.component_code}
        return {component.code for component in self.components} | provided

    def missing_components(self) -> list[str]:
        """Required components of the catalogue that nobody has handed in yet."""
        known = self.known_component_codes()
        return [code for code in self.required_components if code not in known]

    def open_fee_lines(self) -> list[FeeLine]:
        """Receipt-time fee lines not yet paid (each line is paid once)."""
        remaining = list(self.fee_lines)
        for line in self.paid_lines:
            if line in remaining:
                remaining.remove(line)
        return remaining

    def legal_receipt_time(self, receipt_at: datetime, *, handover_signed_at: datetime | None) -> datetime:
        """The legal submission time for a receipt recorded at ``receipt_at`` (domain.md §3.1).

        Counter: the receipt itself. Online: the submission, or the completed supplement. Postal: the
        signing of the hand-over record (QĐ45 Art 7(4)), or the completed supplement if that came later.
        """
        if self.channel is Channel.POSTAL and handover_signed_at is not None:
            base = handover_signed_at
        elif self.channel is Channel.ONLINE and self.submitted_at is not None:
            base = self.submitted_at
        else:
            return receipt_at
        supplemented = self.supplement_provided_at
        return max(base, supplemented) if supplemented is not None else base

    # --- commands -------------------------------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        dossier_id: UUID,
        stamp: Stamp,
        *,
        channel: Channel,
        online_mode: OnlineMode | None,
        procedure_code: str,
        procedure_version: str | None,
        receiving_unit_code: str,
        processing_unit_code: str,
        summary: str | None,
        applicant: Applicant,
        vneid_authenticated: bool,
        components: Sequence[Component],
        result_return_method: ReturnMethod,
        postal_return_address: Address | None,
        dossier_code: str | None,
        published_components: Sequence[str],
        required_components: Sequence[str],
    ) -> Dossier:
        """E1: a new dossier, SUBMITTED. The desk has checked the procedure, units, channel and values."""
        if (channel is Channel.ONLINE) != (online_mode is not None):
            raise invalid(
                "ONLINE_MODE",
                "Chỉ hồ sơ nộp trực tuyến mới ghi mức độ (toàn trình / một phần), và phải ghi.",
                "online_mode is given for ONLINE submissions, and only for them.",
                field="online_mode",
            )
        if not components:
            raise invalid(
                "COMPONENTS_REQUIRED",
                "Hồ sơ phải có ít nhất một thành phần.",
                "A dossier has at least one component.",
                field="components",
            )
        return cls._create(
            cls.Submitted,
            id=dossier_id,
            timestamp=stamp.recorded_at,
            **_envelope(stamp, 1),
            channel=channel.value,
            online_mode=online_mode.value if online_mode else None,
            procedure_code=procedure_code,
            procedure_version=procedure_version,
            receiving_unit_code=receiving_unit_code,
            processing_unit_code=processing_unit_code,
            summary=summary,
            applicant=applicant,
            vneid_authenticated=vneid_authenticated,
            components=tuple(components),
            result_return_method=result_return_method.value,
            postal_return_address=postal_return_address,
            dossier_code=dossier_code,
            published_components=tuple(published_components),
            required_components=tuple(required_components),
        )

    def request_intake_supplement(
        self,
        stamp: Stamp,
        *,
        reasons: str,
        items: Sequence[RequestedItem],
        notice_channel: NotificationChannel,
        notice_no: str | None = None,
        applicant_deadline: datetime | None = None,
    ) -> None:
        """E2: SUBMITTED → AWAITING_INTAKE_SUPPLEMENT, once per dossier ("bổ sung một lần đầy đủ")."""
        self._refuse_if_terminal()
        if self.intake_supplement_requests:
            raise IntakeRuleViolation(
                "INTAKE_SUPPLEMENT_ONCE",
                "Hồ sơ đã được yêu cầu bổ sung một lần; chỉ được hướng dẫn bổ sung một lần đầy đủ.",
                "An intake supplement was already requested; the applicant is guided once, completely.",
            )
        if self.status is not DossierStatus.SUBMITTED:
            raise IntakeRuleViolation(
                "SUPPLEMENT_AFTER_RECEIPT",
                "Hồ sơ đã được tiếp nhận; yêu cầu bổ sung sau tiếp nhận do cơ quan giải quyết thực hiện.",
                f"The dossier is {self.status}; a supplement after receipt is requested by processing.",
            )
        if not reasons.strip():
            raise invalid(
                "REASONS_REQUIRED", "Phải nêu rõ lý do.", "The reasons must be stated.", field="reasons"
            )
        _check_items_named(items)
        for index, item in enumerate(items):
            if item.component_code is not None and item.component_code not in self.published_components:
                raise invalid(
                    "SUPPLEMENT_ITEM_NOT_PUBLISHED",
                    f"Thành phần {item.component_code} không có trong danh mục đã công bố của thủ tục;"
                    " không được yêu cầu giấy tờ ngoài danh mục.",
                    f"Component {item.component_code} is not in the procedure's published list; asking for"
                    " documents outside it is prohibited.",
                    field=f"items[{index}].component_code",
                )
        if applicant_deadline is not None and applicant_deadline <= stamp.occurred_at:
            raise invalid(
                "DEADLINE_IN_PAST",
                "Hạn bổ sung phải sau thời điểm yêu cầu.",
                "The applicant's deadline must be later than the request.",
                field="applicant_deadline",
            )
        self._trigger(
            self.IntakeSupplementRequested,
            stamp,
            reasons=reasons,
            items=tuple(items),
            notice_channel=notice_channel.value,
            notice_no=notice_no,
            applicant_deadline=applicant_deadline,
        )

    def provide_intake_supplement(
        self, stamp: Stamp, *, items: Sequence[ProvidedItem], channel: Channel
    ) -> None:
        """E3: AWAITING_INTAKE_SUPPLEMENT → SUBMITTED."""
        self._refuse_if_terminal()
        if self.status is not DossierStatus.AWAITING_INTAKE_SUPPLEMENT:
            raise IntakeRuleViolation(
                "NO_SUPPLEMENT_REQUESTED",
                "Hồ sơ không ở trạng thái chờ bổ sung trước tiếp nhận.",
                f"The dossier is {self.status}; no intake supplement is awaited.",
            )
        _check_items_named(items)
        for index, item in enumerate(items):
            if item.component_code is not None and item.component_code not in self.published_components:
                raise invalid(
                    "COMPONENT_NOT_PUBLISHED",
                    f"Thành phần {item.component_code} không có trong danh mục thành phần hồ sơ của thủ tục.",
                    f"Component {item.component_code} is not published for the procedure.",
                    field=f"items[{index}].component_code",
                )
        self._trigger(self.IntakeSupplementProvided, stamp, items=tuple(items), channel=channel.value)

    def refuse(
        self, stamp: Stamp, *, reason_code: RefusalReason, reason_text: str, notice_no: str | None = None
    ) -> None:
        """E4: SUBMITTED or AWAITING_INTAKE_SUPPLEMENT → REFUSED (terminal)."""
        self._refuse_if_terminal()
        if self.status not in BEFORE_RECEIPT:
            raise IntakeRuleViolation(
                "REFUSE_AFTER_RECEIPT",
                "Hồ sơ đã được tiếp nhận; không thể từ chối tiếp nhận (cơ quan giải quyết ra văn bản từ chối"
                " giải quyết).",
                f"The dossier is {self.status}; after receipt only processing can reject it.",
            )
        if not reason_text.strip():
            raise invalid(
                "REFUSAL_REASON_REQUIRED",
                "Phiếu từ chối phải nêu rõ lý do.",
                "A refusal states its reason.",
                field="reason_text",
            )
        self._trigger(
            self.Refused, stamp, reason_code=reason_code.value, reason_text=reason_text, notice_no=notice_no
        )

    def check_receivable(self, *, by_handover: bool) -> None:
        """Raise the rule that forbids receiving this dossier now, if any (before numbers are allocated)."""
        self._refuse_if_terminal()
        if self.is_received:
            raise IntakeRuleViolation(
                "RECEIVE_TWICE",
                f"Hồ sơ đã được tiếp nhận (mã {self.dossier_code}); không tiếp nhận lần thứ hai.",
                f"The dossier was already received as {self.dossier_code}.",
            )
        if self.status is DossierStatus.AWAITING_INTAKE_SUPPLEMENT:
            raise IntakeRuleViolation(
                "SUPPLEMENT_PENDING",
                "Hồ sơ đang chờ công dân bổ sung; chưa thể tiếp nhận.",
                "The dossier awaits the applicant's supplement; it cannot be received yet.",
            )
        if self.channel is Channel.POSTAL and not by_handover:
            raise IntakeRuleViolation(
                "HANDOVER_REQUIRED",
                "Hồ sơ gửi qua bưu chính chỉ được tiếp nhận theo biên bản giao nhận đã ký.",
                "A postal dossier is received only through a signed hand-over record.",
            )
        missing = self.missing_components()
        if missing:
            raise IntakeRuleViolation(
                "COMPONENTS_INCOMPLETE",
                f"Hồ sơ còn thiếu thành phần bắt buộc: {', '.join(missing)}.",
                f"Required components are missing: {', '.join(missing)}.",
                field="components",
            )

    def receive(
        self,
        stamp: Stamp,
        *,
        dossier_code: str,
        legal_receipt_at: datetime,
        deadline: Deadline,
        immediate_result: bool,
        receipt_slip_no: str | None,
        workflow_id: str | None = None,
        fee_lines: Sequence[FeeLine] = (),
        handover_record_no: str | None = None,
    ) -> None:
        """E5: SUBMITTED → RECEIVED with its code, slip and deadline (the desk allocated and computed them)."""
        self.check_receivable(by_handover=handover_record_no is not None)
        if self.dossier_code is not None and dossier_code != self.dossier_code:
            raise IntakeRuleViolation(
                "DOSSIER_CODE_MISMATCH",
                f"Hồ sơ đã có mã {self.dossier_code}.",
                f"The dossier already has code {self.dossier_code}, not {dossier_code}.",
                field="dossier_code",
            )
        if receipt_slip_no is None and not immediate_result:
            raise invalid(
                "RECEIPT_SLIP_REQUIRED",
                "Hồ sơ được tiếp nhận phải có Giấy tiếp nhận và hẹn trả kết quả.",
                "A received dossier gets a receipt slip unless its result is immediate.",
                field="receipt_slip_no",
            )
        if legal_receipt_at > stamp.occurred_at:
            raise invalid(
                "RECEIPT_IN_FUTURE",
                "Thời điểm tiếp nhận hợp lệ không thể sau thời điểm ghi nhận.",
                "The legal receipt time cannot be later than the receipt itself.",
                field="legal_receipt_at",
            )
        self._trigger(
            self.Received,
            stamp,
            dossier_code=dossier_code,
            procedure_code=self.procedure_code,
            channel=self.channel.value,
            receiving_unit_code=self.receiving_unit_code,
            processing_unit_code=self.processing_unit_code,
            legal_receipt_at=legal_receipt_at,
            clock_start_at=deadline.clock_start_at,
            duration_value=deadline.duration.value,
            duration_unit=deadline.duration.unit.value,
            due_at=deadline.due_at,
            immediate_result=immediate_result,
            receipt_slip_no=receipt_slip_no,
            workflow_id=workflow_id,
            fee_lines=tuple(fee_lines),
            handover_record_no=handover_record_no,
        )

    def digitise(
        self,
        stamp: Stamp,
        *,
        component_code: str,
        file_ref: str,
        sha256: str,
        source: DigitisationSource,
        reused_from: str | None = None,
        digitally_signed: bool = False,
        signer: str | None = None,
        stored_in_data_store: bool = False,
    ) -> None:
        """E6: a component's file is attached (scanned, uploaded, taken from the data store or re-used)."""
        self._refuse_if_terminal()
        if component_code not in self.known_component_codes():
            raise invalid(
                "COMPONENT_UNKNOWN",
                f"Hồ sơ không có thành phần {component_code}.",
                f"The dossier has no component {component_code}.",
                field="component_code",
            )
        if source in _NEEDS_ORIGIN and not reused_from:
            raise invalid(
                "REUSED_FROM_REQUIRED",
                "Tệp tái sử dụng phải ghi rõ nguồn (thành phần hoặc kết quả).",
                f"A {source} file names the component or result it was re-used from.",
                field="reused_from",
            )
        if digitally_signed and not signer:
            raise invalid(
                "SIGNER_REQUIRED",
                "Tệp đã ký số phải ghi chủ thể chứng thư số.",
                "A digitally signed file names its signer.",
                field="signer",
            )
        self._trigger(
            self.ComponentDigitized,
            stamp,
            component_code=component_code,
            file_ref=file_ref,
            sha256=sha256,
            source=source.value,
            reused_from=reused_from,
            digitally_signed=digitally_signed,
            signer=signer,
            stored_in_data_store=stored_in_data_store,
        )

    def transfer(
        self,
        stamp: Stamp,
        *,
        to_unit_code: str,
        mode: TransferMode,
        step_due_at: datetime | None = None,
        transfer_slip_no: str | None = None,
    ) -> None:
        """E7: RECEIVED → IN_PROCESSING, handed to the competent agency."""
        self._refuse_if_terminal()
        if not self.is_received:
            raise IntakeRuleViolation(
                "NOT_RECEIVED",
                "Hồ sơ chưa được tiếp nhận; chưa thể chuyển xử lý.",
                "The dossier has not been received; it cannot be transferred.",
            )
        if self.status is not DossierStatus.RECEIVED:
            raise IntakeRuleViolation(
                "TRANSFER_TWICE" if self.status is DossierStatus.IN_PROCESSING else "ILLEGAL_TRANSITION",
                f"Hồ sơ đang ở trạng thái {self.status.label_vi}; không thể chuyển xử lý.",
                f"The dossier is {self.status}; it cannot be transferred.",
            )
        if to_unit_code == self.receiving_unit_code:
            raise invalid(
                "TRANSFER_SAME_UNIT",
                "Đơn vị nhận phải khác đơn vị chuyển.",
                "A transfer goes to another unit than the receiving one.",
                field="to_unit_code",
            )
        if step_due_at is not None and step_due_at <= stamp.occurred_at:
            raise invalid(
                "DEADLINE_IN_PAST",
                "Hạn của bước phải sau thời điểm chuyển.",
                "The step's due time must be later than the transfer.",
                field="step_due_at",
            )
        self._trigger(
            self.Transferred,
            stamp,
            from_unit_code=self.receiving_unit_code,
            to_unit_code=to_unit_code,
            mode=mode.value,
            step_due_at=step_due_at,
            transfer_slip_no=transfer_slip_no,
        )

    def record_payment(
        self,
        stamp: Stamp,
        *,
        lines: Sequence[FeeLine],
        method: PaymentMethod,
        receipt_no: str | None = None,
        transaction_ref: str | None = None,
    ) -> None:
        """E17 at the desk: receipt-time fee lines paid in cash, by transfer, or remitted by the post."""
        self._refuse_if_terminal()
        if not self.is_received:
            raise IntakeRuleViolation(
                "PAYMENT_BEFORE_RECEIPT",
                "Hồ sơ chưa được tiếp nhận nên chưa có khoản phí, lệ phí nào để thu.",
                "The dossier is not received yet, so it has no fee lines to pay.",
            )
        if self.status is DossierStatus.WITHDRAWAL_REQUESTED:
            raise IntakeRuleViolation(
                "ILLEGAL_TRANSITION",
                "Công dân đã yêu cầu rút hồ sơ; không thu phí, lệ phí.",
                "The applicant asked to withdraw the dossier; no fee is collected.",
            )
        if method not in DESK_PAYMENT_METHODS:
            raise invalid(
                "PAYMENT_METHOD_NOT_AT_DESK",
                "Thanh toán trực tuyến do nền tảng thanh toán ghi nhận, không ghi tại quầy.",
                f"{method} payments are recorded by the payment platform, not at the desk.",
                field="method",
            )
        if method.needs_transaction_ref and not transaction_ref:
            raise invalid(
                "TRANSACTION_REF_REQUIRED",
                "Thanh toán chuyển khoản phải có mã giao dịch.",
                f"A {method} payment carries its transaction reference.",
                field="transaction_ref",
            )
        if not lines:
            raise invalid(
                "PAYMENT_LINES_REQUIRED",
                "Phải ghi các khoản được thanh toán.",
                "A payment lists the fee lines it pays.",
                field="lines",
            )
        remaining = self.open_fee_lines()
        for index, line in enumerate(lines):
            if line.amount_vnd < 0:
                raise invalid(
                    "FEE_NEGATIVE",
                    "Số tiền không được âm.",
                    "An amount cannot be negative.",
                    field=f"lines[{index}].amount_vnd",
                )
            if line not in remaining:
                raise IntakeRuleViolation(
                    "PAYMENT_NO_MATCH",
                    f"Khoản '{line.name}' ({line.amount_vnd} đồng) không khớp khoản phí, lệ phí nào còn phải"
                    " nộp khi tiếp nhận.",
                    f"Line '{line.name}' ({line.amount_vnd} VND) matches no unpaid receipt-time fee line.",
                    field=f"lines[{index}]",
                )
            remaining.remove(line)
        total = sum(line.amount_vnd for line in lines)
        if total <= 0:
            raise invalid(
                "PAYMENT_NOTHING_DUE",
                "Tổng số tiền thanh toán phải lớn hơn 0.",
                "A payment is for more than 0 VND.",
                field="lines",
            )
        self._trigger(
            self.PaymentRecorded,
            stamp,
            lines=tuple(lines),
            amount_vnd=total,
            method=method.value,
            transaction_ref=transaction_ref,
            receipt_no=receipt_no,
        )

    def withdraw(self, stamp: Stamp, *, channel: Channel, reason: str | None = None) -> DossierStatus:
        """E19: before receipt a cancellation (CANCELLED); after it a request to stop (WITHDRAWAL_REQUESTED)."""
        self._refuse_if_terminal()
        if self.status is DossierStatus.RESULT_READY:
            raise IntakeRuleViolation(
                "WITHDRAW_AFTER_RESULT",
                "Hồ sơ đã có kết quả giải quyết; không thể rút, kết quả sẽ được trả cho công dân.",
                "A result was already issued; the dossier cannot be withdrawn, the result is returned.",
            )
        if self.status is DossierStatus.WITHDRAWAL_REQUESTED:
            raise IntakeRuleViolation(
                "WITHDRAWAL_ALREADY_REQUESTED",
                "Công dân đã yêu cầu rút hồ sơ này.",
                "Withdrawal of this dossier was already requested.",
            )
        self._trigger(
            self.WithdrawalRequested,
            stamp,
            channel=channel.value,
            reason=reason,
            before_receipt=self.status in BEFORE_RECEIPT,
        )
        return self.status

    def correct_due_date(
        self,
        stamp: Stamp,
        *,
        new_due_at: datetime,
        reason: str,
        approver: Approver,
        calendar: WorkingCalendar,
        after_end: bool = False,
    ) -> None:
        """E30: correct a wrongly promised return time (ADR 0254), asked by an officer, approved by another
        person who leads the agency or operates the system. ``calendar`` is the processing unit's."""
        self._refuse_if_terminal()
        if not self.is_received or self.due_at is None:
            raise IntakeRuleViolation(
                "NOT_RECEIVED",
                "Hồ sơ chưa được tiếp nhận nên chưa có thời hạn trả kết quả để điều chỉnh.",
                "The dossier has not been received, so it has no due time to correct.",
            )
        if not after_end and self.status is DossierStatus.RESULT_READY:
            raise IntakeRuleViolation(
                "CORRECTION_AFTER_RESULT",
                "Hồ sơ đã có kết quả giải quyết; không điều chỉnh thời hạn trả kết quả nữa.",
                "The dossier already has its result; its due time is no longer corrected.",
            )
        if not after_end and self.status is DossierStatus.WITHDRAWAL_REQUESTED:
            raise IntakeRuleViolation(
                "CORRECTION_AFTER_WITHDRAWAL",
                "Công dân đã yêu cầu rút hồ sơ; thời gian giải quyết đã kết thúc, không điều chỉnh thời hạn.",
                "The applicant asked to withdraw; the handling time has ended and the due time stays.",
            )
        if stamp.actor.kind is not ActorKind.OFFICER:
            raise IntakeRuleViolation(
                "OFFICER_REQUIRED",
                "Chỉ cán bộ mới được đề nghị điều chỉnh thời hạn trả kết quả.",
                "Only an officer may ask for a correction of the due time.",
                status=403,
            )
        if not reason.strip():
            raise invalid(
                "REASON_REQUIRED",
                "Phải nêu rõ lý do điều chỉnh thời hạn.",
                "A correction states its reason.",
                field="reason",
            )
        if not approver.id.strip():
            raise invalid(
                "APPROVER_REQUIRED",
                "Điều chỉnh thời hạn phải có người phê duyệt.",
                "A correction needs an approver.",
                field="approved_by",
            )
        if approver.id == stamp.actor.id:
            raise invalid(
                "FOUR_EYES",
                "Người phê duyệt phải là người khác với cán bộ đề nghị điều chỉnh.",
                "The approver must be another person than the officer asking for the correction.",
                field="approved_by",
            )
        if new_due_at.tzinfo is None or new_due_at.utcoffset() is None:
            raise invalid(
                "TIME_WITHOUT_ZONE",
                "Thời điểm phải kèm múi giờ.",
                "A time must carry its time zone.",
                field="new_due_at",
            )
        new_due_at = new_due_at.astimezone(VIETNAM_TZ)
        if new_due_at == self.due_at:
            raise invalid(
                "DUE_DATE_UNCHANGED",
                "Thời hạn mới trùng với thời hạn hiện tại; không có gì để điều chỉnh.",
                "The new due time is the current one; there is nothing to correct.",
                field="new_due_at",
            )
        receipt = self.legal_receipt_at or self.received_at
        if receipt is not None and new_due_at < receipt:
            raise invalid(
                "DUE_BEFORE_RECEIPT",
                "Thời hạn trả kết quả không thể trước thời điểm tiếp nhận hồ sơ.",
                "The due time cannot be before the dossier's receipt.",
                field="new_due_at",
            )
        check_office_time(calendar, new_due_at)
        self._trigger(
            self.DueDateCorrected,
            stamp,
            old_due_at=self.due_at,
            new_due_at=new_due_at,
            reason=reason.strip(),
            approved_by=approver.id,
            approver_role=approver.role.value,
            approver_unit_code=approver.unit_code,
        )

    def note_result(self, stamp: Stamp, *, outcome: Outcome, source_event_id: UUID) -> None:
        """Processing issued a result or rejected the dossier (E21/E22): RESULT_READY. Idempotent."""
        if self.result_source_event_id == source_event_id:
            return
        self._refuse_if_terminal()
        if not self.is_received:
            raise IntakeRuleViolation(
                "RESULT_BEFORE_RECEIPT",
                "Hồ sơ chưa được tiếp nhận nên chưa thể có kết quả.",
                "A dossier that was never received cannot have a result.",
            )
        if self.status is DossierStatus.RESULT_READY:
            raise IntakeRuleViolation(
                "RESULT_TWICE",
                "Hồ sơ đã có kết quả (chỉ chọn một kết quả).",
                "The dossier already has an outcome.",
            )
        self._trigger(
            self.ResultNoted, stamp, public=False, outcome=outcome.value, source_event_id=source_event_id
        )

    def note_supplement_requested(self, stamp: Stamp, *, request_no: int, source_event_id: UUID) -> None:
        """Processing asked for a supplement (E13), routed through the desk. Idempotent by the upstream id."""
        if source_event_id in self.supplement_request_sources:
            return
        self._refuse_if_terminal()
        if not self.is_received:
            raise IntakeRuleViolation(
                "SUPPLEMENT_BEFORE_RECEIPT",
                "Hồ sơ chưa được tiếp nhận nên chưa thể yêu cầu bổ sung sau tiếp nhận.",
                "A dossier that was never received cannot be asked for a post-receipt supplement.",
            )
        self._trigger(
            self.SupplementRequestNoted,
            stamp,
            public=False,
            request_no=request_no,
            source_event_id=source_event_id,
        )

    def submit_supplement(self, stamp: Stamp, *, items: Sequence[ProvidedItem], channel: Channel) -> None:
        """E14: the applicant answers the open post-receipt supplement request at the desk or online."""
        self._refuse_if_terminal()
        if self.open_supplement_request is None:
            raise IntakeRuleViolation(
                "NO_SUPPLEMENT_REQUESTED",
                "Cơ quan giải quyết không yêu cầu bổ sung hồ sơ này (hoặc đã nhận bổ sung).",
                "No post-receipt supplement request is open for this dossier.",
            )
        _check_items_named(items)
        for index, item in enumerate(items):
            if item.component_code is not None and item.component_code not in self.published_components:
                raise invalid(
                    "COMPONENT_NOT_PUBLISHED",
                    f"Thành phần {item.component_code} không có trong danh mục thành phần hồ sơ của thủ tục.",
                    f"Component {item.component_code} is not published for the procedure.",
                    field=f"items[{index}].component_code",
                )
        self._trigger(
            self.SupplementSubmitted,
            stamp,
            request_no=self.open_supplement_request,
            items=tuple(items),
            channel=channel.value,
        )

    def note_processing_stopped(self, stamp: Stamp, *, source_event_id: UUID) -> None:
        """Processing stopped the dossier (E20): STOPPED, terminal. Idempotent."""
        if self.stop_source_event_id == source_event_id:
            return
        self._refuse_if_terminal()
        if not self.is_received:
            raise IntakeRuleViolation(
                "NOT_RECEIVED",
                "Hồ sơ chưa được tiếp nhận nên không có gì để dừng.",
                "A dossier that was never received cannot be stopped.",
            )
        if self.status is DossierStatus.RESULT_READY:
            raise IntakeRuleViolation(
                "STOP_AFTER_RESULT",
                "Hồ sơ đã có kết quả; không thể dừng xử lý.",
                "The dossier already has a result; it cannot be stopped.",
            )
        self._trigger(self.ProcessingStopNoted, stamp, public=False, source_event_id=source_event_id)

    # --- helpers --------------------------------------------------------------------------------------

    def _refuse_if_terminal(self) -> None:
        if self.status in TERMINAL:
            raise IntakeRuleViolation(
                "TERMINAL_STATE",
                f"Hồ sơ {self.status.label_vi}; không thể thực hiện thêm thao tác.",
                f"The dossier is {self.status}, a final state; nothing more can be done to it.",
            )

    def _trigger(
        self, event_class: type[Dossier.Event], stamp: Stamp, *, public: bool = True, **fields: Any
    ) -> None:
        self.trigger_event(
            event_class,
            timestamp=stamp.recorded_at,
            **_envelope(stamp, self.public_seq + 1 if public else None),
            **fields,
        )


def _envelope(stamp: Stamp, public_seq: int | None) -> dict[str, Any]:
    return {
        "occurred_at": stamp.occurred_at,
        "actor": stamp.actor,
        "correlation_id": stamp.correlation_id,
        "causation_id": stamp.causation_id,
        "public_seq": public_seq,
    }


def _check_items_named(items: Iterable[RequestedItem | ProvidedItem]) -> None:
    listed = list(items)
    if not listed:
        raise invalid(
            "ITEMS_REQUIRED",
            "Phải liệt kê các thành phần cần bổ sung.",
            "The items concerned must be listed.",
            field="items",
        )
    for index, item in enumerate(listed):
        if not item.name.strip():
            raise invalid(
                "ITEM_NAME_REQUIRED",
                "Thiếu tên thành phần.",
                "An item needs a name.",
                field=f"items[{index}].name",
            )


__all__ = ["BEFORE_RECEIPT", "DESK_PAYMENT_METHODS", "TERMINAL", "Dossier", "DossierStatus"]
