"""PostalPartner: the postal partner's own application (its event store, its API's commands, its events
P1–P12), as VNPost would run it.

Staff commands name the partner acting (``PartnerContext``); most name the shipment by its waybill, which
the waybill register resolves (an unknown waybill is ``NotFound``). A hand-over record is one command
for many dossiers: every line is checked first and all files are saved in one ``save()``, so a bad line
refuses the whole record. Inbound public events (intake E1/E5, the desk's pick-up request) are applied
idempotently. SLA breaches are found by the pure ``detect_breaches`` and recorded once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import EnvType, get_topic
from pydantic import ValidationError

from contracts import delivery as delivery_events
from contracts import intake as intake_events
from contracts.enums import (
    ActorKind,
    ComplaintScope,
    DeliveryFailureReason,
    Liability,
    LossKind,
    NotificationChannel,
    PostalMovement,
    PostalRequestSource,
    PostalRouteClass,
    PostalServiceForm,
    ReturnMethod,
)
from contracts.envelope import PublicEvent, new_event_id
from delivery.calendar import WorkingDays
from delivery.clock import Clock, SystemClock, business_time
from delivery.errors import ConcurrentUpdate, DeliveryRuleViolation, NotFound, invalid
from delivery.postal.carrier import CarrierOrderAck, PickupOrder
from delivery.postal.outbound import outbound
from delivery.postal.postal_file import PostalFile
from delivery.postal.sla import SlaBreach, SlaClock, SlaTable, detect_breaches, sla_due_at
from delivery.postal.waybills import Waybill, normalise_waybill, waybill_key
from delivery.values import (
    Actor,
    Address,
    Contact,
    PostalItem,
    Recipient,
    Stamp,
    register_value_transcodings,
)

T = TypeVar("T")
WORKER_ACTOR = Actor(ActorKind.SYSTEM, "system:postal-partner")


@dataclass(frozen=True)
class PartnerContext:
    """Who acts: the partner (company) and its staff member, and the business flow."""

    partner_id: str
    staff_id: str
    correlation_id: UUID
    causation_id: UUID | None = None

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.POSTAL_STAFF, self.staff_id)


@dataclass(frozen=True)
class ServiceRegistration:
    """P1 as the applicant fills it in (at a post office, online, or through the desk)."""

    form: PostalServiceForm
    requested_via: PostalRequestSource
    procedure_code: str
    agency_unit_code: str
    contact: Contact
    pickup_address: Address | None = None
    delivery_address: Address | None = None


@dataclass(frozen=True)
class Acceptance:
    """P2: what the consignment note says."""

    waybill_no: str
    consignment_note_no: str
    items: Sequence[PostalItem]
    postage_vnd: int
    post_office_code: str
    route_class: PostalRouteClass
    slip_required: bool = True
    tthc_fee_collected_vnd: int = 0
    fee_receipt_no: str | None = None


@dataclass(frozen=True)
class HandoverLine:
    waybill_no: str
    complete: bool = True
    missing_items: Sequence[str] = ()
    fees_remitted_vnd: int | None = None  # default: everything collected for that dossier


@dataclass(frozen=True)
class HandoverRecord:
    """Biên bản giao nhận hồ sơ: one record, many dossiers, signed by both sides."""

    record_no: str
    agency_unit_code: str
    agency_officer_id: str
    lines: Sequence[HandoverLine] = field(default_factory=tuple)


@dataclass(frozen=True)
class Pickup:
    """P6: the consignment note co-signed with the agency."""

    waybill_no: str
    consignment_note_no: str
    agency_officer_id: str
    route_class: PostalRouteClass
    originals_returned: Sequence[str] = ()
    bulk_sealed_by_agency: bool = False


class PostalPartner(Application[UUID]):
    """The postal partner's context: one ``PostalFile`` per dossier and the waybill register."""

    name = "postal"
    max_attempts = 5

    def __init__(
        self,
        *,
        calendar: WorkingDays,
        clock: Clock | None = None,
        sla_table: SlaTable | None = None,
        default_partner_id: str = "VNPOST",
        env: EnvType | None = None,
    ) -> None:
        self.calendar = calendar
        self.clock: Clock = clock or SystemClock()
        self.sla_table = sla_table or SlaTable()
        self.default_partner_id = default_partner_id
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- queries --------------------------------------------------------------------------------------

    def get(self, dossier_id: UUID) -> PostalFile:
        found = self._find(dossier_id)
        if found is None:
            raise NotFound("postal file", dossier_id)
        return found

    def waybill(self, waybill_no: str) -> Waybill:
        """The register entry of ``waybill_no`` (``NotFound`` for a number nobody issued)."""
        try:
            entry: Any = self.repository.get(waybill_key(waybill_no))
        except AggregateNotFoundError:
            raise NotFound("waybill", normalise_waybill(waybill_no)) from None
        assert isinstance(entry, Waybill)
        return entry

    def sla_clocks(self) -> list[SlaClock]:
        """The SLA clock of every shipment that has one, in the order the shipments got their J."""
        topics = [get_topic(PostalFile.ItemAccepted), get_topic(PostalFile.ResultPickedUp)]
        dossiers: list[UUID] = []
        start: int | None = None
        while page := self.recorder.select_notifications(start, 500, topics=topics, inclusive_of_start=False):
            for notification in page:
                if notification.originator_id not in dossiers:
                    dossiers.append(UUID(str(notification.originator_id)))
            start = page[-1].id
        clocks: list[SlaClock] = []
        for dossier_id in dict.fromkeys(dossiers):
            postal_file = self.get(dossier_id)
            for shipment in postal_file.shipments.values():
                if shipment.sla_due_at is None or shipment.waybill_no is None or shipment.route_class is None:
                    continue
                clocks.append(
                    SlaClock(
                        dossier_id=dossier_id,
                        shipment_id=shipment.shipment_id,
                        partner_id=shipment.partner_id,
                        waybill_no=shipment.waybill_no,
                        route_class=shipment.route_class,
                        due_at=shipment.sla_due_at,
                        stopped_at=shipment.sla_stopped_at,
                        breach_recorded=shipment.sla_breach_recorded,
                    )
                )
        return clocks

    # --- SLA ------------------------------------------------------------------------------------------

    def detect_sla_breaches(self) -> list[SlaBreach]:
        """Record every breach not yet recorded at the clock's "now"; returns the new ones."""
        now = self._now()
        breaches = detect_breaches(self.sla_clocks(), now)
        for breach in breaches:

            def action(at: datetime, breach: SlaBreach = breach) -> None:
                postal_file = self.get(breach.dossier_id)
                stamp = Stamp(WORKER_ACTOR, postal_file.id, None, now, at)
                postal_file.record_breach(stamp, breach.shipment_id, completed_at=breach.completed_at)
                self._commit(postal_file)

            self._run(action)
        return breaches

    # --- inbound public events ------------------------------------------------------------------------

    def apply_public_event(self, event: PublicEvent) -> bool:
        if isinstance(event, intake_events.IntakeDossierEvent):
            return self.apply_intake_event(event)
        if isinstance(event, delivery_events.PostalPickupRequested):
            self.order_result_pickup(PickupOrder.from_request(event))
            return True
        return False

    def apply_intake_event(self, event: PublicEvent) -> bool:
        """E1 of a dossier whose result goes back by post opens its file; E5 tells the code and due time."""
        if isinstance(event, intake_events.DossierSubmitted):
            if event.result_return_method is not ReturnMethod.POSTAL and self._find(event.dossier_id) is None:
                return False
            facts: dict[str, Any] = {
                "dossier_code": event.dossier_code,
                "procedure_code": event.procedure_code,
                "agency_unit_code": event.receiving_unit_code,
                "due_at": None,
            }
        elif isinstance(event, intake_events.DossierReceived):
            if self._find(event.dossier_id) is None:
                return False
            facts = {
                "dossier_code": event.dossier_code,
                "procedure_code": event.procedure_code,
                "agency_unit_code": event.receiving_unit_code,
                "due_at": event.due_at,
            }
        else:
            return False

        def action(now: datetime) -> bool:
            postal_file = self._find(event.dossier_id)
            if postal_file is not None and postal_file.has_applied(event.event_id):
                return False
            stamp = Stamp(WORKER_ACTOR, event.correlation_id, event.event_id, event.occurred_at, now)
            postal_file = postal_file or PostalFile.open(event.dossier_id, stamp)
            postal_file.note_dossier(stamp, event.event_id, **facts)
            self._commit(postal_file)
            return True

        return self._run(action)

    def order_result_pickup(self, order: PickupOrder) -> CarrierOrderAck:
        """The desk's pick-up request (the carrier port's one call); the same request twice opens one shipment."""

        def action(now: datetime) -> CarrierOrderAck:
            postal_file = self._find(order.dossier_id)
            stamp = Stamp(WORKER_ACTOR, order.correlation_id, order.request_event_id, order.requested_at, now)
            if postal_file is not None and postal_file.has_applied(order.request_event_id):
                for shipment in reversed(list(postal_file.shipments.values())):
                    return CarrierOrderAck(shipment.partner_id, shipment.shipment_id)
            postal_file = postal_file or PostalFile.open(order.dossier_id, stamp)
            registration = postal_file.registration
            partner_id = registration.partner_id if registration else self.default_partner_id
            shipment_id = postal_file.order_result_pickup(
                stamp,
                order.request_event_id,
                partner_id=partner_id,
                dossier_code=order.dossier_code,
                pickup_unit_code=order.pickup_unit_code,
                recipient=order.recipient,
                delivery_address=order.delivery_address,
                items=order.items,
                cod_amount_vnd=order.cod_amount_vnd,
            )
            self._commit(postal_file)
            return CarrierOrderAck(postal_file.shipment(shipment_id).partner_id, shipment_id)

        return self._run(action)

    # --- staff commands -------------------------------------------------------------------------------

    def register_service(
        self, registration: ServiceRegistration, context: PartnerContext, *, dossier_id: UUID | None = None
    ) -> UUID:
        """P1; for a dossier sent by post the partner mints the dossier id here (ADR 0101)."""
        target = dossier_id or new_event_id()

        def action(now: datetime) -> UUID:
            stamp = self._stamp(context, now)
            postal_file = self._find(target) or PostalFile.open(target, stamp)
            postal_file.request_service(
                stamp,
                form=registration.form,
                partner_id=context.partner_id,
                requested_via=registration.requested_via,
                procedure_code=registration.procedure_code,
                agency_unit_code=registration.agency_unit_code,
                contact=registration.contact,
                pickup_address=registration.pickup_address,
                delivery_address=registration.delivery_address,
            )
            self._commit(postal_file)
            return target

        return self._run(action)

    def accept_item(self, dossier_id: UUID, acceptance: Acceptance, context: PartnerContext) -> UUID:
        """P2 and the waybill's registration, in one save."""

        def action(now: datetime) -> UUID:
            stamp = self._stamp(context, now)
            postal_file = self.get(dossier_id)
            self._check_waybill_free(acceptance.waybill_no)
            shipment_id = postal_file.accept_item(
                stamp,
                partner_id=context.partner_id,
                waybill_no=normalise_waybill(acceptance.waybill_no),
                consignment_note_no=acceptance.consignment_note_no,
                items=acceptance.items,
                tthc_fee_collected_vnd=acceptance.tthc_fee_collected_vnd,
                postage_vnd=acceptance.postage_vnd,
                fee_receipt_no=acceptance.fee_receipt_no,
                post_office_code=acceptance.post_office_code,
                route_class=acceptance.route_class,
                slip_required=acceptance.slip_required,
                sla_due_at=self._sla_due(stamp.occurred_at, acceptance.route_class, acceptance.slip_required),
            )
            entry = Waybill.register(
                acceptance.waybill_no,
                dossier_id=dossier_id,
                shipment_id=shipment_id,
                partner_id=context.partner_id,
                at=now,
            )
            self._commit(postal_file, entry)
            return shipment_id

        return self._run(action)

    def report_transit(
        self,
        waybill_no: str,
        context: PartnerContext,
        *,
        movement: PostalMovement,
        office_code: str,
        next_office_code: str | None = None,
    ) -> None:
        """P3."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.report_transit(
                s,
                shipment,
                partner_id=context.partner_id,
                movement=movement,
                office_code=office_code,
                next_office_code=next_office_code,
            ),
        )

    def hand_over(self, record: HandoverRecord, context: PartnerContext) -> list[UUID]:
        """P4 for every line of a signed hand-over record; all lines or none. Returns the dossier ids."""
        if not record.lines:
            raise invalid(
                "HANDOVER_EMPTY",
                "Biên bản giao nhận phải có ít nhất một hồ sơ.",
                "A hand-over record lists at least one dossier.",
                field="lines",
            )

        def action(now: datetime) -> list[UUID]:
            stamp = self._stamp(context, now)
            files: dict[UUID, PostalFile] = {}
            seen: set[str] = set()
            for index, line in enumerate(record.lines):
                number = normalise_waybill(line.waybill_no)
                try:
                    if number in seen:
                        raise invalid(
                            "WAYBILL_TWICE_ON_RECORD",
                            f"Bưu gửi {number} được ghi hai lần trong biên bản.",
                            f"Waybill {number} appears twice on the record.",
                            field="waybill_no",
                        )
                    seen.add(number)
                    entry = self.waybill(number)
                    postal_file = files.get(entry.dossier_id) or self.get(entry.dossier_id)
                    files[entry.dossier_id] = postal_file
                    shipment = postal_file.shipment(entry.shipment_id)
                    postal_file.hand_over(
                        stamp,
                        entry.shipment_id,
                        partner_id=context.partner_id,
                        handover_record_no=record.record_no,
                        batch_size=len(record.lines),
                        agency_unit_code=record.agency_unit_code,
                        agency_officer_id=record.agency_officer_id,
                        complete=line.complete,
                        missing_items=line.missing_items,
                        fees_remitted_vnd=(
                            shipment.tthc_fee_collected_vnd
                            if line.fees_remitted_vnd is None
                            else line.fees_remitted_vnd
                        ),
                    )
                except DeliveryRuleViolation as violation:
                    raise violation.within(
                        f"lines[{index}]", f"Dòng {index + 1} ({number})", f"Line {index + 1} ({number})"
                    ) from None
            self._commit(*files.values())
            return list(files)

        return self._run(action)

    def deliver_appointment_info(
        self, waybill_no: str, context: PartnerContext, *, channel: NotificationChannel
    ) -> None:
        """P5."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.deliver_appointment_info(
                s, shipment, partner_id=context.partner_id, channel=channel
            ),
        )

    def pick_up_result(self, dossier_id: UUID, pickup: Pickup, context: PartnerContext) -> UUID:
        """P6 and the waybill's registration, in one save."""

        def action(now: datetime) -> UUID:
            stamp = self._stamp(context, now)
            postal_file = self.get(dossier_id)
            self._check_waybill_free(pickup.waybill_no)
            shipment_id = postal_file.pick_up_result(
                stamp,
                partner_id=context.partner_id,
                waybill_no=normalise_waybill(pickup.waybill_no),
                consignment_note_no=pickup.consignment_note_no,
                agency_officer_id=pickup.agency_officer_id,
                route_class=pickup.route_class,
                originals_returned=pickup.originals_returned,
                bulk_sealed_by_agency=pickup.bulk_sealed_by_agency,
                sla_due_at=self._sla_due(stamp.occurred_at, pickup.route_class, False),
            )
            entry = Waybill.register(
                pickup.waybill_no,
                dossier_id=dossier_id,
                shipment_id=shipment_id,
                partner_id=context.partner_id,
                at=now,
            )
            self._commit(postal_file, entry)
            return shipment_id

        return self._run(action)

    def out_for_delivery(self, waybill_no: str, context: PartnerContext, *, courier_id: str) -> None:
        """P7."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.out_for_delivery(
                s, shipment, partner_id=context.partner_id, courier_id=courier_id
            ),
        )

    def delivery_failed(
        self,
        waybill_no: str,
        context: PartnerContext,
        *,
        reason: DeliveryFailureReason,
        invitation_issued: bool,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """P8."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.delivery_failed(
                s,
                shipment,
                partner_id=context.partner_id,
                reason=reason,
                invitation_issued=invitation_issued,
                next_attempt_at=next_attempt_at,
            ),
        )

    def deliver(
        self,
        waybill_no: str,
        context: PartnerContext,
        *,
        recipient: Recipient,
        signature_ref: str,
        fees_collected_vnd: int = 0,
        recovered_documents: Sequence[str] = (),
    ) -> None:
        """P9 (delivery records E25 POSTAL when it reads it)."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.deliver(
                s,
                shipment,
                partner_id=context.partner_id,
                recipient=recipient,
                recovered_documents=recovered_documents,
                fees_collected_vnd=fees_collected_vnd,
                signature_ref=signature_ref,
            ),
        )

    def return_to_agency(
        self, waybill_no: str, context: PartnerContext, *, reason: DeliveryFailureReason
    ) -> None:
        """P10."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.return_to_agency(
                s, shipment, partner_id=context.partner_id, reason=reason, calendar=self.calendar
            ),
        )

    def report_loss(
        self,
        waybill_no: str,
        context: PartnerContext,
        *,
        kind: LossKind,
        description: str,
        liability: Liability,
        damage_record_no: str | None = None,
    ) -> None:
        """P11."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.report_loss(
                s,
                shipment,
                partner_id=context.partner_id,
                kind=kind,
                description=description,
                damage_record_no=damage_record_no,
                liability=liability,
            ),
        )

    def file_complaint(
        self,
        waybill_no: str,
        context: PartnerContext,
        *,
        complaint_id: str,
        scope: ComplaintScope,
        content: str,
    ) -> None:
        """P12a."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.file_complaint(
                s,
                shipment,
                partner_id=context.partner_id,
                complaint_id=complaint_id,
                scope=scope,
                content=content,
                calendar=self.calendar,
            ),
        )

    def resolve_complaint(
        self,
        waybill_no: str,
        context: PartnerContext,
        *,
        complaint_id: str,
        resolution: str,
        compensation_vnd: int = 0,
    ) -> None:
        """P12b."""
        self._by_waybill(
            waybill_no,
            context,
            lambda f, s, shipment: f.resolve_complaint(
                s,
                partner_id=context.partner_id,
                complaint_id=complaint_id,
                resolution=resolution,
                compensation_vnd=compensation_vnd,
            ),
        )

    # --- plumbing -------------------------------------------------------------------------------------

    def _by_waybill(
        self, waybill_no: str, context: PartnerContext, handle: Callable[[PostalFile, Stamp, UUID], object]
    ) -> None:
        entry = self.waybill(waybill_no)

        def action(now: datetime) -> None:
            postal_file = self.get(entry.dossier_id)
            handle(postal_file, self._stamp(context, now), entry.shipment_id)
            self._commit(postal_file)

        self._run(action)

    def _check_waybill_free(self, waybill_no: str) -> None:
        try:
            self.waybill(waybill_no)
        except NotFound:
            return
        raise invalid(
            "WAYBILL_IN_USE",
            f"Số hiệu bưu gửi {normalise_waybill(waybill_no)} đã được dùng cho bưu gửi khác.",
            f"Waybill {normalise_waybill(waybill_no)} already belongs to another shipment.",
            field="waybill_no",
        )

    def _sla_due(self, j: datetime, route: PostalRouteClass, slip_required: bool) -> datetime:
        return sla_due_at(j, route, slip_required=slip_required, calendar=self.calendar, table=self.sla_table)

    def _stamp(self, context: PartnerContext, now: datetime) -> Stamp:
        return Stamp(context.actor, context.correlation_id, context.causation_id, now, now)

    def _find(self, dossier_id: UUID) -> PostalFile | None:
        try:
            aggregate: Any = self.repository.get(dossier_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, PostalFile):
            raise NotFound("postal file", dossier_id)
        return aggregate

    def _now(self) -> datetime:
        return business_time(self.clock.now())

    def _run(self, action: Callable[[datetime], T]) -> T:
        for _ in range(self.max_attempts - 1):
            try:
                return action(self._now())
            except IntegrityError:
                continue
        try:
            return action(self._now())
        except IntegrityError as error:
            raise ConcurrentUpdate() from error

    def _commit(self, *aggregates: BaseAggregate[UUID]) -> None:
        for aggregate in aggregates:
            for event in aggregate.pending_events:
                try:
                    outbound(event)
                except ValidationError as error:
                    raise _contract_violation(error) from None
        self.save(*aggregates)


def _contract_violation(error: ValidationError) -> DeliveryRuleViolation:
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or None
    return invalid(
        "CONTRACT_VIOLATION",
        f"Giá trị không hợp lệ ({location}): {first['msg']}",
        f"Invalid value ({location}): {first['msg']}",
        field=location,
    )
