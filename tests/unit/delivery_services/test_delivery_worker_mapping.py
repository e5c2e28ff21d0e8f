"""delivery-worker: which consumed public events become which delivery facts, what it dead-letters (with
the rule), and the dispatcher step that sends the outbox."""

from __future__ import annotations

from typing import Any, cast

import psycopg
import pytest
from delivery_services_kit import IN_MEMORY, Story, at

from contracts.envelope import PublicEvent
from contracts.topic_names import (
    DELIVERY_DOSSIERS,
    INTAKE_DOSSIERS,
    PAYMENT_PAYMENTS,
    POSTAL_SHIPMENTS,
    PROCESSING_DOSSIERS,
)
from delivery.clock import SettableClock
from delivery.dispatch import NotificationDispatcher
from delivery.errors import NotFound
from delivery.notifications import InMemorySender
from delivery.result_delivery import DeliveryStatus
from delivery.service import Delivery
from services.delivery import worker
from services.runtime.consumer import Delivered, HandlerRejected

NO_CONNECTION = cast(psycopg.Connection, None)  # the handler works on the event store, not on the inbox's
TOPIC_OF = {"intake": INTAKE_DOSSIERS, "processing": PROCESSING_DOSSIERS, "payment": PAYMENT_PAYMENTS}


@pytest.fixture
def delivery() -> Delivery:
    return Delivery(clock=SettableClock(at(2026, 3, 25, 14)), env=IN_MEMORY)


def consumed(*events: PublicEvent) -> list[Delivered]:
    return [
        Delivered(e, TOPIC_OF.get(e.producer.value, POSTAL_SHIPMENTS), 0, offset)  # type: ignore[attr-defined]
        for offset, e in enumerate(events)
    ]


def handle(delivery: Delivery, *events: PublicEvent) -> None:
    worker.handler(delivery)(NO_CONNECTION, consumed(*events))


def test_the_worker_reads_every_topic_delivery_learns_from_and_not_its_own() -> None:
    assert set(worker.TOPICS) == {INTAKE_DOSSIERS, PROCESSING_DOSSIERS, PAYMENT_PAYMENTS, POSTAL_SHIPMENTS}
    assert DELIVERY_DOSSIERS not in worker.TOPICS


def test_intake_and_processing_facts_make_a_ready_result_in_any_order(delivery: Delivery) -> None:
    story = Story(return_method="COUNTER")
    submitted, received, result = story.submitted(), story.received(), story.result_issued()
    handle(delivery, result)  # processing's topic ran ahead of intake's
    early = delivery.get(story.dossier_id)
    assert early.status is DeliveryStatus.RESULT_READY and early.applicant is None
    assert delivery.pending_messages() == []  # nobody to write to yet
    handle(delivery, submitted, received)
    ready = delivery.get(story.dossier_id)
    assert ready.applicant is not None and ready.applicant.id_number == submitted.applicant.id_number  # type: ignore[attr-defined]
    assert ready.dossier_code == received.dossier_code and ready.due_at == received.due_at  # type: ignore[attr-defined]
    assert ready.pickup_place == "H44.100"
    # The result is announced as soon as E1 makes the applicant reachable; the promised time (E5) was not
    # known yet, so the notice is the plain one, not the early-return one.
    assert {m.kind.value for m in delivery.pending_messages()} == {"RECEIPT", "RESULT_READY"}


def test_a_redelivered_batch_records_nothing(delivery: Delivery) -> None:
    story = Story()
    batch = (story.submitted(), story.received(), story.result_issued())
    handle(delivery, *batch)
    version = delivery.get(story.dossier_id).version
    handle(delivery, *batch)
    assert delivery.get(story.dossier_id).version == version


def test_obligations_and_payments_decide_what_is_collected_on_return(delivery: Delivery) -> None:
    story = Story(return_method="COUNTER")
    handle(delivery, story.submitted(), story.received(), story.obligation())
    assert delivery.get(story.dossier_id).fees_due_vnd == 30_100_000
    handle(delivery, story.paid())
    assert delivery.get(story.dossier_id).fees_due_vnd == 0


def test_events_delivery_does_not_need_open_nothing(delivery: Delivery) -> None:
    story = Story()
    handle(delivery, story.transferred())
    with pytest.raises(NotFound):
        delivery.get(story.dossier_id)


def test_a_postal_fact_about_an_unknown_dossier_is_dead_lettered_with_the_reason(delivery: Delivery) -> None:
    story = Story()
    (picked_up,) = batch = consumed(story.picked_up())
    with pytest.raises(HandlerRejected) as rejected:
        worker.handler(delivery)(NO_CONNECTION, batch)
    assert rejected.value.delivered is picked_up and rejected.value.reason.startswith("NotFound:")


def test_an_event_breaking_a_delivery_rule_is_dead_lettered_naming_the_rule(delivery: Delivery) -> None:
    story = Story()
    handle(delivery, story.submitted(), story.received(), story.result_issued())
    version = delivery.get(story.dossier_id).version
    with pytest.raises(HandlerRejected) as rejected:
        handle(delivery, story.rejected())  # a second outcome for the same dossier
    assert "RESULT_TWICE" in rejected.value.reason
    assert rejected.value.delivered.event.event_type.endswith("dossier-rejected.v1")
    assert delivery.get(story.dossier_id).version == version


def test_a_pickup_report_before_the_request_is_refused_by_rule(delivery: Delivery) -> None:
    story = Story()
    handle(delivery, story.submitted(), story.received(), story.result_issued())
    with pytest.raises(HandlerRejected) as rejected:
        handle(delivery, story.picked_up())
    assert "PICKUP_NOT_REQUESTED" in rejected.value.reason


def test_the_dispatch_step_sends_the_outbox_and_records_it(
    delivery: Delivery, caplog: pytest.LogCaptureFixture
) -> None:
    story = Story()
    handle(delivery, story.submitted(), story.received(), story.result_issued())
    pending = {m.message_id for m in delivery.pending_messages()}
    assert pending
    gateway = InMemorySender()
    dispatcher = NotificationDispatcher(delivery, gateway)
    worker.dispatch_step(dispatcher, limit=1)
    assert len(gateway.accepted) == 1 and len(delivery.pending_messages()) == len(pending) - 1
    worker.dispatch_step(dispatcher, limit=None)
    assert set(gateway.accepted) == pending and delivery.pending_messages() == []
    sent: Any = delivery.get(story.dossier_id).messages
    assert {m.status.value for m in sent.values()} == {"SENT"}
