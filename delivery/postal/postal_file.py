"""The postal partner's file for one dossier (id = dossier id): the service registration (P1) and every
shipment both ways, with the guards of domain.md §4.3–4.6.

One aggregate per dossier because postal events are keyed by the dossier id and ``seq`` must be gap-free
per producer and dossier (ADR 0101); each shipment inside is named by its ``shipment_id``. Every command
that touches a shipment names the partner acting; a partner may only touch its own shipments (403).
Each command checks its guard and either raises ``DeliveryRuleViolation`` (recording nothing) or
triggers one explicit event class whose ``evolve`` is the only code that changes state.
"""

from __future__ import annotations

import calendar as gregorian
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

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
    ShipmentDirection,
)
from delivery.calendar import WorkingDays
from delivery.clock import BUSINESS_TZ, business_time
from delivery.errors import DeliveryRuleViolation, NotFound, forbidden, invalid
from delivery.postal.shipment import Registration, Shipment, ShipmentStatus
from delivery.values import Actor, Address, Contact, PostalItem, Recipient, Stamp, same_person_name

# Fixed forever: shipment ids derived from it are published.
SHIPMENT_NAMESPACE = UUID("0b6e4a8e-1f0c-5d43-9a57-3e2b7c9d5f21")
# Undeliverable by nature: no invitations are owed before the return (QĐ45 Art 10 covers "not collected").
_RETURN_AT_ONCE = frozenset({DeliveryFailureReason.ADDRESS_NOT_FOUND, DeliveryFailureReason.REFUSED})
MIN_INVITATIONS = 2
MIN_WORKING_DAYS_BETWEEN_INVITATIONS = 2


def shipment_id_for(dossier_id: UUID, direction: ShipmentDirection, number: int) -> UUID:
    """The ``number``-th shipment of ``direction`` for a dossier: the same on every replay and redelivery."""
    return uuid.uuid5(SHIPMENT_NAMESPACE, f"{dossier_id}\x1f{direction.value}\x1f{number}")


class PostalFile(Aggregate):
    """What the postal partner holds for one dossier. Build it with ``open``; never call the class."""

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: Actor
        correlation_id: UUID
        causation_id: UUID | None
        public_seq: int | None

        def apply(self, aggregate: PostalFile) -> None:
            if self.public_seq is not None:
                aggregate.public_seq = self.public_seq
            self.evolve(aggregate)

        def evolve(self, aggregate: PostalFile) -> None:
            raise NotImplementedError

    class Opened(Event, Aggregate.Created):
        def evolve(self, aggregate: PostalFile) -> None:
            pass

    class ServiceRequested(Event):  # P1
        service_form: str
        partner_id: str
        requested_via: str
        dossier_code: str | None
        procedure_code: str
        agency_unit_code: str
        contact: Contact
        pickup_address: Address | None
        delivery_address: Address | None

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.registration = Registration(
                form=PostalServiceForm(self.service_form),
                partner_id=self.partner_id,
                requested_via=PostalRequestSource(self.requested_via),
                procedure_code=self.procedure_code,
                agency_unit_code=self.agency_unit_code,
                contact=self.contact,
                pickup_address=self.pickup_address,
                delivery_address=self.delivery_address,
            )
            aggregate.dossier_code = self.dossier_code or aggregate.dossier_code

    class DossierFactsNoted(Event):
        source_event_id: UUID
        dossier_code: str | None
        procedure_code: str | None
        agency_unit_code: str | None
        due_at: datetime | None

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.dossier_code = self.dossier_code or aggregate.dossier_code
            aggregate.procedure_code = self.procedure_code or aggregate.procedure_code
            aggregate.agency_unit_code = self.agency_unit_code or aggregate.agency_unit_code
            aggregate.due_at = self.due_at or aggregate.due_at

    class ItemAccepted(Event):  # P2
        shipment_id: UUID
        partner_id: str
        waybill_no: str
        consignment_note_no: str
        items: Sequence[PostalItem]
        tthc_fee_collected_vnd: int
        postage_vnd: int
        fee_receipt_no: str | None
        post_office_code: str
        route_class: str
        slip_required: bool
        sla_due_at: datetime

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.shipments[str(self.shipment_id)] = Shipment(
                shipment_id=self.shipment_id,
                direction=ShipmentDirection.DOSSIER_TO_AGENCY,
                partner_id=self.partner_id,
                status=ShipmentStatus.ACCEPTED,
                items=tuple(self.items),
                waybill_no=self.waybill_no,
                consignment_note_no=self.consignment_note_no,
                route_class=PostalRouteClass(self.route_class),
                slip_required=self.slip_required,
                j_at=self.occurred_at,
                sla_due_at=self.sla_due_at,
                tthc_fee_collected_vnd=self.tthc_fee_collected_vnd,
            )

    class InTransit(Event):  # P3
        shipment_id: UUID
        waybill_no: str
        movement: str
        office_code: str
        next_office_code: str | None

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            if shipment.status is ShipmentStatus.ACCEPTED:
                shipment.status = ShipmentStatus.IN_TRANSIT

    class HandedOver(Event):  # P4
        shipment_id: UUID
        waybill_no: str
        handover_record_no: str
        batch_size: int
        agency_unit_code: str
        agency_officer_id: str
        complete: bool
        missing_items: Sequence[str]
        fees_remitted_vnd: int

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            shipment.status = ShipmentStatus.HANDED_OVER
            shipment.handover_complete = self.complete
            if not shipment.slip_required:
                shipment.stop_sla(self.occurred_at)

    class AppointmentDelivered(Event):  # P5
        shipment_id: UUID
        dossier_code: str
        channel: str
        due_at: datetime | None

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            shipment.stop_sla(self.occurred_at)
            aggregate.appointment_delivered = True

    class PickupOrdered(Event):
        source_event_id: UUID
        shipment_id: UUID
        partner_id: str
        dossier_code: str
        pickup_unit_code: str
        recipient: Contact
        delivery_address: Address
        items: Sequence[PostalItem]
        cod_amount_vnd: int

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.applied.add(str(self.source_event_id))
            aggregate.dossier_code = aggregate.dossier_code or self.dossier_code
            aggregate.shipments[str(self.shipment_id)] = Shipment(
                shipment_id=self.shipment_id,
                direction=ShipmentDirection.RESULT_TO_APPLICANT,
                partner_id=self.partner_id,
                status=ShipmentStatus.REQUESTED,
                items=tuple(self.items),
                cod_amount_vnd=self.cod_amount_vnd,
                recipient=self.recipient,
                delivery_address=self.delivery_address,
                pickup_unit_code=self.pickup_unit_code,
            )

    class ResultPickedUp(Event):  # P6
        shipment_id: UUID
        waybill_no: str
        consignment_note_no: str
        dossier_code: str
        items: Sequence[PostalItem]
        originals_returned: Sequence[str]
        bulk_sealed_by_agency: bool
        agency_officer_id: str
        route_class: str
        cod_amount_vnd: int
        sla_due_at: datetime

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            shipment.status = ShipmentStatus.PICKED_UP
            shipment.waybill_no = self.waybill_no
            shipment.consignment_note_no = self.consignment_note_no
            shipment.route_class = PostalRouteClass(self.route_class)
            shipment.j_at = self.occurred_at
            shipment.sla_due_at = self.sla_due_at
            shipment.originals_returned = tuple(self.originals_returned)

    class OutForDelivery(Event):  # P7
        shipment_id: UUID
        attempt_no: int
        courier_id: str

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            shipment.status = ShipmentStatus.OUT_FOR_DELIVERY
            shipment.attempts = self.attempt_no

    class DeliveryFailed(Event):  # P8
        shipment_id: UUID
        attempt_no: int
        reason: str
        invitation_issued: bool
        next_attempt_at: datetime | None

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            shipment.status = ShipmentStatus.DELIVERY_FAILED
            if self.invitation_issued:
                shipment.invitations.append(self.occurred_at)
                shipment.stop_sla(self.occurred_at)

    class Delivered(Event):  # P9
        shipment_id: UUID
        recipient: Recipient
        recovered_documents: Sequence[str]
        fees_collected_vnd: int
        signature_ref: str

        def evolve(self, aggregate: PostalFile) -> None:
            shipment = aggregate.shipment(self.shipment_id)
            shipment.status = ShipmentStatus.DELIVERED
            shipment.stop_sla(self.occurred_at)

    class ReturnedToAgency(Event):  # P10
        shipment_id: UUID
        reason: str
        invitations: int
        last_invitation_at: datetime | None

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.shipment(self.shipment_id).status = ShipmentStatus.RETURNED_TO_AGENCY

    class LostOrDamaged(Event):  # P11
        shipment_id: UUID
        kind: str
        description: str
        damage_record_no: str | None
        liability: str

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.shipment(self.shipment_id).status = ShipmentStatus.LOST_OR_DAMAGED

    class ComplaintFiled(Event):  # P12a
        complaint_id: str
        shipment_id: UUID
        scope: str
        content: str
        resolution_due_at: datetime

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.shipment(self.shipment_id).complaints[self.complaint_id] = False
            aggregate.complaints[self.complaint_id] = self.shipment_id

    class ComplaintResolved(Event):  # P12b
        complaint_id: str
        resolution: str
        compensation_vnd: int

        def evolve(self, aggregate: PostalFile) -> None:
            shipment_id = aggregate.complaints[self.complaint_id]
            aggregate.shipment(shipment_id).complaints[self.complaint_id] = True

    class SlaBreached(Event):
        shipment_id: UUID
        due_at: datetime
        completed_at: datetime | None

        def evolve(self, aggregate: PostalFile) -> None:
            aggregate.shipment(self.shipment_id).sla_breach_recorded = True

    # --- state ----------------------------------------------------------------------------------------

    def __init__(self) -> None:
        self.public_seq = 0
        self.applied: set[str] = set()
        self.registration: Registration | None = None
        self.dossier_code: str | None = None
        self.procedure_code: str | None = None
        self.agency_unit_code: str | None = None
        self.due_at: datetime | None = None
        self.shipments: dict[str, Shipment] = {}
        self.complaints: dict[str, UUID] = {}
        self.appointment_delivered = False

    # --- queries --------------------------------------------------------------------------------------

    def shipment(self, shipment_id: UUID) -> Shipment:
        return self.shipments[str(shipment_id)]

    def shipments_of(self, direction: ShipmentDirection) -> list[Shipment]:
        return [s for s in self.shipments.values() if s.direction is direction]

    def active(self, direction: ShipmentDirection) -> Shipment | None:
        """The shipment of ``direction`` still under way, if any (at most one at a time)."""
        for shipment in self.shipments_of(direction):
            if not shipment.terminal and shipment.status is not ShipmentStatus.HANDED_OVER:
                return shipment
        return None

    def has_applied(self, event_id: UUID) -> bool:
        return str(event_id) in self.applied

    # --- commands -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, dossier_id: UUID, stamp: Stamp) -> PostalFile:
        return cls._create(cls.Opened, id=dossier_id, timestamp=stamp.recorded_at, **_envelope(stamp, None))

    def note_dossier(
        self,
        stamp: Stamp,
        source_event_id: UUID,
        *,
        dossier_code: str | None,
        procedure_code: str | None,
        agency_unit_code: str | None,
        due_at: datetime | None,
    ) -> None:
        self._trigger(
            self.DossierFactsNoted,
            stamp,
            public=False,
            source_event_id=source_event_id,
            dossier_code=dossier_code,
            procedure_code=procedure_code,
            agency_unit_code=agency_unit_code,
            due_at=due_at,
        )

    def request_service(
        self,
        stamp: Stamp,
        *,
        form: PostalServiceForm,
        partner_id: str,
        requested_via: PostalRequestSource,
        procedure_code: str,
        agency_unit_code: str,
        contact: Contact,
        pickup_address: Address | None,
        delivery_address: Address | None,
    ) -> None:
        """P1: register the service (send, return or both); once per dossier."""
        if self.registration is not None:
            raise DeliveryRuleViolation(
                "SERVICE_ALREADY_REGISTERED",
                "Hồ sơ đã đăng ký dịch vụ bưu chính công ích.",
                f"The dossier already has a postal registration ({self.registration.form}).",
            )
        if form in {PostalServiceForm.SEND, PostalServiceForm.BOTH} and pickup_address is None:
            raise invalid(
                "PICKUP_ADDRESS_REQUIRED",
                "Dịch vụ gửi hồ sơ cần địa chỉ nhận hồ sơ.",
                f"Service form {form} collects the dossier from a pick-up address.",
                field="pickup_address",
            )
        if form in {PostalServiceForm.RETURN, PostalServiceForm.BOTH} and delivery_address is None:
            raise invalid(
                "DELIVERY_ADDRESS_REQUIRED",
                "Dịch vụ chuyển trả kết quả cần địa chỉ phát.",
                f"Service form {form} delivers the result to a delivery address.",
                field="delivery_address",
            )
        self._trigger(
            self.ServiceRequested,
            stamp,
            service_form=form.value,
            partner_id=partner_id,
            requested_via=requested_via.value,
            dossier_code=self.dossier_code,
            procedure_code=procedure_code,
            agency_unit_code=agency_unit_code,
            contact=contact,
            pickup_address=pickup_address,
            delivery_address=delivery_address,
        )

    def accept_item(
        self,
        stamp: Stamp,
        *,
        partner_id: str,
        waybill_no: str,
        consignment_note_no: str,
        items: Sequence[PostalItem],
        tthc_fee_collected_vnd: int,
        postage_vnd: int,
        fee_receipt_no: str | None,
        post_office_code: str,
        route_class: PostalRouteClass,
        slip_required: bool,
        sla_due_at: datetime,
    ) -> UUID:
        """P2: the dossier was checked against the published list, sealed, and the note co-signed."""
        registration = self._registration()
        if not registration.sends:
            raise DeliveryRuleViolation(
                "SEND_NOT_REGISTERED",
                "Hồ sơ chỉ đăng ký dịch vụ chuyển trả kết quả, không đăng ký gửi hồ sơ.",
                f"The registration ({registration.form}) does not include sending the dossier.",
            )
        self._check_partner(registration.partner_id, partner_id)
        if self.active(ShipmentDirection.DOSSIER_TO_AGENCY) is not None or any(
            s.status is ShipmentStatus.HANDED_OVER
            for s in self.shipments_of(ShipmentDirection.DOSSIER_TO_AGENCY)
        ):
            raise DeliveryRuleViolation(
                "DOSSIER_ALREADY_ACCEPTED",
                "Bưu điện đã nhận gửi hồ sơ này.",
                "The dossier was already accepted for sending.",
            )
        _check_items(items)
        _check_money(tthc_fee_collected_vnd, "tthc_fee_collected_vnd")
        _check_money(postage_vnd, "postage_vnd")
        shipment_id = self._next_shipment_id(ShipmentDirection.DOSSIER_TO_AGENCY)
        self._trigger(
            self.ItemAccepted,
            stamp,
            shipment_id=shipment_id,
            partner_id=partner_id,
            waybill_no=waybill_no,
            consignment_note_no=consignment_note_no,
            items=tuple(items),
            tthc_fee_collected_vnd=tthc_fee_collected_vnd,
            postage_vnd=postage_vnd,
            fee_receipt_no=fee_receipt_no,
            post_office_code=post_office_code,
            route_class=route_class.value,
            slip_required=slip_required,
            sla_due_at=sla_due_at,
        )
        return shipment_id

    def report_transit(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        movement: PostalMovement,
        office_code: str,
        next_office_code: str | None,
    ) -> None:
        """P3: arrival at or departure from a postal office."""
        shipment = self._owned(shipment_id, partner_id)
        allowed = {
            ShipmentStatus.ACCEPTED,
            ShipmentStatus.IN_TRANSIT,
            ShipmentStatus.PICKED_UP,
            ShipmentStatus.DELIVERY_FAILED,
        }
        self._require(shipment, allowed, "P3")
        self._trigger(
            self.InTransit,
            stamp,
            shipment_id=shipment_id,
            waybill_no=shipment.waybill_no,
            movement=movement.value,
            office_code=office_code,
            next_office_code=next_office_code,
        )

    def check_handover(
        self, shipment_id: UUID, *, partner_id: str, agency_unit_code: str, fees_remitted_vnd: int
    ) -> None:
        """Raise what forbids handing this dossier to the agency on a record, if anything."""
        shipment = self._owned(shipment_id, partner_id)
        if shipment.direction is not ShipmentDirection.DOSSIER_TO_AGENCY:
            raise DeliveryRuleViolation(
                "NOT_A_DOSSIER_SHIPMENT",
                "Bưu gửi này là kết quả trả cho công dân, không phải hồ sơ gửi đến cơ quan.",
                "This shipment carries a result to the applicant, not a dossier to the agency.",
            )
        self._require(shipment, {ShipmentStatus.ACCEPTED, ShipmentStatus.IN_TRANSIT}, "P4")
        registration = self._registration()
        if agency_unit_code != registration.agency_unit_code:
            raise invalid(
                "WRONG_AGENCY",
                f"Hồ sơ được gửi đến {registration.agency_unit_code}, không phải {agency_unit_code}.",
                f"The dossier is addressed to {registration.agency_unit_code}, not {agency_unit_code}.",
                field="agency_unit_code",
            )
        if fees_remitted_vnd != shipment.tthc_fee_collected_vnd:
            raise invalid(
                "FEES_NOT_REMITTED_IN_FULL",
                f"Bưu điện đã thu {shipment.tthc_fee_collected_vnd} đồng phí, lệ phí và phải nộp đủ.",
                f"The post collected {shipment.tthc_fee_collected_vnd} VND of fees and remits all of it,"
                f" not {fees_remitted_vnd}.",
                field="fees_remitted_vnd",
            )

    def hand_over(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        handover_record_no: str,
        batch_size: int,
        agency_unit_code: str,
        agency_officer_id: str,
        complete: bool,
        missing_items: Sequence[str],
        fees_remitted_vnd: int,
    ) -> None:
        """P4: this dossier's line of a signed hand-over record (its signing is the legal submission)."""
        self.check_handover(
            shipment_id,
            partner_id=partner_id,
            agency_unit_code=agency_unit_code,
            fees_remitted_vnd=fees_remitted_vnd,
        )
        if complete == bool(missing_items):
            raise invalid(
                "COMPLETENESS_MISMATCH",
                "Hồ sơ thiếu thì phải ghi thành phần còn thiếu; hồ sơ đủ thì không ghi.",
                "An incomplete dossier lists what is missing, and a complete one lists nothing.",
                field="missing_items",
            )
        shipment = self.shipment(shipment_id)
        self._trigger(
            self.HandedOver,
            stamp,
            shipment_id=shipment_id,
            waybill_no=shipment.waybill_no,
            handover_record_no=handover_record_no,
            batch_size=batch_size,
            agency_unit_code=agency_unit_code,
            agency_officer_id=agency_officer_id,
            complete=complete,
            missing_items=tuple(missing_items),
            fees_remitted_vnd=fees_remitted_vnd,
        )

    def deliver_appointment_info(
        self, stamp: Stamp, shipment_id: UUID, *, partner_id: str, channel: NotificationChannel
    ) -> None:
        """P5: the applicant got the receipt slip or the promised return time."""
        shipment = self._owned(shipment_id, partner_id)
        self._require(shipment, {ShipmentStatus.HANDED_OVER}, "P5")
        if self.appointment_delivered:
            raise DeliveryRuleViolation(
                "APPOINTMENT_ALREADY_DELIVERED",
                "Giấy hẹn đã được phát cho công dân.",
                "The appointment information was already delivered.",
            )
        if self.dossier_code is None:
            raise DeliveryRuleViolation(
                "RECEIPT_UNKNOWN",
                "Cơ quan chưa tiếp nhận hồ sơ (chưa có mã hồ sơ và giấy hẹn).",
                "The agency has not received the dossier yet: there is no code or slip to deliver.",
            )
        self._trigger(
            self.AppointmentDelivered,
            stamp,
            shipment_id=shipment_id,
            dossier_code=self.dossier_code,
            channel=channel.value,
            due_at=self.due_at,
        )

    def order_result_pickup(
        self,
        stamp: Stamp,
        source_event_id: UUID,
        *,
        partner_id: str,
        dossier_code: str,
        pickup_unit_code: str,
        recipient: Contact,
        delivery_address: Address,
        items: Sequence[PostalItem],
        cod_amount_vnd: int,
    ) -> UUID:
        """The desk asks the partner to collect a ready result; registers the return service if needed."""
        if self.active(ShipmentDirection.RESULT_TO_APPLICANT) is not None:
            raise DeliveryRuleViolation(
                "PICKUP_ALREADY_ORDERED",
                "Kết quả của hồ sơ đang được bưu điện chuyển phát.",
                "A result shipment for this dossier is already under way.",
            )
        registration = self.registration
        if registration is None or not registration.returns:
            if registration is not None:
                raise DeliveryRuleViolation(
                    "RETURN_NOT_REGISTERED",
                    "Hồ sơ chỉ đăng ký dịch vụ gửi hồ sơ; phải đăng ký thêm dịch vụ chuyển trả kết quả.",
                    f"The registration ({registration.form}) does not include returning the result.",
                )
            if self.procedure_code is None:
                raise DeliveryRuleViolation(
                    "PROCEDURE_UNKNOWN",
                    "Chưa biết thủ tục của hồ sơ để đăng ký dịch vụ chuyển trả kết quả.",
                    "The procedure of the dossier is not known yet; the return service cannot be registered.",
                )
            self.request_service(
                stamp,
                form=PostalServiceForm.RETURN,
                partner_id=partner_id,
                requested_via=PostalRequestSource.ONE_STOP_ON_APPLICANT_REQUEST,
                procedure_code=self.procedure_code,
                agency_unit_code=pickup_unit_code,
                contact=recipient,
                pickup_address=None,
                delivery_address=delivery_address,
            )
            registration = self._registration()
        _check_items(items)
        shipment_id = self._next_shipment_id(ShipmentDirection.RESULT_TO_APPLICANT)
        self._trigger(
            self.PickupOrdered,
            stamp,
            public=False,
            source_event_id=source_event_id,
            shipment_id=shipment_id,
            partner_id=registration.partner_id,
            dossier_code=dossier_code,
            pickup_unit_code=pickup_unit_code,
            recipient=recipient,
            delivery_address=delivery_address,
            items=tuple(items),
            cod_amount_vnd=cod_amount_vnd,
        )
        return shipment_id

    def pick_up_result(
        self,
        stamp: Stamp,
        *,
        partner_id: str,
        waybill_no: str,
        consignment_note_no: str,
        agency_officer_id: str,
        route_class: PostalRouteClass,
        originals_returned: Sequence[str],
        bulk_sealed_by_agency: bool,
        sla_due_at: datetime,
    ) -> UUID:
        """P6: the result was counted against the list, sealed, and taken from the agency."""
        shipment = self.active(ShipmentDirection.RESULT_TO_APPLICANT)
        if shipment is None or shipment.status is not ShipmentStatus.REQUESTED:
            raise DeliveryRuleViolation(
                "NO_PICKUP_ORDERED",
                "Cơ quan chưa yêu cầu bưu điện nhận kết quả của hồ sơ này.",
                "The agency has not asked the post to collect this dossier's result.",
            )
        self._owned(shipment.shipment_id, partner_id)
        originals = {item.name for item in shipment.items if item.original}
        for index, name in enumerate(originals_returned):
            if name not in originals:
                raise invalid(
                    "ORIGINAL_NOT_IN_CONSIGNMENT",
                    f"'{name}' không có trong danh mục giấy tờ bản chính được giao.",
                    f"'{name}' is not an original listed in the consignment.",
                    field=f"originals_returned[{index}]",
                )
        assert self.dossier_code is not None  # set by the order
        self._trigger(
            self.ResultPickedUp,
            stamp,
            shipment_id=shipment.shipment_id,
            waybill_no=waybill_no,
            consignment_note_no=consignment_note_no,
            dossier_code=self.dossier_code,
            items=shipment.items,
            originals_returned=tuple(originals_returned),
            bulk_sealed_by_agency=bulk_sealed_by_agency,
            agency_officer_id=agency_officer_id,
            route_class=route_class.value,
            cod_amount_vnd=shipment.cod_amount_vnd,
            sla_due_at=sla_due_at,
        )
        return shipment.shipment_id

    def out_for_delivery(self, stamp: Stamp, shipment_id: UUID, *, partner_id: str, courier_id: str) -> None:
        """P7: a courier sets out; the attempt number counts up."""
        shipment = self._owned(shipment_id, partner_id)
        if shipment.status is ShipmentStatus.RETURNED_TO_AGENCY:
            raise DeliveryRuleViolation(
                "ATTEMPT_AFTER_RETURN",
                "Kết quả đã được chuyển hoàn về cơ quan; không phát tiếp.",
                "The result went back to the agency; no further delivery attempt.",
            )
        self._require(
            shipment,
            {ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERY_FAILED},
            "P7",
        )
        self._trigger(
            self.OutForDelivery,
            stamp,
            shipment_id=shipment_id,
            attempt_no=shipment.attempts + 1,
            courier_id=courier_id,
        )

    def delivery_failed(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        reason: DeliveryFailureReason,
        invitation_issued: bool,
        next_attempt_at: datetime | None,
    ) -> None:
        """P8: the attempt failed; an invitation may be left for the applicant."""
        shipment = self._owned(shipment_id, partner_id)
        self._require(shipment, {ShipmentStatus.OUT_FOR_DELIVERY}, "P8")
        if next_attempt_at is not None and next_attempt_at <= stamp.occurred_at:
            raise invalid(
                "NEXT_ATTEMPT_IN_PAST",
                "Lần phát tiếp theo phải sau lần phát không thành công.",
                "The next attempt comes after the failed one.",
                field="next_attempt_at",
            )
        self._trigger(
            self.DeliveryFailed,
            stamp,
            shipment_id=shipment_id,
            attempt_no=shipment.attempts,
            reason=reason.value,
            invitation_issued=invitation_issued,
            next_attempt_at=next_attempt_at,
        )

    def deliver(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        recipient: Recipient,
        recovered_documents: Sequence[str],
        fees_collected_vnd: int,
        signature_ref: str,
    ) -> None:
        """P9: ID checked (§4.3 D13): the addressee in person, or an authorised person with the authorisation."""
        shipment = self._owned(shipment_id, partner_id)
        self._require(shipment, {ShipmentStatus.OUT_FOR_DELIVERY}, "P9")
        addressee = shipment.recipient
        assert addressee is not None  # set by the pick-up order
        if recipient.authorised:
            if not (recipient.authorisation_ref or "").strip():
                raise invalid(
                    "AUTHORISATION_REF_REQUIRED",
                    "Người nhận thay phải xuất trình giấy ủy quyền.",
                    "An authorised recipient shows the authorisation; its reference is required.",
                    field="recipient.authorisation_ref",
                )
        elif not same_person_name(recipient.name, addressee.name):
            raise DeliveryRuleViolation(
                "RECIPIENT_NOT_AUTHORISED",
                "Người nhận không phải người có tên trên phiếu gửi và không có giấy ủy quyền; không được phát.",
                "The recipient is not the addressee and shows no authorisation; the item is not delivered.",
                field="recipient",
            )
        if fees_collected_vnd != shipment.cod_amount_vnd:
            raise invalid(
                "COD_MISMATCH",
                f"Phải thu đúng {shipment.cod_amount_vnd} đồng phí, lệ phí khi phát.",
                f"Exactly {shipment.cod_amount_vnd} VND are collected on delivery, not {fees_collected_vnd}.",
                field="fees_collected_vnd",
            )
        if not signature_ref.strip():
            raise invalid(
                "SIGNATURE_REQUIRED",
                "Người nhận phải ký nhận.",
                "The recipient signs.",
                field="signature_ref",
            )
        self._trigger(
            self.Delivered,
            stamp,
            shipment_id=shipment_id,
            recipient=recipient,
            recovered_documents=tuple(recovered_documents),
            fees_collected_vnd=fees_collected_vnd,
            signature_ref=signature_ref,
        )

    def return_to_agency(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        reason: DeliveryFailureReason,
        calendar: WorkingDays,
    ) -> None:
        """P10: after at least two invitations two working days apart (QĐ45 Art 10), or at once when the
        address does not exist or the recipient refused."""
        shipment = self._owned(shipment_id, partner_id)
        self._require(shipment, {ShipmentStatus.DELIVERY_FAILED}, "P10")
        invitations = shipment.invitations
        if reason not in _RETURN_AT_ONCE:
            if len(invitations) < MIN_INVITATIONS:
                raise DeliveryRuleViolation(
                    "INVITATIONS_REQUIRED",
                    f"Phải mời công dân đến nhận ít nhất {MIN_INVITATIONS} lần trước khi chuyển hoàn"
                    f" (mới mời {len(invitations)} lần).",
                    f"At least {MIN_INVITATIONS} invitations come before a return; {len(invitations)} were issued.",
                )
            spacing = calendar.working_days_between(_day(invitations[0]), _day(invitations[-1]))
            if spacing < MIN_WORKING_DAYS_BETWEEN_INVITATIONS:
                raise DeliveryRuleViolation(
                    "INVITATIONS_TOO_CLOSE",
                    f"Các lần mời phải cách nhau ít nhất {MIN_WORKING_DAYS_BETWEEN_INVITATIONS} ngày làm việc"
                    f" (mới cách {spacing} ngày).",
                    f"Invitations are at least {MIN_WORKING_DAYS_BETWEEN_INVITATIONS} working days apart;"
                    f" these are {spacing}.",
                )
        self._trigger(
            self.ReturnedToAgency,
            stamp,
            shipment_id=shipment_id,
            reason=reason.value,
            invitations=len(invitations),
            last_invitation_at=invitations[-1] if invitations else None,
        )

    def report_loss(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        kind: LossKind,
        description: str,
        damage_record_no: str | None,
        liability: Liability,
    ) -> None:
        """P11: lost or damaged in the partner's hands."""
        shipment = self._owned(shipment_id, partner_id)
        if shipment.terminal or shipment.status is ShipmentStatus.REQUESTED:
            raise DeliveryRuleViolation(
                "NOT_IN_PARTNER_HANDS",
                f"Bưu gửi đang ở trạng thái '{shipment.status.label_vi}', không do bưu điện giữ.",
                f"The shipment is {shipment.status}; the partner does not hold it.",
            )
        if not description.strip():
            raise invalid(
                "DESCRIPTION_REQUIRED", "Phải mô tả sự việc.", "Describe what happened.", field="description"
            )
        self._trigger(
            self.LostOrDamaged,
            stamp,
            shipment_id=shipment_id,
            kind=kind.value,
            description=description,
            damage_record_no=damage_record_no,
            liability=liability.value,
        )

    def file_complaint(
        self,
        stamp: Stamp,
        shipment_id: UUID,
        *,
        partner_id: str,
        complaint_id: str,
        scope: ComplaintScope,
        content: str,
        calendar: WorkingDays,
    ) -> datetime:
        """P12a: within 6 months after the end-to-end time; answered within 5 (7 inter-province) working days."""
        shipment = self._owned(shipment_id, partner_id)
        if complaint_id in self.complaints:
            raise DeliveryRuleViolation(
                "COMPLAINT_TWICE",
                f"Khiếu nại {complaint_id} đã được ghi nhận.",
                f"Complaint {complaint_id} exists.",
            )
        if shipment.sla_due_at is not None and stamp.occurred_at > _add_months(shipment.sla_due_at, 6):
            raise DeliveryRuleViolation(
                "COMPLAINT_TOO_LATE",
                "Đã quá 6 tháng kể từ hết thời gian toàn trình; không nhận khiếu nại.",
                "More than 6 months have passed since the end-to-end time; the complaint is out of time.",
            )
        if not content.strip():
            raise invalid(
                "CONTENT_REQUIRED", "Phải ghi nội dung khiếu nại.", "The complaint says what it is about."
            )
        days = 5 if scope is ComplaintScope.INTRA_PROVINCE else 7
        due_day = calendar.add_working_days(_day(stamp.occurred_at), days)
        due_at = _end_of(due_day)
        self._trigger(
            self.ComplaintFiled,
            stamp,
            complaint_id=complaint_id,
            shipment_id=shipment_id,
            scope=scope.value,
            content=content,
            resolution_due_at=due_at,
        )
        return due_at

    def resolve_complaint(
        self, stamp: Stamp, *, partner_id: str, complaint_id: str, resolution: str, compensation_vnd: int
    ) -> None:
        """P12b."""
        shipment_id = self.complaints.get(complaint_id)
        if shipment_id is None:
            raise invalid(
                "COMPLAINT_UNKNOWN",
                f"Không có khiếu nại {complaint_id}.",
                f"No complaint {complaint_id}.",
                field="complaint_id",
            )
        shipment = self._owned(shipment_id, partner_id)
        if shipment.complaints[complaint_id]:
            raise DeliveryRuleViolation(
                "COMPLAINT_ALREADY_RESOLVED",
                f"Khiếu nại {complaint_id} đã được giải quyết.",
                f"Complaint {complaint_id} was already resolved.",
            )
        _check_money(compensation_vnd, "compensation_vnd")
        self._trigger(
            self.ComplaintResolved,
            stamp,
            complaint_id=complaint_id,
            resolution=resolution,
            compensation_vnd=compensation_vnd,
        )

    def record_breach(self, stamp: Stamp, shipment_id: UUID, *, completed_at: datetime | None) -> None:
        """An SLA breach found by ``detect_breaches``: recorded once per shipment (internal event)."""
        shipment = self.shipment(shipment_id)
        if shipment.sla_breach_recorded or shipment.sla_due_at is None:
            return
        self._trigger(
            self.SlaBreached,
            stamp,
            public=False,
            shipment_id=shipment_id,
            due_at=shipment.sla_due_at,
            completed_at=completed_at,
        )

    # --- helpers --------------------------------------------------------------------------------------

    def _registration(self) -> Registration:
        if self.registration is None:
            raise DeliveryRuleViolation(
                "SERVICE_NOT_REGISTERED",
                "Hồ sơ chưa đăng ký dịch vụ bưu chính công ích.",
                "The dossier has no postal service registration.",
            )
        return self.registration

    def _owned(self, shipment_id: UUID, partner_id: str) -> Shipment:
        shipment = self.shipments.get(str(shipment_id))
        if shipment is None:
            raise NotFound("shipment", shipment_id)
        self._check_partner(shipment.partner_id, partner_id)
        return shipment

    @staticmethod
    def _check_partner(owner: str, partner_id: str) -> None:
        if owner != partner_id:
            raise forbidden(
                "NOT_YOUR_SHIPMENT",
                "Bưu gửi này do doanh nghiệp bưu chính khác phục vụ.",
                f"This shipment is served by another postal partner, not {partner_id}.",
            )

    @staticmethod
    def _require(shipment: Shipment, allowed: set[ShipmentStatus], step: str) -> None:
        if shipment.status not in allowed:
            raise DeliveryRuleViolation(
                "ILLEGAL_SHIPMENT_TRANSITION",
                f"Bưu gửi đang ở trạng thái '{shipment.status.label_vi}'; không thể ghi nhận {step}.",
                f"The shipment is {shipment.status}; {step} cannot happen now.",
            )

    def _next_shipment_id(self, direction: ShipmentDirection) -> UUID:
        return shipment_id_for(self.id, direction, len(self.shipments_of(direction)) + 1)

    def _trigger(
        self, event_class: type[PostalFile.Event], stamp: Stamp, *, public: bool = True, **fields: Any
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


def _check_items(items: Sequence[PostalItem]) -> None:
    if not items:
        raise invalid(
            "ITEMS_REQUIRED", "Phải lập danh mục giấy tờ.", "The consignment lists its papers.", field="items"
        )
    for index, item in enumerate(items):
        if not item.name.strip() or item.copies < 1:
            raise invalid(
                "ITEM_INVALID",
                "Mỗi giấy tờ có tên và số bản ít nhất là 1.",
                "Each paper has a name and at least one copy.",
                field=f"items[{index}]",
            )


def _check_money(amount: int, field: str) -> None:
    if amount < 0:
        raise invalid(
            "AMOUNT_NEGATIVE", "Số tiền không được âm.", "An amount cannot be negative.", field=field
        )


def _day(at: datetime) -> date:
    return business_time(at).date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BUSINESS_TZ)


def _add_months(at: datetime, months: int) -> datetime:
    month = at.month - 1 + months
    year, month = at.year + month // 12, month % 12 + 1
    day = min(at.day, gregorian.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


__all__ = ["PostalFile", "shipment_id_for"]
