"""The postal mapper: P1–P12 all mapped, deterministic ids, gap-free seq, through the Kafka codec."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID, uuid4

from delivery_kit import APPLICANT_NAME, APPLICANT_PHONE, DESK_UNIT, Flow, at, the_applicant
from postal_kit import HOME, acceptance, partner_app, register_send, staff

from contracts import codec
from contracts import postal as public
from contracts.enums import (
    ComplaintScope,
    DeliveryFailureReason,
    Liability,
    LossKind,
    NotificationChannel,
    PostalMovement,
    PostalRouteClass,
    Producer,
)
from contracts.envelope import PublicEvent, new_event_id
from delivery.clock import SettableClock
from delivery.postal.carrier import PickupOrder
from delivery.postal.outbound import outbound
from delivery.postal.partner import HandoverLine, HandoverRecord, Pickup, PostalPartner
from delivery.postal.postal_file import PostalFile
from delivery.values import Contact, PostalItem


def order(dossier_id: UUID) -> PickupOrder:
    return PickupOrder(
        request_event_id=new_event_id(),
        dossier_id=dossier_id,
        dossier_code="000.00.18.H44-260302-0123",
        pickup_unit_code=DESK_UNIT,
        recipient=Contact(APPLICANT_NAME, APPLICANT_PHONE),
        delivery_address=HOME,
        items=(PostalItem("Giấy chứng nhận", original=True),),
        cod_amount_vnd=0,
        requested_at=at(2026, 3, 18, 9),
        correlation_id=uuid4(),
    )


def scenario() -> PostalPartner:
    clock = SettableClock(at(2026, 3, 13, 10))
    partner = partner_app(clock)
    sent = register_send(partner)  # P1 BOTH
    partner.accept_item(sent, acceptance("EA000000011VN", slip=True), staff())
    partner.report_transit("EA000000011VN", staff(), movement=PostalMovement.ARRIVED, office_code="BC-SH-02")
    partner.hand_over(HandoverRecord("BB-1", DESK_UNIT, "cb.1", (HandoverLine("EA000000011VN"),)), staff())
    partner.apply_intake_event(Flow(sent).received(at(2026, 3, 16, 9), due_at=at(2026, 3, 30, 17)))
    partner.deliver_appointment_info("EA000000011VN", staff(), channel=NotificationChannel.PAPER)
    clock.set(at(2026, 3, 18, 9))
    refused, lost = uuid4(), uuid4()
    for counter_dossier in (refused, lost):  # returned by post, registered by the desk's order (P1 RETURN)
        partner.apply_intake_event(Flow(counter_dossier).submitted(at(2026, 3, 2, 8), return_method="POSTAL"))
    for dossier_id, waybill in ((sent, "EB000000011VN"), (refused, "EB000000022VN"), (lost, "EB000000033VN")):
        partner.order_result_pickup(order(dossier_id))
        pickup = Pickup(waybill, f"PG-{waybill[-4:]}", "cb.1", PostalRouteClass.INTRA_DISTRICT)
        partner.pick_up_result(dossier_id, pickup, staff())
        partner.out_for_delivery(waybill, staff(), courier_id="bt.1")
    partner.deliver("EB000000011VN", staff(), recipient=the_applicant(), signature_ref="ky://1")
    partner.delivery_failed(
        "EB000000022VN", staff(), reason=DeliveryFailureReason.REFUSED, invitation_issued=False
    )
    partner.return_to_agency("EB000000022VN", staff(), reason=DeliveryFailureReason.REFUSED)
    partner.report_loss(
        "EB000000033VN",
        staff(),
        kind=LossKind.LOST,
        description="Thất lạc khi vận chuyển",
        liability=Liability.POSTAL_OPERATOR,
    )
    partner.file_complaint(
        "EB000000033VN",
        staff(),
        complaint_id="KN-1",
        scope=ComplaintScope.INTRA_PROVINCE,
        content="Mất kết quả",
    )
    partner.resolve_complaint(
        "EB000000033VN", staff(), complaint_id="KN-1", resolution="Bồi thường", compensation_vnd=500_000
    )
    return partner


def everything(partner: PostalPartner) -> list[tuple[object, list[PublicEvent]]]:
    stored: list[tuple[object, list[PublicEvent]]] = []
    for notification in partner.recorder.select_notifications(None, 10_000):
        event = partner.mapper.to_domain_event(notification)
        stored.append((event, list(outbound(event))))
    return stored


def test_every_postal_type_is_mapped_and_survives_the_wire() -> None:
    published = [p for _, mapped in everything(scenario()) for p in mapped]
    assert {type(p) for p in published} == set(public.EVENTS)
    for event in published:
        record = codec.encode(event)
        assert record.topic == "postal.shipments.v1"
        assert codec.decode(record.headers, record.value) == event
        assert event.producer is Producer.POSTAL and event.actor.kind.value in {"postal_staff", "system"}


def test_postal_mapping_is_deterministic_with_gap_free_seq() -> None:
    partner = scenario()
    first, again = everything(partner), everything(partner)
    assert [m for _, m in first] == [m for _, m in again]
    seqs: dict[UUID, list[int]] = defaultdict(list)
    for stored, mapped in first:
        if isinstance(stored, (PostalFile.Opened, PostalFile.DossierFactsNoted, PostalFile.PickupOrdered)):
            assert mapped == []
        for event in mapped:
            seqs[event.dossier_id].append(event.seq)  # type: ignore[attr-defined]
    for numbers in seqs.values():
        assert numbers == list(range(1, len(numbers) + 1))
    registrations = [p for _, m in first for p in m if isinstance(p, public.PostalServiceRequested)]
    assert sorted(r.service_form.value for r in registrations) == ["BOTH", "RETURN", "RETURN"]
