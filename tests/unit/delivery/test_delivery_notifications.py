"""The notification outbox: requested with the fact, sent by the dispatcher, never lost, never doubled."""

from __future__ import annotations

import pytest
from delivery_kit import APPLICANT_EMAIL, APPLICANT_PHONE, DOSSIER_CODE, Flow, Relay, at

from contracts.delivery import ApplicantNotified
from contracts.enums import NotificationChannel, NotificationKind
from delivery.clock import SettableClock
from delivery.dispatch import NotificationDispatcher
from delivery.notifications import (
    ChannelRouter,
    InMemorySender,
    MessageKind,
    OutgoingMessage,
    SendReceipt,
    email_message_id,
)
from delivery.outbound import outbound
from delivery.policy import DeliveryPolicy
from delivery.result_delivery import MessageStatus
from delivery.service import Delivery


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(at(2026, 3, 2, 8))


@pytest.fixture
def delivery(clock: SettableClock) -> Delivery:
    return Delivery(clock=clock)


def received(delivery: Delivery, flow: Flow, **submitted: object) -> None:
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8), **submitted))  # type: ignore[arg-type]
    delivery.apply_intake_event(flow.received(at(2026, 3, 2, 8, 30), due_at=at(2026, 3, 16, 17)))


def test_a_receipt_is_announced_on_every_reachable_channel_in_vietnamese(delivery: Delivery) -> None:
    flow = Flow()
    received(delivery, flow)
    messages = delivery.pending_messages()
    assert {(m.kind, m.channel, m.to) for m in messages} == {
        (MessageKind.RECEIPT, NotificationChannel.SMS, APPLICANT_PHONE),
        (MessageKind.RECEIPT, NotificationChannel.EMAIL, APPLICANT_EMAIL),
    }
    body = messages[0].body
    assert DOSSIER_CODE in body and "đã được tiếp nhận" in body and "17:00 ngày 16/03/2026" in body


def test_online_dossiers_also_get_a_portal_message_and_silent_ones_get_none(delivery: Delivery) -> None:
    online = Flow()
    received(delivery, online, channel="ONLINE", email=None)
    assert {m.channel for m in delivery.pending_messages()} == {
        NotificationChannel.SMS,
        NotificationChannel.PORTAL,
    }
    silent = Flow()
    received(delivery, silent, phone=None, email=None)
    assert [m for m in delivery.pending_messages() if m.dossier_id == silent.dossier_id] == []


def test_each_kind_of_notice_has_its_own_text(delivery: Delivery) -> None:
    flow = Flow()
    received(delivery, flow)
    delivery.apply_processing_event(flow.supplement_requested(at(2026, 3, 3, 9)))
    delivery.apply_processing_event(
        flow.apology(at(2026, 3, 13, 9), at(2026, 3, 16, 17), at(2026, 3, 23, 17))
    )
    delivery.apply_processing_event(flow.obligation(at(2026, 3, 18, 9), 1_250_000))
    sms = {m.kind: m.body for m in delivery.pending_messages() if m.channel is NotificationChannel.SMS}
    assert "Thiếu bản vẽ sơ đồ thửa đất" in sms[MessageKind.SUPPLEMENT]
    assert (
        "17:00 ngày 23/03/2026" in sms[MessageKind.RESCHEDULED] and "xin lỗi" in sms[MessageKind.RESCHEDULED]
    )
    assert "1.250.000 đồng" in sms[MessageKind.PAYMENT_REQUESTED]
    assert delivery.get(flow.dossier_id).due_at == at(2026, 3, 23, 17)


def test_a_result_before_the_promised_time_is_announced_as_an_early_return(delivery: Delivery) -> None:
    early, late = Flow(), Flow()
    received(delivery, early)
    received(delivery, late)
    delivery.apply_processing_event(early.result_issued(at(2026, 3, 10, 9)))
    delivery.apply_processing_event(late.result_issued(at(2026, 3, 17, 9)))
    kinds = {(m.dossier_id, m.kind) for m in delivery.pending_messages() if m.kind is not MessageKind.RECEIPT}
    assert kinds == {
        (early.dossier_id, MessageKind.EARLY_RETURN),
        (late.dossier_id, MessageKind.RESULT_READY),
    }


def test_dispatch_sends_each_message_once_and_publishes_only_v1_kinds(
    delivery: Delivery, clock: SettableClock
) -> None:
    flow = Flow()
    received(delivery, flow)
    result = flow.result_issued(at(2026, 3, 17, 9))
    delivery.apply_processing_event(result)
    sender = InMemorySender()
    clock.set(at(2026, 3, 17, 9, 1))
    report = NotificationDispatcher(delivery, sender).dispatch_pending()
    assert (report.sent, report.failed) == (4, 0)
    assert NotificationDispatcher(delivery, sender).dispatch_pending().sent == 0
    assert all(count == 1 for count in sender.attempts.values())
    published = [e for e in Relay(delivery, outbound).new_public_events() if isinstance(e, ApplicantNotified)]
    # RECEIPT has no v1 E24 kind: its messages are sent and recorded, but only RESULT_READY is published.
    assert [(e.kind, e.channel) for e in published] == [
        (NotificationKind.RESULT_READY, NotificationChannel.SMS),
        (NotificationKind.RESULT_READY, NotificationChannel.EMAIL),
    ]
    assert [e.seq for e in published] == [1, 2]
    assert all(e.occurred_at == at(2026, 3, 17, 9, 1) and e.message_ref for e in published)
    assert {(e.correlation_id, e.causation_id) for e in published} == {(flow.correlation_id, result.event_id)}


class _CrashAfterAccepting:
    """A gateway that takes the message and then the process dies before recording it."""

    def __init__(self, gateway: InMemorySender) -> None:
        self.gateway = gateway

    def send(self, message: OutgoingMessage) -> SendReceipt:
        self.gateway.send(message)
        raise KeyboardInterrupt("kill -9")


def test_a_crash_between_send_and_record_resends_with_the_same_id(clock: SettableClock) -> None:
    delivery = Delivery(clock=clock)
    flow = Flow()
    received(delivery, flow, email=None)
    gateway = InMemorySender()
    with pytest.raises(KeyboardInterrupt):
        NotificationDispatcher(delivery, _CrashAfterAccepting(gateway)).dispatch_pending()
    [pending] = delivery.pending_messages()  # not recorded as sent: still pending after the "restart"
    assert NotificationDispatcher(delivery, gateway).dispatch_pending().sent == 1
    assert gateway.attempts[pending.message_id] == 2  # resent …
    assert list(gateway.accepted) == [pending.message_id]  # … under the same id, so the gateway kept one
    assert delivery.pending_messages() == []
    assert email_message_id(pending.message_id, "motcua.gov.vn") == f"<{pending.message_id}@motcua.gov.vn>"


def test_failures_are_retried_then_abandoned(clock: SettableClock) -> None:
    delivery = Delivery(clock=clock, policy=DeliveryPolicy(max_send_attempts=3))
    flow = Flow()
    received(delivery, flow, email=None)
    flaky = InMemorySender(fail_next=2)
    assert NotificationDispatcher(delivery, flaky).dispatch_pending().failed == 1
    assert NotificationDispatcher(delivery, flaky).dispatch_pending().failed == 1
    assert NotificationDispatcher(delivery, flaky).dispatch_pending().sent == 1
    [state] = delivery.get(flow.dossier_id).messages.values()
    assert (state.status, state.attempts) == (MessageStatus.SENT, 3)

    dead = Flow()
    received(delivery, dead, email=None)
    broken = InMemorySender(fail_next=10)
    for _ in range(5):
        NotificationDispatcher(delivery, broken).dispatch_pending()
    [lost] = delivery.get(dead.dossier_id).messages.values()
    assert (lost.status, lost.attempts) == (MessageStatus.ABANDONED, 3)
    assert delivery.pending_messages() == []


def test_a_permanent_failure_is_not_retried(delivery: Delivery) -> None:
    flow = Flow()
    received(delivery, flow, email=None, phone=None, channel="ONLINE")
    router = ChannelRouter(senders={NotificationChannel.SMS: InMemorySender()})  # no portal sender wired
    assert NotificationDispatcher(delivery, router).dispatch_pending().failed == 1
    [state] = delivery.get(flow.dossier_id).messages.values()
    assert state.status is MessageStatus.ABANDONED and state.attempts == 1


def test_reprocessing_the_cause_requests_no_second_message(delivery: Delivery) -> None:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8)))
    receipt = flow.received(at(2026, 3, 2, 8, 30), due_at=at(2026, 3, 16, 17))
    delivery.apply_intake_event(receipt)
    before = sorted(m.message_id for m in delivery.pending_messages())
    assert len(before) == 2
    assert delivery.apply_intake_event(receipt) is False  # the worker saw the same Kafka record again
    assert sorted(m.message_id for m in delivery.pending_messages()) == before
