"""The delivery side of one dossier (id = dossier id): what the applicant must get back, the messages
sent to them, the return itself (counter, online, postal, kiosk) and their rating.

One aggregate per dossier because every public event delivery produces for a dossier — E24 notices, the
postal pick-up request, E25 and E26 — shares one gap-free ``seq`` (ADR 0101, 0600). It opens on the first
fact that concerns it, whichever topic brings it first: the applicant and return method (intake E1), the
receipt and promised time (E5), or the result (E21/E22); facts arrive out of order across topics and the
rules below only use what is known.

Each command checks its guard and either raises ``DeliveryRuleViolation`` naming the rule (recording
nothing) or triggers one explicit event class whose ``evolve`` is the only code that changes state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from contracts.enums import (
    ApplicantKind,
    Channel,
    NotificationChannel,
    Outcome,
    RatingChannel,
    ReturnMethod,
    SatisfactionLevel,
)
from delivery.errors import DeliveryRuleViolation, NotFound, invalid
from delivery.notifications import MessageKind
from delivery.values import Actor, Address, Contact, CriterionScore, PostalItem, Recipient, ResultPaper, Stamp


class DeliveryStatus(StrEnum):
    AWAITING_RESULT = "AWAITING_RESULT"  # no outcome known yet
    RESULT_READY = "RESULT_READY"  # DVCQG 9: waits at the desk (also after a postal return to the agency)
    WITH_POSTAL_PARTNER = "WITH_POSTAL_PARTNER"  # pick-up requested or result taken by the post
    IN_KIOSK = "IN_KIOSK"  # deposited in a result locker
    RETURNED = "RETURNED"  # DVCQG 10, terminal
    CLOSED = "CLOSED"  # refused or stopped: no result will come

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]


_LABELS_VI = {
    DeliveryStatus.AWAITING_RESULT: "chưa có kết quả",
    DeliveryStatus.RESULT_READY: "đã có kết quả, chờ trả",
    DeliveryStatus.WITH_POSTAL_PARTNER: "kết quả đang do bưu chính chuyển phát",
    DeliveryStatus.IN_KIOSK: "kết quả đang ở tủ trả kết quả",
    DeliveryStatus.RETURNED: "đã trả kết quả",
    DeliveryStatus.CLOSED: "hồ sơ đã kết thúc, không có kết quả để trả",
}


class MessageStatus(StrEnum):
    REQUESTED = "REQUESTED"
    SENT = "SENT"
    ABANDONED = "ABANDONED"


@dataclass
class MessageState:
    """A requested message as the aggregate tracks it (rebuilt from events, never stored as such)."""

    message_id: UUID
    kind: MessageKind
    channel: NotificationChannel
    to: str
    subject: str
    body: str
    requested_at: datetime
    correlation_id: UUID
    causation_id: UUID | None
    status: MessageStatus = MessageStatus.REQUESTED
    attempts: int = 0


@dataclass(frozen=True)
class ApplicantFacts:
    """What intake's E1 says about who gets the result and how."""

    kind: ApplicantKind
    name: str
    id_number: str
    phone: str | None
    email: str | None
    channel: Channel
    procedure_code: str
    receiving_unit_code: str
    return_method: ReturnMethod
    postal_return_address: Address | None
    originals_to_return: tuple[str, ...]


class ResultDelivery(Aggregate):
    """Result return for one dossier. Build it with ``open``; never call the class."""

    # --- events ---------------------------------------------------------------------------------------
    # Enum-valued fields are declared ``str``: stored events give back plain strings.

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: Actor
        correlation_id: UUID
        causation_id: UUID | None
        public_seq: int | None  # None: an internal event, never published

        def apply(self, aggregate: ResultDelivery) -> None:
            if self.public_seq is not None:
                aggregate.public_seq = self.public_seq
            self.evolve(aggregate)

        def evolve(self, aggregate: ResultDelivery) -> None:
            raise NotImplementedError

    class Opened(Event, Aggregate.Created):
        def evolve(self, aggregate: ResultDelivery) -> None:
            pass

    class ApplicantNoted(Event):
        source_event_id: UUID
        applicant_kind: str
        name: str
        id_number: str
        phone: str | None
        email: str | None
        channel: str
        procedure_code: str
        receiving_unit_code: str
        return_method: str
        postal_return_address: Address | None
        originals_to_return: Sequence[str]
        dossier_code: str | None  # when the portal numbered the dossier at submission

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.dossier_code = aggregate.dossier_code or self.dossier_code
            aggregate.applicant = ApplicantFacts(
                kind=ApplicantKind(self.applicant_kind),
                name=self.name,
                id_number=self.id_number,
                phone=self.phone,
                email=self.email,
                channel=Channel(self.channel),
                procedure_code=self.procedure_code,
                receiving_unit_code=self.receiving_unit_code,
                return_method=ReturnMethod(self.return_method),
                postal_return_address=self.postal_return_address,
                originals_to_return=tuple(self.originals_to_return),
            )

    class ReceiptNoted(Event):
        source_event_id: UUID
        dossier_code: str
        due_at: datetime
        receiving_unit_code: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.dossier_code = self.dossier_code
            aggregate.due_at = self.due_at
            aggregate.receiving_unit_code = self.receiving_unit_code

    class DueDateChanged(Event):
        source_event_id: UUID
        due_at: datetime

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.due_at = self.due_at

    class ObligationNoted(Event):
        source_event_id: UUID
        obligation_id: str
        amount_vnd: int

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.obligations = {**aggregate.obligations, self.obligation_id: self.amount_vnd}

    class PaymentNoted(Event):
        source_event_id: UUID
        obligation_id: str
        amount_vnd: int

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            paid = aggregate.paid.get(self.obligation_id, 0) + self.amount_vnd
            aggregate.paid = {**aggregate.paid, self.obligation_id: paid}

    class ResultArrived(Event):
        source_event_id: UUID
        outcome: str
        papers: Sequence[ResultPaper]
        e_result: bool

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.outcome = Outcome(self.outcome)
            aggregate.papers = tuple(self.papers)
            aggregate.e_result = self.e_result
            aggregate.result_at = self.occurred_at
            if aggregate.status is DeliveryStatus.AWAITING_RESULT:
                aggregate.status = DeliveryStatus.RESULT_READY

    class ResultStored(Event):
        source_event_id: UUID
        document_code: str
        data_store_ref: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.data_store_refs = {**aggregate.data_store_refs, self.document_code: self.data_store_ref}

    class Closed(Event):
        source_event_id: UUID
        reason: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.status = DeliveryStatus.CLOSED

    class SourceNoted(Event):
        """An inbound event that only caused messages: remembered so that a redelivery does nothing."""

        source_event_id: UUID

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))

    class NotificationRequested(Event):
        message_id: UUID
        kind: str
        channel: str
        to: str
        subject: str
        body: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            kind = MessageKind(self.kind)
            aggregate.messages[str(self.message_id)] = MessageState(
                message_id=self.message_id,
                kind=kind,
                channel=NotificationChannel(self.channel),
                to=self.to,
                subject=self.subject,
                body=self.body,
                requested_at=self.occurred_at,
                correlation_id=self.correlation_id,
                causation_id=self.causation_id,
            )
            aggregate.notified_kinds.add(kind)

    class NotificationSent(Event):
        message_id: UUID
        kind: str
        channel: str
        provider_ref: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            state = aggregate.messages[str(self.message_id)]
            state.status = MessageStatus.SENT
            state.attempts += 1

    class NotificationFailed(Event):
        message_id: UUID
        error: str
        abandoned: bool

        def evolve(self, aggregate: ResultDelivery) -> None:
            state = aggregate.messages[str(self.message_id)]
            state.attempts += 1
            if self.abandoned:
                state.status = MessageStatus.ABANDONED

    class PostalPickupRequested(Event):
        dossier_code: str
        pickup_unit_code: str
        recipient: Contact
        delivery_address: Address
        items: Sequence[PostalItem]
        cod_amount_vnd: int

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.status = DeliveryStatus.WITH_POSTAL_PARTNER
            aggregate.postal_requests += 1

    class PostalPickedUp(Event):
        source_event_id: UUID
        shipment_id: UUID
        waybill_no: str
        originals_returned: Sequence[str]

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.shipment_id = self.shipment_id
            aggregate.postal_originals = tuple(self.originals_returned)

    class PostalReturnedToAgency(Event):
        source_event_id: UUID
        shipment_id: UUID
        reason: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.status = DeliveryStatus.RESULT_READY
            aggregate.shipment_id = None
            aggregate.returned_by_post = True

    class PostalItemLost(Event):
        source_event_id: UUID
        shipment_id: UUID
        kind: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.status = DeliveryStatus.RESULT_READY
            aggregate.shipment_id = None
            aggregate.postal_losses += 1

    class KioskDeposited(Event):
        locker_id: str
        pickup_code_sha256: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.status = DeliveryStatus.IN_KIOSK
            aggregate.locker_id = self.locker_id
            aggregate.pickup_code_sha256 = self.pickup_code_sha256

    class ResultReturned(Event):
        method: str
        recipient: Recipient | None
        originals_returned: Sequence[str]
        fees_collected_vnd: int
        shipment_id: UUID | None
        source_event_id: UUID | None  # the postal P9 that proved the delivery

        def evolve(self, aggregate: ResultDelivery) -> None:
            if self.source_event_id is not None:
                aggregate.applied.add(str(self.source_event_id))
            aggregate.status = DeliveryStatus.RETURNED
            aggregate.returned_method = ReturnMethod(self.method)
            aggregate.returned_at = self.occurred_at

    class Rated(Event):
        level: str
        criteria: Sequence[CriterionScore]
        channel: str

        def evolve(self, aggregate: ResultDelivery) -> None:
            aggregate.rated = True

    # --- state ----------------------------------------------------------------------------------------

    def __init__(self) -> None:
        self.status = DeliveryStatus.AWAITING_RESULT
        self.public_seq = 0
        self.applied: set[str] = set()
        self.applicant: ApplicantFacts | None = None
        self.dossier_code: str | None = None
        self.due_at: datetime | None = None
        self.receiving_unit_code: str | None = None
        self.obligations: dict[str, int] = {}
        self.paid: dict[str, int] = {}
        self.outcome: Outcome | None = None
        self.papers: tuple[ResultPaper, ...] = ()
        self.e_result = False
        self.result_at: datetime | None = None
        self.data_store_refs: dict[str, str] = {}
        self.messages: dict[str, MessageState] = {}
        self.notified_kinds: set[MessageKind] = set()
        self.postal_requests = 0
        self.shipment_id: UUID | None = None
        self.postal_originals: tuple[str, ...] = ()
        self.returned_by_post = False
        self.postal_losses = 0
        self.locker_id: str | None = None
        self.pickup_code_sha256: str | None = None
        self.returned_method: ReturnMethod | None = None
        self.returned_at: datetime | None = None
        self.rated = False

    # --- queries --------------------------------------------------------------------------------------

    def has_applied(self, event_id: UUID) -> bool:
        return str(event_id) in self.applied

    @property
    def fees_due_vnd(self) -> int:
        """Financial obligations requested by processing and not yet paid: collected on return."""
        return sum(max(0, amount - self.paid.get(key, 0)) for key, amount in self.obligations.items())

    @property
    def originals_to_return(self) -> tuple[str, ...]:
        return self.applicant.originals_to_return if self.applicant else ()

    @property
    def pickup_place(self) -> str | None:
        return self.receiving_unit_code or (self.applicant.receiving_unit_code if self.applicant else None)

    def pending_messages(self) -> list[MessageState]:
        return [m for m in self.messages.values() if m.status is MessageStatus.REQUESTED]

    # --- facts from other contexts -------------------------------------------------------------------

    @classmethod
    def open(cls, dossier_id: UUID, stamp: Stamp) -> ResultDelivery:
        return cls._create(cls.Opened, id=dossier_id, timestamp=stamp.recorded_at, **_envelope(stamp, None))

    def note_applicant(
        self, stamp: Stamp, source_event_id: UUID, facts: ApplicantFacts, *, dossier_code: str | None = None
    ) -> None:
        self._internal(
            self.ApplicantNoted,
            stamp,
            source_event_id=source_event_id,
            applicant_kind=facts.kind.value,
            name=facts.name,
            id_number=facts.id_number,
            phone=facts.phone,
            email=facts.email,
            channel=facts.channel.value,
            procedure_code=facts.procedure_code,
            receiving_unit_code=facts.receiving_unit_code,
            return_method=facts.return_method.value,
            postal_return_address=facts.postal_return_address,
            originals_to_return=tuple(facts.originals_to_return),
            dossier_code=dossier_code,
        )

    def note_receipt(
        self, stamp: Stamp, source_event_id: UUID, *, dossier_code: str, due_at: datetime, unit_code: str
    ) -> None:
        self._internal(
            self.ReceiptNoted,
            stamp,
            source_event_id=source_event_id,
            dossier_code=dossier_code,
            due_at=due_at,
            receiving_unit_code=unit_code,
        )

    def note_due_date(self, stamp: Stamp, source_event_id: UUID, due_at: datetime) -> None:
        self._internal(self.DueDateChanged, stamp, source_event_id=source_event_id, due_at=due_at)

    def note_obligation(
        self, stamp: Stamp, source_event_id: UUID, obligation_id: str, amount_vnd: int
    ) -> None:
        self._internal(
            self.ObligationNoted,
            stamp,
            source_event_id=source_event_id,
            obligation_id=obligation_id,
            amount_vnd=amount_vnd,
        )

    def note_payment(self, stamp: Stamp, source_event_id: UUID, obligation_id: str, amount_vnd: int) -> None:
        self._internal(
            self.PaymentNoted,
            stamp,
            source_event_id=source_event_id,
            obligation_id=obligation_id,
            amount_vnd=amount_vnd,
        )

    def note_result(
        self,
        stamp: Stamp,
        source_event_id: UUID,
        *,
        outcome: Outcome,
        papers: Sequence[ResultPaper],
        e_result: bool,
    ) -> None:
        """E21/E22: the outcome is known and the result waits for its return (domain.md §2.15)."""
        if self.outcome is not None:
            raise DeliveryRuleViolation(
                "RESULT_TWICE",
                "Hồ sơ đã có kết quả giải quyết (chỉ một kết quả cho mỗi hồ sơ).",
                f"The dossier already has the outcome {self.outcome}; it cannot get a second one.",
            )
        if self.status is DeliveryStatus.CLOSED:
            raise DeliveryRuleViolation(
                "RESULT_AFTER_CLOSE",
                "Hồ sơ đã dừng xử lý hoặc bị từ chối; không thể có kết quả.",
                "The dossier was stopped or refused; it cannot get a result.",
            )
        self._internal(
            self.ResultArrived,
            stamp,
            source_event_id=source_event_id,
            outcome=outcome.value,
            papers=tuple(papers),
            e_result=e_result,
        )

    def note_result_stored(
        self, stamp: Stamp, source_event_id: UUID, document_code: str, data_store_ref: str
    ) -> None:
        self._internal(
            self.ResultStored,
            stamp,
            source_event_id=source_event_id,
            document_code=document_code,
            data_store_ref=data_store_ref,
        )

    def note_closed(self, stamp: Stamp, source_event_id: UUID, reason: str) -> None:
        if self.status is DeliveryStatus.RETURNED:
            raise DeliveryRuleViolation(
                "CLOSE_AFTER_RETURN",
                "Kết quả đã được trả; hồ sơ không thể dừng hay bị từ chối.",
                "The result was already returned; the dossier cannot be stopped or refused now.",
            )
        self._internal(self.Closed, stamp, source_event_id=source_event_id, reason=reason)

    def note_source(self, stamp: Stamp, source_event_id: UUID) -> None:
        self._internal(self.SourceNoted, stamp, source_event_id=source_event_id)

    # --- messages -------------------------------------------------------------------------------------

    def request_message(
        self,
        stamp: Stamp,
        *,
        message_id: UUID,
        kind: MessageKind,
        channel: NotificationChannel,
        to: str,
        subject: str,
        body: str,
    ) -> bool:
        """Record a message to send; a message id already requested is not requested again."""
        if str(message_id) in self.messages:
            return False
        self._internal(
            self.NotificationRequested,
            stamp,
            message_id=message_id,
            kind=kind.value,
            channel=channel.value,
            to=to,
            subject=subject,
            body=body,
        )
        return True

    def record_sent(self, stamp: Stamp, message_id: UUID, provider_ref: str) -> bool:
        """The gateway took the message; publishes E24 for kinds the v1 vocabulary has. Idempotent."""
        state = self._message(message_id)
        if state.status is not MessageStatus.REQUESTED:
            return False
        self._trigger(
            self.NotificationSent,
            stamp,
            public=state.kind.public_kind is not None,
            message_id=message_id,
            kind=state.kind.value,
            channel=state.channel.value,
            provider_ref=provider_ref,
        )
        return True

    def record_failed(self, stamp: Stamp, message_id: UUID, error: str, *, give_up: bool) -> bool:
        state = self._message(message_id)
        if state.status is not MessageStatus.REQUESTED:
            return False
        self._internal(self.NotificationFailed, stamp, message_id=message_id, error=error, abandoned=give_up)
        return True

    # --- returning the result -------------------------------------------------------------------------

    def check_returnable(self, method: ReturnMethod) -> None:
        """Raise the rule that forbids handing the result over now, if any."""
        if self.status is DeliveryStatus.RETURNED:
            raise DeliveryRuleViolation(
                "RESULT_ALREADY_RETURNED",
                "Kết quả của hồ sơ đã được trả.",
                f"The result was already returned ({self.returned_method}).",
            )
        if self.status is DeliveryStatus.CLOSED:
            raise DeliveryRuleViolation(
                "DOSSIER_CLOSED",
                "Hồ sơ đã dừng xử lý hoặc bị từ chối tiếp nhận; không có kết quả để trả.",
                "The dossier was stopped or refused; there is no result to return.",
            )
        if self.status is DeliveryStatus.AWAITING_RESULT:
            raise DeliveryRuleViolation(
                "RETURN_BEFORE_RESULT",
                "Hồ sơ chưa có kết quả giải quyết; chưa thể trả kết quả.",
                "The dossier has no result yet; nothing can be returned.",
            )
        if self.status is DeliveryStatus.WITH_POSTAL_PARTNER and method is not ReturnMethod.POSTAL:
            raise DeliveryRuleViolation(
                "RESULT_WITH_POSTAL_PARTNER",
                "Kết quả đang do bưu chính chuyển phát; chỉ trả tại quầy khi bưu điện đã chuyển hoàn.",
                "The result is with the postal partner; it is returned at the counter only after the post"
                " brings it back.",
            )
        if self.status is DeliveryStatus.IN_KIOSK and method is not ReturnMethod.KIOSK:
            raise DeliveryRuleViolation(
                "RESULT_IN_KIOSK",
                "Kết quả đang ở tủ trả kết quả; công dân nhận bằng mã nhận tại tủ.",
                "The result is in a result locker; it is collected there with the pick-up code.",
            )

    def check_recipient(self, recipient: Recipient) -> None:
        """Only the applicant in person, or someone showing an authorisation, takes the result (§4.3 D13)."""
        applicant = self._known_applicant()
        if recipient.authorised:
            if not (recipient.authorisation_ref or "").strip():
                raise invalid(
                    "AUTHORISATION_REF_REQUIRED",
                    "Người nhận thay phải xuất trình giấy ủy quyền (ghi số giấy ủy quyền).",
                    "An authorised recipient shows the authorisation; its reference is required.",
                    field="recipient.authorisation_ref",
                )
            return
        if applicant.kind is ApplicantKind.ORGANISATION:
            raise DeliveryRuleViolation(
                "RECIPIENT_NOT_AUTHORISED",
                "Chủ hồ sơ là tổ chức; người nhận kết quả phải có giấy giới thiệu hoặc giấy ủy quyền.",
                "The applicant is an organisation; the person collecting must show an authorisation.",
                field="recipient",
            )
        if recipient.id_number.strip().upper() != applicant.id_number.strip().upper():
            raise DeliveryRuleViolation(
                "RECIPIENT_NOT_AUTHORISED",
                "Người nhận không phải chủ hồ sơ và không có giấy ủy quyền; không được trả kết quả.",
                "The recipient is neither the applicant nor authorised by them; the result is not handed over.",
                field="recipient.id_number",
            )

    def check_originals(self, originals_returned: Sequence[str]) -> None:
        held = set(self.originals_to_return)
        for index, name in enumerate(originals_returned):
            if name not in held:
                raise invalid(
                    "ORIGINAL_NOT_HELD",
                    f"Giấy tờ '{name}' không thuộc các bản chính cơ quan đang giữ của hồ sơ.",
                    f"'{name}' is not an original the agency holds for this dossier.",
                    field=f"originals_returned[{index}]",
                )
        missing = [name for name in self.originals_to_return if name not in set(originals_returned)]
        if missing:
            raise invalid(
                "ORIGINALS_NOT_RETURNED",
                f"Phải trả lại bản chính: {', '.join(missing)}.",
                f"The originals must be given back: {', '.join(missing)}.",
                field="originals_returned",
            )

    def check_fees(self, fees_collected_vnd: int) -> None:
        due = self.fees_due_vnd
        if fees_collected_vnd < 0:
            raise invalid("FEE_NEGATIVE", "Số tiền không được âm.", "An amount cannot be negative.")
        if fees_collected_vnd < due:
            raise invalid(
                "FEES_DUE_ON_RETURN",
                f"Công dân còn phải nộp {due} đồng khi nhận kết quả.",
                f"{due} VND are due on return; {fees_collected_vnd} VND were collected.",
                field="fees_collected_vnd",
            )
        if fees_collected_vnd > due:
            raise invalid(
                "FEES_OVERCHARGED",
                f"Chỉ được thu {due} đồng khi trả kết quả.",
                f"Only {due} VND are due on return, not {fees_collected_vnd} VND.",
                field="fees_collected_vnd",
            )

    def check_early_return(self, at: datetime, *, notice_required: bool) -> None:
        if not notice_required or self.due_at is None or at >= self.due_at:
            return
        if MessageKind.EARLY_RETURN not in self.notified_kinds:
            raise DeliveryRuleViolation(
                "EARLY_RETURN_NOT_NOTIFIED",
                "Trả kết quả trước hẹn phải thông báo trước cho công dân.",
                "A result returned before the promised time needs an early-return notice first.",
            )

    def return_at_counter(
        self,
        stamp: Stamp,
        *,
        recipient: Recipient,
        originals_returned: Sequence[str],
        fees_collected_vnd: int,
        early_notice_required: bool = False,
    ) -> None:
        """E25 COUNTER: the identified applicant or authorised person took the result at the desk."""
        self.check_returnable(ReturnMethod.COUNTER)
        self.check_recipient(recipient)
        self.check_originals(originals_returned)
        self.check_fees(fees_collected_vnd)
        self.check_early_return(stamp.occurred_at, notice_required=early_notice_required)
        self._returned(stamp, ReturnMethod.COUNTER, recipient, originals_returned, fees_collected_vnd)

    def return_online(self, stamp: Stamp, *, early_notice_required: bool = False) -> None:
        """E25 ONLINE: the applicant has the e-result (downloaded, or pushed to their data store)."""
        self.check_returnable(ReturnMethod.ONLINE)
        if self.outcome is Outcome.APPROVED and not any(p.e_file_ref for p in self.papers):
            raise DeliveryRuleViolation(
                "NO_E_RESULT",
                "Kết quả không có bản điện tử; không thể trả trực tuyến.",
                "The result has no electronic document; it cannot be returned online.",
            )
        if self.originals_to_return:
            raise DeliveryRuleViolation(
                "ORIGINALS_PENDING",
                "Cơ quan còn giữ bản chính của công dân; phải trả tại quầy hoặc qua bưu chính.",
                "The agency still holds originals; they go back at the counter or by post.",
            )
        if self.fees_due_vnd:
            raise DeliveryRuleViolation(
                "FEES_DUE_ON_RETURN",
                f"Công dân còn phải nộp {self.fees_due_vnd} đồng trước khi nhận kết quả.",
                f"{self.fees_due_vnd} VND are still due before the result is returned.",
            )
        self.check_early_return(stamp.occurred_at, notice_required=early_notice_required)
        self._returned(stamp, ReturnMethod.ONLINE, None, (), 0)

    def deposit_in_kiosk(
        self, stamp: Stamp, *, locker_id: str, pickup_code: str, authorised_pickup: bool = False
    ) -> None:
        """The result (and any originals) is placed in a result locker, opened with a one-time code.

        ``authorised_pickup``: whether the locker may hand the result to an authorised person (ADR 0650).
        """
        self.check_returnable(ReturnMethod.KIOSK)
        if self.status is DeliveryStatus.IN_KIOSK:
            raise DeliveryRuleViolation(
                "RESULT_IN_KIOSK", "Kết quả đã ở tủ trả kết quả.", "The result is already in a locker."
            )
        # The locker checks who collects against the applicant, so it must know them; and a result that
        # only an authorised person may take cannot wait where nobody can look at the authorisation.
        applicant = self._known_applicant()
        if applicant.kind is ApplicantKind.ORGANISATION and not authorised_pickup:
            raise DeliveryRuleViolation(
                "KIOSK_IN_PERSON_ONLY",
                "Chủ hồ sơ là tổ chức; kết quả phải do người được ủy quyền nhận tại quầy, không qua tủ.",
                "The applicant is an organisation; an authorised person collects at the counter, not at a"
                " locker.",
            )
        if self.fees_due_vnd:
            raise DeliveryRuleViolation(
                "KIOSK_FEES_DUE",
                "Hồ sơ còn khoản phải nộp khi nhận kết quả; không thể trả qua tủ.",
                "Fees are due on return; a locker cannot collect them.",
            )
        if not locker_id.strip():
            raise invalid(
                "LOCKER_REQUIRED", "Phải ghi mã tủ.", "The locker id is required.", field="locker_id"
            )
        if len(pickup_code) < 6 or not pickup_code.isdigit():
            raise invalid(
                "PICKUP_CODE_WEAK",
                "Mã nhận kết quả gồm ít nhất 6 chữ số.",
                "The pick-up code has at least 6 digits.",
                field="pickup_code",
            )
        self._internal(
            self.KioskDeposited, stamp, locker_id=locker_id, pickup_code_sha256=_sha256(pickup_code)
        )

    def collect_from_kiosk(
        self,
        stamp: Stamp,
        *,
        pickup_code: str,
        recipient: Recipient,
        authorised_pickup: bool = False,
    ) -> None:
        """E25 KIOSK: the locker opened with the right code for an identified recipient.

        A kiosk is a variant of counter pick-up (domain.md §2.8), so the person is checked like at the
        counter (§2.15: "recipient identity verified"): the code alone proves only that someone read the
        message. An authorised person is accepted only where the deployment allows it (ADR 0650).
        """
        if self.status is not DeliveryStatus.IN_KIOSK:
            self.check_returnable(ReturnMethod.KIOSK)
            raise DeliveryRuleViolation(
                "NOT_IN_KIOSK", "Kết quả không ở tủ trả kết quả.", "The result is not in a result locker."
            )
        if _sha256(pickup_code) != self.pickup_code_sha256:
            raise invalid(
                "PICKUP_CODE_MISMATCH",
                "Mã nhận kết quả không đúng.",
                "The pick-up code is wrong.",
                field="pickup_code",
            )
        if recipient.authorised and not authorised_pickup:
            raise DeliveryRuleViolation(
                "KIOSK_IN_PERSON_ONLY",
                "Tủ trả kết quả chỉ trả cho chính chủ hồ sơ; người nhận thay phải đến quầy.",
                "The locker hands the result only to the applicant in person; an authorised person goes to"
                " the counter.",
                field="recipient.authorised",
            )
        self.check_recipient(recipient)
        self._returned(stamp, ReturnMethod.KIOSK, recipient, self.originals_to_return, 0)

    def request_postal_pickup(
        self,
        stamp: Stamp,
        *,
        delivery_address: Address | None = None,
    ) -> None:
        """Ask the postal partner to collect the ready result (§4.3 C, §4.7); E25 follows its delivery."""
        self.check_returnable(ReturnMethod.POSTAL)
        if self.status is DeliveryStatus.WITH_POSTAL_PARTNER:
            raise DeliveryRuleViolation(
                "POSTAL_PICKUP_PENDING",
                "Đã yêu cầu bưu chính đến nhận kết quả.",
                "The postal partner was already asked to collect the result.",
            )
        applicant = self._known_applicant()
        address = delivery_address or applicant.postal_return_address
        if address is None:
            raise invalid(
                "DELIVERY_ADDRESS_REQUIRED",
                "Phải có địa chỉ nhận kết quả qua bưu chính.",
                "A postal return needs the delivery address.",
                field="delivery_address",
            )
        if not applicant.phone:
            raise invalid(
                "RECIPIENT_PHONE_REQUIRED",
                "Bưu chính cần số điện thoại của người nhận.",
                "The postal partner needs the recipient's phone number.",
                field="recipient.phone",
            )
        if self.dossier_code is None or self.pickup_place is None:
            raise DeliveryRuleViolation(
                "RECEIPT_UNKNOWN",
                "Chưa nhận được thông tin tiếp nhận (mã hồ sơ) của hồ sơ; thử lại sau.",
                "The dossier's receipt (its code) is not known here yet; try again later.",
            )
        items = [PostalItem(name=paper.name, original=True) for paper in self.papers]
        items += [PostalItem(name=name, original=True) for name in self.originals_to_return]
        self._trigger(
            self.PostalPickupRequested,
            stamp,
            dossier_code=self.dossier_code,
            pickup_unit_code=self.pickup_place,
            recipient=Contact(name=applicant.name, phone=applicant.phone, email=applicant.email),
            delivery_address=address,
            items=tuple(items),
            cod_amount_vnd=self.fees_due_vnd,
        )

    def note_postal_pickup(
        self,
        stamp: Stamp,
        source_event_id: UUID,
        *,
        shipment_id: UUID,
        waybill_no: str,
        originals: Sequence[str],
    ) -> None:
        """P6: the post took the result from the desk."""
        if self.status is not DeliveryStatus.WITH_POSTAL_PARTNER:
            raise DeliveryRuleViolation(
                "PICKUP_NOT_REQUESTED",
                "Bưu chính nhận kết quả khi cơ quan chưa yêu cầu.",
                f"The post reports a pick-up, but the result is {self.status}.",
            )
        self._internal(
            self.PostalPickedUp,
            stamp,
            source_event_id=source_event_id,
            shipment_id=shipment_id,
            waybill_no=waybill_no,
            originals_returned=tuple(originals),
        )

    def note_postal_delivery(
        self,
        stamp: Stamp,
        source_event_id: UUID,
        *,
        shipment_id: UUID,
        recipient: Recipient,
        fees_collected_vnd: int,
    ) -> None:
        """P9: the citizen really has the result, so E25 POSTAL is recorded at the delivery time."""
        self._check_shipment(shipment_id)
        self._returned(
            stamp,
            ReturnMethod.POSTAL,
            recipient,
            self.postal_originals,
            fees_collected_vnd,
            shipment_id=shipment_id,
            source_event_id=source_event_id,
        )

    def note_postal_return(
        self, stamp: Stamp, source_event_id: UUID, *, shipment_id: UUID, reason: str
    ) -> None:
        """P10: undeliverable; the result waits at the counter (domain.md §2.15)."""
        self._check_shipment(shipment_id)
        self._internal(
            self.PostalReturnedToAgency,
            stamp,
            source_event_id=source_event_id,
            shipment_id=shipment_id,
            reason=reason,
        )

    def note_postal_loss(self, stamp: Stamp, source_event_id: UUID, *, shipment_id: UUID, kind: str) -> None:
        """P11: the agency re-issues the result (NĐ61 Art 21); it waits at the desk again."""
        self._check_shipment(shipment_id)
        self._internal(
            self.PostalItemLost, stamp, source_event_id=source_event_id, shipment_id=shipment_id, kind=kind
        )

    # --- rating ---------------------------------------------------------------------------------------

    def rate(
        self,
        stamp: Stamp,
        *,
        level: SatisfactionLevel,
        criteria: Sequence[CriterionScore],
        channel: RatingChannel,
        known_criteria: frozenset[str],
    ) -> None:
        """E26: one rating per dossier, only once the result was returned."""
        if self.status is not DeliveryStatus.RETURNED:
            raise DeliveryRuleViolation(
                "RATING_BEFORE_RETURN",
                "Chỉ được đánh giá sau khi đã nhận kết quả.",
                "A dossier is rated only after its result was returned.",
            )
        if self.rated:
            raise DeliveryRuleViolation(
                "RATING_TWICE",
                "Hồ sơ đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.",
                "The dossier was already rated; one rating per dossier.",
            )
        seen: set[str] = set()
        for index, score in enumerate(criteria):
            if score.criterion not in known_criteria:
                raise invalid(
                    "RATING_CRITERION_UNKNOWN",
                    f"Tiêu chí '{score.criterion}' không có trong phiếu đánh giá.",
                    f"Criterion '{score.criterion}' is not on the rating form.",
                    field=f"criteria[{index}].criterion",
                )
            if score.criterion in seen:
                raise invalid(
                    "RATING_CRITERION_TWICE",
                    f"Tiêu chí '{score.criterion}' được chấm hai lần.",
                    f"Criterion '{score.criterion}' is scored twice.",
                    field=f"criteria[{index}].criterion",
                )
            if not 1 <= score.score <= 5:
                raise invalid(
                    "RATING_SCORE_RANGE",
                    "Điểm mỗi tiêu chí từ 1 đến 5.",
                    f"A criterion is scored 1 to 5, not {score.score}.",
                    field=f"criteria[{index}].score",
                )
            seen.add(score.criterion)
        self._trigger(self.Rated, stamp, level=level.value, criteria=tuple(criteria), channel=channel.value)

    # --- helpers --------------------------------------------------------------------------------------

    def _known_applicant(self) -> ApplicantFacts:
        if self.applicant is None:
            raise DeliveryRuleViolation(
                "APPLICANT_UNKNOWN",
                "Chưa nhận được thông tin chủ hồ sơ; chưa thể đối chiếu người nhận. Vui lòng thử lại sau.",
                "The applicant's details have not reached delivery yet; the recipient cannot be checked.",
            )
        return self.applicant

    def _check_shipment(self, shipment_id: UUID) -> None:
        if self.status is DeliveryStatus.RETURNED:
            raise DeliveryRuleViolation(
                "RESULT_ALREADY_RETURNED",
                "Kết quả của hồ sơ đã được trả.",
                f"The result was already returned ({self.returned_method}).",
            )
        if self.shipment_id != shipment_id:
            raise DeliveryRuleViolation(
                "SHIPMENT_UNKNOWN",
                "Bưu gửi không phải bưu gửi đang chuyển kết quả của hồ sơ.",
                f"Shipment {shipment_id} is not the one carrying this dossier's result.",
            )

    def _message(self, message_id: UUID) -> MessageState:
        state = self.messages.get(str(message_id))
        if state is None:
            raise NotFound("message", message_id)
        return state

    def _returned(
        self,
        stamp: Stamp,
        method: ReturnMethod,
        recipient: Recipient | None,
        originals_returned: Sequence[str],
        fees_collected_vnd: int,
        *,
        shipment_id: UUID | None = None,
        source_event_id: UUID | None = None,
    ) -> None:
        self._trigger(
            self.ResultReturned,
            stamp,
            method=method.value,
            recipient=recipient,
            originals_returned=tuple(originals_returned),
            fees_collected_vnd=fees_collected_vnd,
            shipment_id=shipment_id,
            source_event_id=source_event_id,
        )

    def _internal(self, event_class: type[ResultDelivery.Event], stamp: Stamp, **fields: Any) -> None:
        self._trigger(event_class, stamp, public=False, **fields)

    def _trigger(
        self, event_class: type[ResultDelivery.Event], stamp: Stamp, *, public: bool = True, **fields: Any
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


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


__all__ = ["ApplicantFacts", "DeliveryStatus", "MessageState", "MessageStatus", "ResultDelivery"]
