"""Result return at the counter, online and at a kiosk: guards and the E25 each path records."""

from __future__ import annotations

from uuid import uuid4

import pytest
from delivery_kit import (
    APPLICANT_ID,
    ORIGINAL_DEED,
    Flow,
    Relay,
    at,
    officer,
    the_applicant,
)

from contracts.delivery import ResultReturned
from contracts.enums import ApplicantKind, IdDocumentType, ReturnMethod
from delivery.clock import SettableClock
from delivery.errors import DeliveryRuleViolation, NotFound
from delivery.outbound import outbound
from delivery.policy import DeliveryPolicy
from delivery.result_delivery import DeliveryStatus
from delivery.service import CounterReturn, Delivery


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(at(2026, 3, 2, 8))


@pytest.fixture
def delivery(clock: SettableClock) -> Delivery:
    return Delivery(clock=clock)


def ready(delivery: Delivery, clock: SettableClock, flow: Flow, **submitted: object) -> None:
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8), **submitted))  # type: ignore[arg-type]
    delivery.apply_intake_event(flow.received(at(2026, 3, 2, 8, 30), due_at=at(2026, 3, 16, 17)))
    clock.set(at(2026, 3, 20, 10))
    delivery.apply_processing_event(flow.result_issued(at(2026, 3, 20, 10)))


def returned_events(delivery: Delivery) -> list[ResultReturned]:
    return [e for e in Relay(delivery, outbound).new_public_events() if isinstance(e, ResultReturned)]


def refused(action: object, rule: str) -> DeliveryRuleViolation:
    assert callable(action)
    with pytest.raises(DeliveryRuleViolation) as caught:
        action()
    assert caught.value.rule == rule, caught.value
    return caught.value


def test_the_applicant_takes_the_result_at_the_counter(delivery: Delivery, clock: SettableClock) -> None:
    flow = Flow()
    ready(delivery, clock, flow)
    clock.set(at(2026, 3, 21, 9))
    delivery.return_at_counter(
        flow.dossier_id, CounterReturn(the_applicant(), originals_returned=[ORIGINAL_DEED]), officer()
    )
    assert delivery.get(flow.dossier_id).status is DeliveryStatus.RETURNED
    [event] = returned_events(delivery)
    assert event.method is ReturnMethod.COUNTER
    assert event.recipient is not None and event.recipient.id_number == APPLICANT_ID
    assert event.originals_returned == [ORIGINAL_DEED]
    assert event.occurred_at == at(2026, 3, 21, 9)
    assert event.seq == 1  # no message was sent yet, so the return is delivery's first public event


def test_an_unauthorised_person_gets_nothing_and_nothing_is_recorded(
    delivery: Delivery, clock: SettableClock
) -> None:
    flow = Flow()
    ready(delivery, clock, flow)
    version = delivery.get(flow.dossier_id).version
    stranger = the_applicant(name="Trần Văn Lạ", id_number="001099012345")
    violation = refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(stranger, [ORIGINAL_DEED]), officer()
        ),
        "RECIPIENT_NOT_AUTHORISED",
    )
    assert violation.status == 409 and violation.message_vi and violation.message_en
    assert delivery.get(flow.dossier_id).version == version
    assert delivery.get(flow.dossier_id).status is DeliveryStatus.RESULT_READY


def test_an_authorised_person_takes_it_with_the_authorisation(
    delivery: Delivery, clock: SettableClock
) -> None:
    flow = Flow()
    ready(delivery, clock, flow)
    proxy = the_applicant(name="Lê Thị Hoa", id_number="025180004321", authorised=True)
    violation = refused(
        lambda: delivery.return_at_counter(flow.dossier_id, CounterReturn(proxy, [ORIGINAL_DEED]), officer()),
        "AUTHORISATION_REF_REQUIRED",
    )
    assert violation.status == 422 and violation.field == "recipient.authorisation_ref"
    proxy = the_applicant(
        name="Lê Thị Hoa", id_number="025180004321", authorised=True, authorisation_ref="12/UQ"
    )
    delivery.return_at_counter(flow.dossier_id, CounterReturn(proxy, [ORIGINAL_DEED]), officer())
    [event] = returned_events(delivery)
    assert (
        event.recipient is not None
        and event.recipient.authorised
        and event.recipient.authorisation_ref == "12/UQ"
    )


def test_an_organisation_s_result_needs_an_authorised_person(
    delivery: Delivery, clock: SettableClock
) -> None:
    flow = Flow()
    ready(delivery, clock, flow, applicant_kind=ApplicantKind.ORGANISATION.value)
    director = the_applicant(id_number="0101234567", id_type=IdDocumentType.CCCD)
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(director, [ORIGINAL_DEED]), officer()
        ),
        "RECIPIENT_NOT_AUTHORISED",
    )


def test_nothing_is_returned_before_the_result(delivery: Delivery) -> None:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8)))
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "RETURN_BEFORE_RESULT",
    )
    with pytest.raises(NotFound) as missing:
        delivery.return_at_counter(uuid4(), CounterReturn(the_applicant()), officer())
    assert missing.value.not_found


def test_originals_held_for_comparison_go_back(delivery: Delivery, clock: SettableClock) -> None:
    flow = Flow()
    ready(delivery, clock, flow)
    violation = refused(
        lambda: delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant()), officer()),
        "ORIGINALS_NOT_RETURNED",
    )
    assert ORIGINAL_DEED in violation.message_vi
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED, "Sổ hộ khẩu"]), officer()
        ),
        "ORIGINAL_NOT_HELD",
    )


def test_fees_due_on_return_are_collected_exactly(delivery: Delivery, clock: SettableClock) -> None:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8)))
    delivery.apply_processing_event(flow.obligation(at(2026, 3, 10, 9), 150_000))
    delivery.apply_processing_event(flow.result_issued(at(2026, 3, 12, 9)))
    assert delivery.get(flow.dossier_id).fees_due_vnd == 150_000
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "FEES_DUE_ON_RETURN",
    )
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED], 200_000), officer()
        ),
        "FEES_OVERCHARGED",
    )
    delivery.return_at_counter(
        flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED], 150_000), officer()
    )
    [event] = returned_events(delivery)
    assert event.fees_collected_vnd == 150_000


def test_an_obligation_paid_online_is_not_collected_again(delivery: Delivery) -> None:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8)))
    delivery.apply_processing_event(flow.obligation(at(2026, 3, 10, 9), 150_000))
    delivery.apply_payment_event(flow.paid(at(2026, 3, 10, 15), 150_000))
    delivery.apply_processing_event(flow.result_issued(at(2026, 3, 12, 9)))
    assert delivery.get(flow.dossier_id).fees_due_vnd == 0


def test_a_result_is_returned_once(delivery: Delivery, clock: SettableClock) -> None:
    flow = Flow()
    ready(delivery, clock, flow)
    delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "RESULT_ALREADY_RETURNED",
    )
    assert len(returned_events(delivery)) == 1


def test_a_rejection_notice_is_returned_like_a_result(delivery: Delivery) -> None:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8), original_to_show=False))
    delivery.apply_processing_event(flow.rejected(at(2026, 3, 9, 10)))
    delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant()), officer())
    assert [e.method for e in returned_events(delivery)] == [ReturnMethod.COUNTER]


def test_a_stopped_dossier_has_nothing_to_return(delivery: Delivery) -> None:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8)))
    delivery.apply_processing_event(flow.stopped(at(2026, 3, 5, 9)))
    assert delivery.get(flow.dossier_id).status is DeliveryStatus.CLOSED
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "DOSSIER_CLOSED",
    )
    with pytest.raises(DeliveryRuleViolation) as second_outcome:
        delivery.apply_processing_event(flow.result_issued(at(2026, 3, 6, 9)))
    assert second_outcome.value.rule == "RESULT_AFTER_CLOSE"


def test_the_e_result_pushed_to_the_data_store_counts_as_returned_online(delivery: Delivery) -> None:
    flow = Flow()
    delivery.apply_intake_event(
        flow.submitted(at(2026, 3, 2, 8), return_method="ONLINE", channel="ONLINE", original_to_show=False)
    )
    delivery.apply_processing_event(flow.result_issued(at(2026, 3, 9, 10), e_result=True))
    assert delivery.get(flow.dossier_id).status is DeliveryStatus.RESULT_READY  # issued is not yet "has it"
    delivery.apply_processing_event(flow.stored_in_data_store(at(2026, 3, 9, 10, 5)))
    [event] = returned_events(delivery)
    assert event.method is ReturnMethod.ONLINE and event.recipient is None and event.shipment_id is None
    assert event.occurred_at == at(2026, 3, 9, 10, 5)


def test_online_return_needs_an_e_result_and_no_originals_pending(delivery: Delivery) -> None:
    paper = Flow()
    delivery.apply_intake_event(paper.submitted(at(2026, 3, 2, 8), return_method="ONLINE", channel="ONLINE"))
    delivery.apply_processing_event(paper.result_issued(at(2026, 3, 9, 10), e_result=False))
    refused(lambda: delivery.return_online(paper.dossier_id, officer()), "NO_E_RESULT")
    held = Flow()
    delivery.apply_intake_event(held.submitted(at(2026, 3, 2, 8), return_method="ONLINE", channel="ONLINE"))
    delivery.apply_processing_event(held.result_issued(at(2026, 3, 9, 10), e_result=True))
    refused(lambda: delivery.return_online(held.dossier_id, officer()), "ORIGINALS_PENDING")
    delivery.apply_processing_event(held.stored_in_data_store(at(2026, 3, 9, 11)))
    assert delivery.get(held.dossier_id).status is DeliveryStatus.RESULT_READY  # originals still held


def test_a_kiosk_opens_only_with_the_pickup_code(delivery: Delivery, clock: SettableClock) -> None:
    flow = Flow()
    ready(delivery, clock, flow)
    refused(
        lambda: delivery.deposit_in_kiosk(flow.dossier_id, officer(), locker_id="TU-01", pickup_code="12a"),
        "PICKUP_CODE_WEAK",
    )
    delivery.deposit_in_kiosk(flow.dossier_id, officer(), locker_id="TU-01", pickup_code="482913")
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "RESULT_IN_KIOSK",
    )
    refused(
        lambda: delivery.collect_from_kiosk(
            flow.dossier_id, officer(), pickup_code="000000", recipient=the_applicant()
        ),
        "PICKUP_CODE_MISMATCH",
    )
    assert all("482913" not in str(e.__dict__) for e in delivery.events.get(flow.dossier_id))  # only its hash
    delivery.collect_from_kiosk(flow.dossier_id, officer(), pickup_code="482913", recipient=the_applicant())
    [event] = returned_events(delivery)
    assert event.method is ReturnMethod.KIOSK and event.originals_returned == [ORIGINAL_DEED]


def test_early_return_needs_a_notice_when_the_policy_says_so(clock: SettableClock) -> None:
    strict = Delivery(clock=clock, policy=DeliveryPolicy(require_early_return_notice=True))
    silent = Flow()  # no phone, no e-mail, counter dossier: nobody could be told
    strict.apply_intake_event(silent.submitted(at(2026, 3, 2, 8), phone=None, email=None))
    strict.apply_intake_event(silent.received(at(2026, 3, 2, 8, 30), due_at=at(2026, 3, 16, 17)))
    clock.set(at(2026, 3, 10, 9))
    strict.apply_processing_event(silent.result_issued(at(2026, 3, 10, 9)))
    refused(
        lambda: strict.return_at_counter(
            silent.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "EARLY_RETURN_NOT_NOTIFIED",
    )
    told = Flow()
    strict.apply_intake_event(told.submitted(at(2026, 3, 2, 8)))
    strict.apply_intake_event(told.received(at(2026, 3, 2, 8, 30), due_at=at(2026, 3, 16, 17)))
    strict.apply_processing_event(told.result_issued(at(2026, 3, 10, 9)))
    strict.return_at_counter(told.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())
    assert strict.get(told.dossier_id).status is DeliveryStatus.RETURNED


def test_a_redelivered_inbound_event_records_nothing(delivery: Delivery) -> None:
    flow = Flow()
    submitted = flow.submitted(at(2026, 3, 2, 8))
    assert delivery.apply_intake_event(submitted) is True
    version = delivery.get(flow.dossier_id).version
    assert delivery.apply_intake_event(submitted) is False
    assert delivery.get(flow.dossier_id).version == version


def test_the_applicant_may_arrive_after_the_result(delivery: Delivery) -> None:
    flow = Flow()
    result = flow.result_issued(at(2026, 3, 9, 10))
    submitted = flow.submitted(at(2026, 3, 2, 8))
    delivery.apply_processing_event(result)  # processing's topic ran ahead of intake's
    assert delivery.pending_messages() == []
    refused(
        lambda: delivery.return_at_counter(
            flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer()
        ),
        "APPLICANT_UNKNOWN",
    )
    delivery.apply_intake_event(submitted)
    kinds = {m.kind.value for m in delivery.pending_messages()}
    assert kinds == {"RESULT_READY"}
    delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())
