"""Results returned by post across both contexts, wired as the relays and workers wire them.

Delivery publishes the pick-up request; the postal partner takes it, picks up, delivers (or fails, invites
twice, returns to the agency); delivery reads the P-events and records E25 only when the citizen really
has the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

import pytest
from delivery_kit import APPLICANT_NAME, ORIGINAL_DEED, Flow, Relay, at, officer, the_applicant, working_days

from contracts import postal as postal_public
from contracts.delivery import PostalPickupRequested, ResultReturned
from contracts.enums import DeliveryFailureReason, IdDocumentType, PostalRouteClass, ReturnMethod
from delivery.clock import SettableClock
from delivery.errors import DeliveryRuleViolation, NotFound
from delivery.notifications import MessageKind
from delivery.outbound import outbound as delivery_outbound
from delivery.postal.carrier import PickupOrder, SimulatedCarrier
from delivery.postal.outbound import outbound as postal_outbound
from delivery.postal.partner import PartnerContext, Pickup, PostalPartner
from delivery.result_delivery import DeliveryStatus
from delivery.service import CounterReturn, Delivery
from delivery.values import Recipient

WAYBILL = "EB204815367VN"


@dataclass
class World:
    clock: SettableClock
    delivery: Delivery
    partner: PostalPartner
    from_delivery: Relay
    from_partner: Relay

    def pump(self) -> None:
        """Carry every new public event across, both ways, until nothing moves."""
        moved = True
        while moved:
            moved = False
            for event in self.from_delivery.new_public_events():
                moved |= self.partner.apply_public_event(event)
            for event in self.from_partner.new_public_events():
                moved |= self.delivery.apply_public_event(event)


@pytest.fixture
def world() -> World:
    clock = SettableClock(at(2026, 3, 2, 8))
    delivery = Delivery(clock=clock)
    partner = PostalPartner(calendar=working_days(), clock=clock)
    return World(
        clock, delivery, partner, Relay(delivery, delivery_outbound), Relay(partner, postal_outbound)
    )


def courier() -> PartnerContext:
    return PartnerContext("VNPOST", "bt.sonha.05", uuid4())


def result_ready_for_post(world: World) -> Flow:
    flow = Flow()
    for event in (
        flow.submitted(at(2026, 3, 2, 8), return_method="POSTAL"),
        flow.received(at(2026, 3, 2, 8, 30), due_at=at(2026, 3, 16, 17)),
    ):
        world.delivery.apply_public_event(event)
        world.partner.apply_public_event(event)
    world.clock.set(at(2026, 3, 18, 14))
    world.delivery.apply_public_event(flow.result_issued(at(2026, 3, 18, 14)))
    world.pump()
    return flow


def picked_up(world: World, flow: Flow) -> None:
    world.clock.set(at(2026, 3, 19, 9))
    world.partner.pick_up_result(
        flow.dossier_id,
        Pickup(
            waybill_no=WAYBILL,
            consignment_note_no="PG-5367",
            agency_officer_id="cb.h4418.motcua07",
            route_class=PostalRouteClass.INTER_DISTRICT,
            originals_returned=[ORIGINAL_DEED],
        ),
        courier(),
    )
    world.pump()


def returned(world: World) -> list[ResultReturned]:
    return [
        e
        for e in Relay(world.delivery, delivery_outbound).new_public_events()
        if isinstance(e, ResultReturned)
    ]


def test_a_result_delivered_by_post_is_returned_when_delivered(world: World) -> None:
    flow = result_ready_for_post(world)
    assert world.delivery.get(flow.dossier_id).status is DeliveryStatus.WITH_POSTAL_PARTNER
    request = [
        e
        for e in Relay(world.delivery, delivery_outbound).new_public_events()
        if isinstance(e, PostalPickupRequested)
    ]
    assert [(r.dossier_code, r.recipient.name, [i.name for i in r.items]) for r in request] == [
        ("000.00.18.H44-260302-0123", APPLICANT_NAME, ["Giấy chứng nhận quyền sử dụng đất", ORIGINAL_DEED])
    ]
    with pytest.raises(DeliveryRuleViolation) as at_counter:
        world.delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        )
    assert at_counter.value.rule == "RESULT_WITH_POSTAL_PARTNER"

    picked_up(world, flow)
    world.clock.set(at(2026, 3, 20, 9))
    world.partner.out_for_delivery(WAYBILL, courier(), courier_id="bt.sonha.05")
    assert returned(world) == []  # out for delivery is not "the citizen has it"
    world.clock.set(at(2026, 3, 20, 10, 30))
    world.partner.deliver(WAYBILL, courier(), recipient=the_applicant(), signature_ref="ky://5367")
    world.pump()

    [event] = returned(world)
    assert event.method is ReturnMethod.POSTAL and event.occurred_at == at(2026, 3, 20, 10, 30)
    shipment = world.partner.waybill(WAYBILL).shipment_id
    assert event.shipment_id == shipment and event.originals_returned == [ORIGINAL_DEED]
    assert world.delivery.get(flow.dossier_id).status is DeliveryStatus.RETURNED
    assert world.partner.detect_sla_breaches() == []  # J = Thu 19, J+2 = Mon 23: delivered in time


def test_a_result_failing_twice_goes_back_and_is_collected_at_the_counter(world: World) -> None:
    flow = result_ready_for_post(world)
    picked_up(world, flow)
    world.clock.set(at(2026, 3, 20, 9))
    world.partner.out_for_delivery(WAYBILL, courier(), courier_id="bt.sonha.05")
    world.clock.set(at(2026, 3, 20, 10))
    world.partner.delivery_failed(
        WAYBILL,
        courier(),
        reason=DeliveryFailureReason.NOT_AT_HOME,
        invitation_issued=True,
        next_attempt_at=at(2026, 3, 23, 9),
    )
    with pytest.raises(DeliveryRuleViolation) as one_invitation:
        world.partner.return_to_agency(WAYBILL, courier(), reason=DeliveryFailureReason.NOT_AT_HOME)
    assert one_invitation.value.rule == "INVITATIONS_REQUIRED"

    world.clock.set(at(2026, 3, 24, 9))  # Tue: two working days after the first invitation (Mon 23, Tue 24)
    world.partner.out_for_delivery(WAYBILL, courier(), courier_id="bt.sonha.05")
    world.partner.delivery_failed(
        WAYBILL, courier(), reason=DeliveryFailureReason.NOT_AT_HOME, invitation_issued=True
    )
    world.clock.set(at(2026, 3, 25, 14))
    world.partner.return_to_agency(WAYBILL, courier(), reason=DeliveryFailureReason.NOT_AT_HOME)
    with pytest.raises(DeliveryRuleViolation) as after_return:
        world.partner.out_for_delivery(WAYBILL, courier(), courier_id="bt.sonha.05")
    assert after_return.value.rule == "ATTEMPT_AFTER_RETURN"
    world.pump()

    p_events = Relay(world.partner, postal_outbound).new_public_events()
    back = [e for e in p_events if isinstance(e, postal_public.ReturnedToAgency)]
    assert [(e.invitations, e.last_invitation_at) for e in back] == [(2, at(2026, 3, 24, 9))]
    assert [e.attempt_no for e in p_events if isinstance(e, postal_public.DeliveryFailed)] == [1, 2]
    assert [e.seq for e in p_events] == list(range(1, len(p_events) + 1))
    file = world.delivery.get(flow.dossier_id)
    assert file.status is DeliveryStatus.RESULT_READY and file.returned_by_post
    assert MessageKind.RETURNED_BY_POST in {m.kind for m in world.delivery.pending_messages()}

    world.clock.set(at(2026, 3, 26, 10))
    world.delivery.return_at_counter(
        flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
    )
    [event] = returned(world)
    assert event.method is ReturnMethod.COUNTER and event.shipment_id is None


def test_invitations_must_be_two_working_days_apart(world: World) -> None:
    flow = result_ready_for_post(world)
    picked_up(world, flow)
    for moment in (at(2026, 3, 20, 9), at(2026, 3, 23, 9)):  # Fri, then Mon: one working day apart
        world.clock.set(moment)
        world.partner.out_for_delivery(WAYBILL, courier(), courier_id="bt.sonha.05")
        world.partner.delivery_failed(
            WAYBILL, courier(), reason=DeliveryFailureReason.NOT_AT_HOME, invitation_issued=True
        )
    with pytest.raises(DeliveryRuleViolation) as too_close:
        world.partner.return_to_agency(WAYBILL, courier(), reason=DeliveryFailureReason.NOT_AT_HOME)
    assert too_close.value.rule == "INVITATIONS_TOO_CLOSE"
    world.partner.return_to_agency(
        WAYBILL, courier(), reason=DeliveryFailureReason.ADDRESS_NOT_FOUND
    )  # no invitations owed
    world.pump()
    assert world.delivery.get(flow.dossier_id).status is DeliveryStatus.RESULT_READY


def test_the_courier_hands_the_result_only_to_the_addressee_or_an_authorised_person(world: World) -> None:
    flow = result_ready_for_post(world)
    picked_up(world, flow)
    world.partner.out_for_delivery(WAYBILL, courier(), courier_id="bt.sonha.05")
    neighbour = Recipient("Phạm Thị Hàng Xóm", IdDocumentType.CCCD, "025190007777")
    with pytest.raises(DeliveryRuleViolation) as refused:
        world.partner.deliver(WAYBILL, courier(), recipient=neighbour, signature_ref="ky://x")
    assert refused.value.rule == "RECIPIENT_NOT_AUTHORISED"
    proxy = Recipient("Phạm Thị Hàng Xóm", IdDocumentType.CCCD, "025190007777", True, "07/UQ")
    world.partner.deliver(WAYBILL, courier(), recipient=proxy, signature_ref="ky://x")
    world.pump()
    [event] = returned(world)
    assert event.recipient is not None and event.recipient.authorisation_ref == "07/UQ"


def test_another_partner_cannot_touch_the_shipment(world: World) -> None:
    flow = result_ready_for_post(world)
    rival = PartnerContext("VIETTELPOST", "vtp.01", uuid4())
    with pytest.raises(DeliveryRuleViolation) as caught:
        world.partner.pick_up_result(
            flow.dossier_id,
            Pickup(WAYBILL, "PG-1", "cb.1", PostalRouteClass.INTRA_DISTRICT),
            rival,
        )
    assert (caught.value.rule, caught.value.status) == ("NOT_YOUR_SHIPMENT", 403)
    picked_up(world, flow)
    with pytest.raises(DeliveryRuleViolation):
        world.partner.out_for_delivery(WAYBILL, rival, courier_id="vtp.01")


def test_the_carrier_port_takes_each_order_once(world: World) -> None:
    flow = result_ready_for_post(world)
    [request] = [
        e
        for e in Relay(world.delivery, delivery_outbound).new_public_events()
        if isinstance(e, PostalPickupRequested)
    ]
    carrier = SimulatedCarrier(world.partner)
    first = carrier.order_result_pickup(PickupOrder.from_request(request))
    again = carrier.order_result_pickup(PickupOrder.from_request(request))
    assert first == again and first.partner_id == "VNPOST"
    assert len(world.partner.get(flow.dossier_id).shipments) == 1


def test_a_postal_event_for_a_dossier_delivery_never_saw_is_refused(world: World) -> None:
    flow = result_ready_for_post(world)
    picked_up(world, flow)
    [pickup] = [
        e
        for e in Relay(world.partner, postal_outbound).new_public_events()
        if isinstance(e, postal_public.ResultPickedUpFromAgency)
    ]
    stranger = pickup.model_copy(update={"dossier_id": Flow().dossier_id})
    with pytest.raises(NotFound):
        world.delivery.apply_postal_event(stranger)
