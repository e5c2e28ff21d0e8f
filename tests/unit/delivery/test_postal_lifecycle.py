"""The postal partner sending a dossier to the agency: P1–P5, hand-over batches, waybills, ownership."""

from __future__ import annotations

from uuid import UUID

import pytest
from delivery_kit import DESK_UNIT, Flow, Relay, at
from postal_kit import acceptance, partner_app, register_send, staff

from contracts import postal as public
from contracts.enums import NotificationChannel, PostalMovement, PostalRouteClass
from delivery.clock import SettableClock
from delivery.errors import DeliveryRuleViolation, NotFound
from delivery.postal.outbound import outbound
from delivery.postal.partner import HandoverLine, HandoverRecord, PostalPartner
from delivery.postal.shipment import ShipmentStatus


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(at(2026, 3, 13, 10))  # a Friday


@pytest.fixture
def partner(clock: SettableClock) -> PostalPartner:
    return partner_app(clock)


def record(*lines: HandoverLine, record_no: str = "BBGN-0042") -> HandoverRecord:
    return HandoverRecord(
        record_no=record_no, agency_unit_code=DESK_UNIT, agency_officer_id="cb.h4418.motcua02", lines=lines
    )


def sent_dossier(partner: PostalPartner, waybill: str, **kwargs: object) -> UUID:
    dossier_id = register_send(partner)
    partner.accept_item(dossier_id, acceptance(waybill, **kwargs), staff())  # type: ignore[arg-type]
    return dossier_id


def rule_of(action: object) -> DeliveryRuleViolation:
    assert callable(action)
    with pytest.raises(DeliveryRuleViolation) as caught:
        action()
    return caught.value


def test_a_dossier_travels_from_the_applicant_to_the_desk(
    partner: PostalPartner, clock: SettableClock
) -> None:
    dossier_id = sent_dossier(partner, "EA123456785VN", slip=True, fee=50_000)
    clock.set(at(2026, 3, 13, 15))
    partner.report_transit(
        "ea 123456785 vn", staff(), movement=PostalMovement.DEPARTED, office_code="BC-SH-01"
    )
    clock.set(at(2026, 3, 16, 9))
    [handed] = partner.hand_over(record(HandoverLine("EA123456785VN")), staff())
    assert handed == dossier_id
    shipment = next(iter(partner.get(dossier_id).shipments.values()))
    assert (
        shipment.status is ShipmentStatus.HANDED_OVER and shipment.sla_stopped_at is None
    )  # slip still owed
    events = Relay(partner, outbound).new_public_events()
    assert [type(e) for e in events] == [
        public.PostalServiceRequested,
        public.PostalItemAccepted,
        public.PostalItemInTransit,
        public.DossierHandedOverToAgency,
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4] and {e.key() for e in events} == {str(dossier_id)}
    accepted, handover = events[1], events[3]
    assert isinstance(accepted, public.PostalItemAccepted) and isinstance(
        handover, public.DossierHandedOverToAgency
    )
    assert accepted.sla_due_at == at(2026, 3, 18, 0)  # J = Fri 13, J+2 with the slip = end of Tue 17
    assert handover.occurred_at == at(2026, 3, 16, 9) and handover.fees_remitted_vnd == 50_000
    assert handover.handover_record_no == "BBGN-0042" and handover.batch_size == 1 and handover.complete


def test_the_appointment_reaches_the_applicant_once_the_desk_numbered_the_dossier(
    partner: PostalPartner, clock: SettableClock
) -> None:
    dossier_id = sent_dossier(partner, "EA123456785VN", slip=True)
    partner.hand_over(record(HandoverLine("EA123456785VN")), staff())
    violation = rule_of(
        lambda: partner.deliver_appointment_info("EA123456785VN", staff(), channel=NotificationChannel.SMS)
    )
    assert violation.rule == "RECEIPT_UNKNOWN"
    flow = Flow(dossier_id)
    partner.apply_intake_event(flow.submitted(at(2026, 3, 13, 10), return_method="POSTAL", channel="POSTAL"))
    partner.apply_intake_event(flow.received(at(2026, 3, 16, 9), due_at=at(2026, 3, 30, 17)))
    clock.set(at(2026, 3, 17, 10))
    partner.deliver_appointment_info("EA123456785VN", staff(), channel=NotificationChannel.SMS)
    info = [
        e
        for e in Relay(partner, outbound).new_public_events()
        if isinstance(e, public.AppointmentInfoDelivered)
    ]
    assert [(e.dossier_code, e.due_at) for e in info] == [("000.00.18.H44-260302-0123", at(2026, 3, 30, 17))]
    shipment = next(iter(partner.get(dossier_id).shipments.values()))
    assert shipment.sla_stopped_at == at(2026, 3, 17, 10)


def test_one_record_hands_over_many_dossiers_and_a_bad_line_refuses_it_all(partner: PostalPartner) -> None:
    first = sent_dossier(partner, "EA000000011VN")
    second = sent_dossier(partner, "EA000000022VN")
    third = sent_dossier(partner, "EA000000033VN", fee=20_000)
    versions = {d: partner.get(d).version for d in (first, second, third)}
    bad = record(
        HandoverLine("EA000000011VN"),
        HandoverLine("EA000000022VN", complete=False, missing_items=["Sơ đồ thửa đất"]),
        HandoverLine("EA000000033VN", fees_remitted_vnd=10_000),
    )
    violation = rule_of(lambda: partner.hand_over(bad, staff()))
    assert violation.rule == "FEES_NOT_REMITTED_IN_FULL" and violation.field == "lines[2].fees_remitted_vnd"
    assert "Dòng 3" in violation.message_vi
    assert {d: partner.get(d).version for d in versions} == versions  # nothing of the record was kept
    twice = record(HandoverLine("EA000000011VN"), HandoverLine("ea000000011vn"))
    assert rule_of(lambda: partner.hand_over(twice, staff())).rule == "WAYBILL_TWICE_ON_RECORD"
    good = record(
        HandoverLine("EA000000011VN"),
        HandoverLine("EA000000022VN", complete=False, missing_items=["Sơ đồ thửa đất"]),
        HandoverLine("EA000000033VN"),
    )
    assert partner.hand_over(good, staff()) == [first, second, third]
    handovers = [
        e
        for e in Relay(partner, outbound).new_public_events()
        if isinstance(e, public.DossierHandedOverToAgency)
    ]
    assert [(e.batch_size, e.complete, e.missing_items) for e in handovers] == [
        (3, True, []),
        (3, False, ["Sơ đồ thửa đất"]),
        (3, True, []),
    ]
    assert rule_of(lambda: partner.hand_over(record(HandoverLine("EA000000011VN")), staff())).rule == (
        "ILLEGAL_SHIPMENT_TRANSITION"
    )


def test_an_event_for_an_unknown_waybill_is_refused(partner: PostalPartner) -> None:
    sent_dossier(partner, "EA123456785VN")
    with pytest.raises(NotFound) as missing:
        partner.report_transit(
            "EA999999999VN", staff(), movement=PostalMovement.ARRIVED, office_code="BC-SH-02"
        )
    assert missing.value.not_found and missing.value.identifier == "EA999999999VN"
    with pytest.raises(NotFound):
        partner.hand_over(record(HandoverLine("EA999999999VN")), staff())
    assert len(Relay(partner, outbound).new_public_events()) == 2  # P1, P2 only


def test_a_partner_touches_only_its_own_shipments(partner: PostalPartner) -> None:
    dossier_id = sent_dossier(partner, "EA123456785VN")
    version = partner.get(dossier_id).version
    other = staff(partner_id="VIETTELPOST", staff_id="vtp.017")
    violation = rule_of(
        lambda: partner.report_transit(
            "EA123456785VN", other, movement=PostalMovement.ARRIVED, office_code="X1"
        )
    )
    assert (violation.rule, violation.status) == ("NOT_YOUR_SHIPMENT", 403)
    assert (
        rule_of(lambda: partner.hand_over(record(HandoverLine("EA123456785VN")), other)).rule
        == "NOT_YOUR_SHIPMENT"
    )
    assert partner.get(dossier_id).version == version


def test_acceptance_guards(partner: PostalPartner) -> None:
    dossier_id = sent_dossier(partner, "EA123456785VN")
    again = lambda: partner.accept_item(dossier_id, acceptance("EA000000044VN"), staff())  # noqa: E731
    assert rule_of(again).rule == "DOSSIER_ALREADY_ACCEPTED"
    other_dossier = register_send(partner)
    reused = lambda: partner.accept_item(other_dossier, acceptance("EA123456785VN"), staff())  # noqa: E731
    assert rule_of(reused).rule == "WAYBILL_IN_USE"
    not_theirs = lambda: partner.accept_item(other_dossier, acceptance("EA000000055VN"), staff("VIETTELPOST"))  # noqa: E731
    assert rule_of(not_theirs).rule == "NOT_YOUR_SHIPMENT"
    wrong_desk = HandoverRecord("BB-1", "H44.100", "cb.x", (HandoverLine("EA123456785VN"),))
    assert rule_of(lambda: partner.hand_over(wrong_desk, staff())).rule == "WRONG_AGENCY"
    with pytest.raises(NotFound):
        partner.accept_item(
            UUID(int=7), acceptance("EA000000066VN", route=PostalRouteClass.INTER_DISTRICT), staff()
        )
