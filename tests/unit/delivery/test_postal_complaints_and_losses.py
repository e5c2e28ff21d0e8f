"""Complaints (P12: 5/7 working days, within 6 months) and lost items (P11) on the postal side and at the desk."""

from __future__ import annotations

from uuid import uuid4

import pytest
from delivery_kit import ORIGINAL_DEED, Flow, Relay, at, officer, the_applicant, working_days

from contracts import postal as public
from contracts.enums import ComplaintScope, Liability, LossKind, PostalRouteClass
from contracts.envelope import PublicEvent
from delivery.clock import SettableClock
from delivery.errors import DeliveryRuleViolation
from delivery.outbound import outbound as delivery_outbound
from delivery.postal.outbound import outbound as postal_outbound
from delivery.postal.partner import PartnerContext, Pickup, PostalPartner
from delivery.result_delivery import DeliveryStatus
from delivery.service import CounterReturn, Delivery

WAYBILL = "EB204815367VN"


def staff() -> PartnerContext:
    return PartnerContext("VNPOST", "bt.sonha.05", uuid4())


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(at(2026, 3, 2, 8))


def picked_up(clock: SettableClock) -> tuple[Delivery, PostalPartner, Flow]:
    delivery = Delivery(clock=clock)
    partner = PostalPartner(calendar=working_days(), clock=clock)
    flow = Flow()
    facts: list[PublicEvent] = [
        flow.submitted(at(2026, 3, 2, 8), return_method="POSTAL"),
        flow.received(at(2026, 3, 2, 9), due_at=at(2026, 3, 16, 17)),
    ]
    for fact in facts:
        delivery.apply_public_event(fact)
        partner.apply_public_event(fact)
    delivery.apply_public_event(flow.result_issued(at(2026, 3, 12, 9)))
    for request in Relay(delivery, delivery_outbound).new_public_events():
        partner.apply_public_event(request)
    clock.set(at(2026, 3, 13, 9))
    partner.pick_up_result(
        flow.dossier_id,
        Pickup(WAYBILL, "PG-1", "cb.1", PostalRouteClass.INTRA_DISTRICT, [ORIGINAL_DEED]),
        staff(),
    )
    return delivery, partner, flow


def test_a_complaint_is_answered_within_5_or_7_working_days_and_only_once(clock: SettableClock) -> None:
    _, partner, _ = picked_up(clock)
    clock.set(at(2026, 3, 19, 10))  # Thursday
    partner.file_complaint(
        WAYBILL, staff(), complaint_id="KN-1", scope=ComplaintScope.INTRA_PROVINCE, content="Chậm"
    )
    partner.file_complaint(
        WAYBILL, staff(), complaint_id="KN-2", scope=ComplaintScope.INTER_PROVINCE, content="Rách"
    )
    with pytest.raises(DeliveryRuleViolation) as twice:
        partner.file_complaint(
            WAYBILL, staff(), complaint_id="KN-1", scope=ComplaintScope.INTRA_PROVINCE, content="x"
        )
    assert twice.value.rule == "COMPLAINT_TWICE"
    filed = [
        e for e in Relay(partner, postal_outbound).new_public_events() if isinstance(e, public.ComplaintFiled)
    ]
    # 5 wd after Thu 19 March: Fri 20, Mon 23 … Thu 26; 7 wd: Mon 30. Due at the end of that day.
    assert [e.resolution_due_at for e in filed] == [at(2026, 3, 27, 0), at(2026, 3, 31, 0)]
    partner.resolve_complaint(WAYBILL, staff(), complaint_id="KN-1", resolution="Xin lỗi", compensation_vnd=0)
    with pytest.raises(DeliveryRuleViolation) as again:
        partner.resolve_complaint(WAYBILL, staff(), complaint_id="KN-1", resolution="Xin lỗi")
    assert again.value.rule == "COMPLAINT_ALREADY_RESOLVED"


def test_a_complaint_more_than_six_months_late_is_refused(clock: SettableClock) -> None:
    _, partner, _ = picked_up(clock)
    clock.set(at(2026, 9, 18, 9))  # SLA ended on 17 March (J+1 = Mon 16); six months later is 17 September
    with pytest.raises(DeliveryRuleViolation) as late:
        partner.file_complaint(
            WAYBILL, staff(), complaint_id="KN-9", scope=ComplaintScope.INTRA_PROVINCE, content="x"
        )
    assert late.value.rule == "COMPLAINT_TOO_LATE"


def test_a_lost_result_waits_at_the_desk_again(clock: SettableClock) -> None:
    delivery, partner, flow = picked_up(clock)
    for event in Relay(partner, postal_outbound).new_public_events():
        delivery.apply_public_event(event)
    partner.report_loss(
        WAYBILL,
        staff(),
        kind=LossKind.LOST,
        description="Thất lạc trên tuyến",
        liability=Liability.POSTAL_OPERATOR,
    )
    with pytest.raises(DeliveryRuleViolation) as after_loss:
        partner.out_for_delivery(WAYBILL, staff(), courier_id="bt.1")
    assert after_loss.value.rule == "ILLEGAL_SHIPMENT_TRANSITION"
    for event in Relay(partner, postal_outbound).new_public_events():
        delivery.apply_public_event(event)
    assert delivery.get(flow.dossier_id).status is DeliveryStatus.RESULT_READY
    delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())


def test_the_courier_keeps_the_shipment_s_order_and_collects_exactly_the_fees(clock: SettableClock) -> None:
    _, partner, _ = picked_up(clock)
    with pytest.raises(DeliveryRuleViolation) as early:
        partner.deliver(WAYBILL, staff(), recipient=the_applicant(), signature_ref="ky://1")
    assert early.value.rule == "ILLEGAL_SHIPMENT_TRANSITION"  # P9 needs P7 first
    partner.out_for_delivery(WAYBILL, staff(), courier_id="bt.1")
    with pytest.raises(DeliveryRuleViolation) as cod:
        partner.deliver(
            WAYBILL, staff(), recipient=the_applicant(), signature_ref="ky://1", fees_collected_vnd=20_000
        )
    assert cod.value.rule == "COD_MISMATCH" and cod.value.status == 422
