"""The state of one postal shipment inside a postal file (domain.md §4.5), and of the file's registration.

These are rebuilt from the file's events and never stored as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from contracts.enums import PostalRequestSource, PostalRouteClass, PostalServiceForm, ShipmentDirection
from delivery.values import Address, Contact, PostalItem


class ShipmentStatus(StrEnum):
    REQUESTED = "REQUESTED"  # a result pick-up was ordered, nobody has taken it yet
    ACCEPTED = "ACCEPTED"  # P2: collected from the applicant, sealed
    IN_TRANSIT = "IN_TRANSIT"  # P3
    HANDED_OVER = "HANDED_OVER"  # P4: at the agency
    PICKED_UP = "PICKED_UP"  # P6: result taken from the agency
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"  # P7
    DELIVERY_FAILED = "DELIVERY_FAILED"  # P8: waits for the next attempt or at the post office
    DELIVERED = "DELIVERED"  # P9, terminal
    RETURNED_TO_AGENCY = "RETURNED_TO_AGENCY"  # P10, terminal
    LOST_OR_DAMAGED = "LOST_OR_DAMAGED"  # P11, terminal

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]


_LABELS_VI = {
    ShipmentStatus.REQUESTED: "chờ bưu điện đến nhận",
    ShipmentStatus.ACCEPTED: "đã nhận gửi",
    ShipmentStatus.IN_TRANSIT: "đang vận chuyển",
    ShipmentStatus.HANDED_OVER: "đã bàn giao cho cơ quan",
    ShipmentStatus.PICKED_UP: "đã nhận kết quả từ cơ quan",
    ShipmentStatus.OUT_FOR_DELIVERY: "đang phát",
    ShipmentStatus.DELIVERY_FAILED: "phát không thành công",
    ShipmentStatus.DELIVERED: "đã phát thành công",
    ShipmentStatus.RETURNED_TO_AGENCY: "đã chuyển hoàn về cơ quan",
    ShipmentStatus.LOST_OR_DAMAGED: "thất lạc hoặc hư hỏng",
}

TERMINAL_SHIPMENT = frozenset(
    {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_AGENCY, ShipmentStatus.LOST_OR_DAMAGED}
)


@dataclass(frozen=True)
class Registration:
    """P1 as the file keeps it; ``partner_id`` is the postal company that serves this dossier."""

    form: PostalServiceForm
    partner_id: str
    requested_via: PostalRequestSource
    procedure_code: str
    agency_unit_code: str
    contact: Contact
    pickup_address: Address | None
    delivery_address: Address | None

    @property
    def sends(self) -> bool:
        return self.form in {PostalServiceForm.SEND, PostalServiceForm.BOTH}

    @property
    def returns(self) -> bool:
        return self.form in {PostalServiceForm.RETURN, PostalServiceForm.BOTH}


@dataclass
class Shipment:
    shipment_id: UUID
    direction: ShipmentDirection
    partner_id: str
    status: ShipmentStatus
    items: tuple[PostalItem, ...] = ()
    waybill_no: str | None = None
    consignment_note_no: str | None = None
    route_class: PostalRouteClass | None = None
    slip_required: bool = False
    j_at: datetime | None = None  # acceptance (P2) or pick-up (P6): the consignment note's J
    sla_due_at: datetime | None = None
    sla_stopped_at: datetime | None = None
    sla_breach_recorded: bool = False
    tthc_fee_collected_vnd: int = 0
    cod_amount_vnd: int = 0
    recipient: Contact | None = None
    delivery_address: Address | None = None
    pickup_unit_code: str | None = None
    originals_returned: tuple[str, ...] = ()
    handover_complete: bool | None = None
    attempts: int = 0
    invitations: list[datetime] = field(default_factory=list)
    complaints: dict[str, bool] = field(default_factory=dict)  # complaint id → resolved

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_SHIPMENT

    def stop_sla(self, at: datetime) -> None:
        if self.sla_stopped_at is None:
            self.sla_stopped_at = at
