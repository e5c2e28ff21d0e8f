"""Events of the public postal partner (bưu chính công ích, domain.md §4.6), P1–P12.

Every postal event is keyed by the dossier id so it stays ordered with the dossier. The postal context
keeps one aggregate per dossier (its "postal file": the registration and every shipment, each named by
`shipment_id`), so `seq` is gap-free per producer and dossier like everywhere else (ADR 0101).
"""

from typing import ClassVar
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator

from contracts import rules
from contracts.enums import (
    ComplaintScope,
    DeliveryFailureReason,
    Liability,
    LossKind,
    NotificationChannel,
    PostalMovement,
    PostalRequestSource,
    PostalRouteClass,
    PostalServiceForm,
    Producer,
)
from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import (
    BusinessTime,
    DocumentNumber,
    DossierCode,
    FileRef,
    Identifier,
    ProcedureCode,
    ShortText,
    Text,
    UnitCode,
    Vnd,
)
from contracts.topic_names import POSTAL_SHIPMENTS
from contracts.values import Address, Contact, PostalItem, Recipient


class PostalDossierEvent(DossierEvent):
    """Recorded by the postal partner's file for one dossier."""

    TOPIC: ClassVar[str] = POSTAL_SHIPMENTS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.POSTAL})


class PostalServiceRequested(PostalDossierEvent):
    """P1 — Đăng ký dịch vụ BCCI: send the dossier, return the result, or both.

    For a dossier sent by post the postal partner mints the dossier id here; intake adopts it.
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.postal-service-requested.v1"

    service_form: PostalServiceForm
    requested_via: PostalRequestSource
    dossier_code: DossierCode | None = Field(default=None, description="Known when the dossier was received")
    procedure_code: ProcedureCode
    agency_unit_code: UnitCode = Field(
        description="One-stop desk the dossier goes to or the result comes from"
    )
    contact: Contact
    pickup_address: Address | None = Field(default=None, validate_default=True)
    delivery_address: Address | None = Field(default=None, validate_default=True)

    @field_validator("pickup_address")
    @classmethod
    def _sending_needs_pickup(cls, value: Address | None, info: ValidationInfo) -> Address | None:
        form = info.data.get("service_form")
        if form in {PostalServiceForm.SEND, PostalServiceForm.BOTH} and value is None:
            raise ValueError(f"service form {form} collects the dossier from a pickup address")
        return value

    @field_validator("delivery_address")
    @classmethod
    def _returning_needs_delivery(cls, value: Address | None, info: ValidationInfo) -> Address | None:
        form = info.data.get("service_form")
        if form in {PostalServiceForm.RETURN, PostalServiceForm.BOTH} and value is None:
            raise ValueError(f"service form {form} delivers the result to a delivery address")
        return value


class PostalItemAccepted(PostalDossierEvent):
    """P2 — Nhận gửi: the dossier was collected, listed, sealed; the consignment note is co-signed."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.postal-item-accepted.v1"

    shipment_id: UUID
    waybill_no: Identifier = Field(description="VNPost item code (format UNCONFIRMED)")
    consignment_note_no: DocumentNumber
    items: list[PostalItem] = Field(min_length=1)
    tthc_fee_collected_vnd: Vnd = 0
    postage_vnd: Vnd
    fee_receipt_no: DocumentNumber | None = None
    post_office_code: Identifier
    route_class: PostalRouteClass
    slip_returned_to_applicant: bool = Field(
        description="The appointment slip must also come back (J+n doubles)"
    )
    sla_due_at: BusinessTime = Field(description="J + n working days (Circular 17/2017)")

    @field_validator("sla_due_at")
    @classmethod
    def _sla_in_future(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "occurred_at")
        return value


class PostalItemInTransit(PostalDossierEvent):
    """P3 — the item arrived at or left a postal office."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.postal-item-in-transit.v1"

    shipment_id: UUID
    waybill_no: Identifier
    movement: PostalMovement
    office_code: Identifier
    next_office_code: Identifier | None = None


class DossierHandedOverToAgency(PostalDossierEvent):
    """P4 — Biên bản giao nhận hồ sơ: one dossier of a hand-over record was handed to the desk.

    A record lists many dossiers; it is published once per dossier so that each keeps its key. The
    signing time (occurred_at) is the legal submission time (QĐ45 Art 7(4)).
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.dossier-handed-over-to-agency.v1"

    shipment_id: UUID
    waybill_no: Identifier
    handover_record_no: DocumentNumber
    batch_size: int = Field(ge=1, description="Dossiers listed on the same hand-over record")
    agency_unit_code: UnitCode
    agency_officer_id: Identifier
    complete: bool
    missing_items: list[ShortText] = Field(default_factory=list, validate_default=True)
    fees_remitted_vnd: Vnd = 0

    @field_validator("missing_items")
    @classmethod
    def _incomplete_names_missing(cls, value: list[str], info: ValidationInfo) -> list[str]:
        complete = info.data.get("complete")
        if complete is False and not value:
            raise ValueError("an incomplete dossier lists what is missing")
        if complete is True and value:
            raise ValueError("a complete dossier has no missing items")
        return value


class AppointmentInfoDelivered(PostalDossierEvent):
    """P5 — phát giấy hẹn: the applicant got the receipt slip or the promised return time."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.appointment-info-delivered.v1"

    shipment_id: UUID
    dossier_code: DossierCode
    channel: NotificationChannel
    due_at: BusinessTime | None = None


class ResultPickedUpFromAgency(PostalDossierEvent):
    """P6 — nhận kết quả: the result was counted, sealed and taken from the agency."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.result-picked-up-from-agency.v1"

    shipment_id: UUID
    waybill_no: Identifier
    consignment_note_no: DocumentNumber
    dossier_code: DossierCode
    items: list[PostalItem] = Field(min_length=1)
    originals_returned: list[ShortText] = Field(default_factory=list)
    bulk_sealed_by_agency: bool = False
    agency_officer_id: Identifier
    route_class: PostalRouteClass
    cod_amount_vnd: Vnd = 0
    sla_due_at: BusinessTime

    @field_validator("sla_due_at")
    @classmethod
    def _sla_in_future(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "occurred_at")
        return value


class OutForDelivery(PostalDossierEvent):
    """P7 — đang phát: a courier is on the way to the applicant."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.out-for-delivery.v1"

    shipment_id: UUID
    attempt_no: int = Field(ge=1)
    courier_id: Identifier


class DeliveryFailed(PostalDossierEvent):
    """P8 — phát không thành công: the attempt failed; an invitation may be left for the applicant."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.delivery-failed.v1"

    shipment_id: UUID
    attempt_no: int = Field(ge=1)
    reason: DeliveryFailureReason
    invitation_issued: bool
    next_attempt_at: BusinessTime | None = None

    @field_validator("next_attempt_at")
    @classmethod
    def _next_attempt_later(cls, value: BusinessTime | None, info: ValidationInfo) -> BusinessTime | None:
        rules.strictly_after(value, info, "occurred_at")
        return value


class Delivered(PostalDossierEvent):
    """P9 — phát thành công: the identified recipient signed for the result (delivery emits E25)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.delivered.v1"

    shipment_id: UUID
    recipient: Recipient
    recovered_documents: list[ShortText] = Field(default_factory=list)
    fees_collected_vnd: Vnd = 0
    signature_ref: FileRef


class ReturnedToAgency(PostalDossierEvent):
    """P10 — chuyển hoàn: undeliverable; the result goes back to the agency and waits at the counter.

    When the applicant simply did not come, QĐ45 requires at least two invitations; their 2-working-day
    spacing needs a calendar, so the postal context checks it, not the contract.
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.returned-to-agency.v1"

    shipment_id: UUID
    reason: DeliveryFailureReason
    invitations: int = Field(ge=0, validate_default=True)
    last_invitation_at: BusinessTime | None = Field(default=None, validate_default=True)

    @field_validator("invitations")
    @classmethod
    def _two_invitations_before_giving_up(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("reason") is DeliveryFailureReason.NOT_AT_HOME and value < 2:
            raise ValueError(f"an uncollected result is returned only after 2 invitations, not {value}")
        return value

    @field_validator("last_invitation_at")
    @classmethod
    def _invitation_dated(cls, value: BusinessTime | None, info: ValidationInfo) -> BusinessTime | None:
        invitations = info.data.get("invitations")
        if isinstance(invitations, int) and invitations > 0 and value is None:
            raise ValueError("invitations were issued, so the last one is dated")
        rules.not_after(value, info, "occurred_at")
        return value


class ItemLostOrDamaged(PostalDossierEvent):
    """P11 — an item was lost or damaged; a record (biên bản) fixes liability."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.item-lost-or-damaged.v1"

    shipment_id: UUID
    kind: LossKind
    description: Text
    damage_record_no: DocumentNumber | None = None
    liability: Liability


class ComplaintFiled(PostalDossierEvent):
    """P12a — a complaint about the postal service; resolution within 5 or 7 working days."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.complaint-filed.v1"

    complaint_id: Identifier
    shipment_id: UUID
    scope: ComplaintScope
    content: Text
    resolution_due_at: BusinessTime

    @field_validator("resolution_due_at")
    @classmethod
    def _due_in_future(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.strictly_after(value, info, "occurred_at")
        return value


class ComplaintResolved(PostalDossierEvent):
    """P12b — the complaint was answered, with compensation if any."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.postal.complaint-resolved.v1"

    complaint_id: Identifier
    resolution: Text
    compensation_vnd: Vnd = 0


EVENTS: tuple[type[PublicEvent], ...] = (
    PostalServiceRequested,
    PostalItemAccepted,
    PostalItemInTransit,
    DossierHandedOverToAgency,
    AppointmentInfoDelivered,
    ResultPickedUpFromAgency,
    OutForDelivery,
    DeliveryFailed,
    Delivered,
    ReturnedToAgency,
    ItemLostOrDamaged,
    ComplaintFiled,
    ComplaintResolved,
)
