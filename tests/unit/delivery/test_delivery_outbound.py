"""The delivery mapper: every public type, deterministic ids, gap-free seq, through the Kafka codec."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from delivery_kit import ORIGINAL_DEED, Flow, applicant_context, at, officer, the_applicant

from contracts import codec
from contracts import delivery as public
from contracts.enums import Producer, RatingChannel, SatisfactionLevel
from contracts.envelope import PublicEvent
from delivery.clock import SettableClock
from delivery.dispatch import NotificationDispatcher
from delivery.notifications import InMemorySender
from delivery.outbound import outbound
from delivery.result_delivery import ResultDelivery
from delivery.service import CounterReturn, Delivery, Rating


def everything(delivery: Delivery) -> list[tuple[object, list[PublicEvent]]]:
    stored: list[tuple[object, list[PublicEvent]]] = []
    for notification in delivery.recorder.select_notifications(None, 10_000):
        event = delivery.mapper.to_domain_event(notification)
        stored.append((event, list(outbound(event))))
    return stored


def scenario() -> Delivery:
    clock = SettableClock(at(2026, 3, 2, 8))
    delivery = Delivery(clock=clock)
    by_post, at_desk = Flow(), Flow()
    delivery.apply_intake_event(by_post.submitted(at(2026, 3, 2, 8), return_method="POSTAL"))
    delivery.apply_intake_event(by_post.received(at(2026, 3, 2, 9), due_at=at(2026, 3, 16, 17)))
    delivery.apply_processing_event(by_post.result_issued(at(2026, 3, 12, 9)))  # → pick-up request
    delivery.apply_intake_event(at_desk.submitted(at(2026, 3, 2, 8)))
    delivery.apply_processing_event(at_desk.result_issued(at(2026, 3, 12, 9)))
    clock.set(at(2026, 3, 12, 9, 5))
    NotificationDispatcher(delivery, InMemorySender()).dispatch_pending()
    clock.set(at(2026, 3, 13, 10))
    delivery.return_at_counter(at_desk.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())
    delivery.rate(
        at_desk.dossier_id,
        Rating(SatisfactionLevel.VERY_SATISFIED, RatingChannel.COUNTER_DEVICE),
        applicant_context(),
    )
    return delivery


def test_every_delivery_type_is_mapped_and_survives_the_wire() -> None:
    delivery = scenario()
    published = [p for _, mapped in everything(delivery) for p in mapped]
    assert {type(p) for p in published} == set(public.EVENTS)
    for event in published:
        record = codec.encode(event)
        assert record.topic == "delivery.dossiers.v1" and record.key == str(event.dossier_id).encode()  # type: ignore[attr-defined]
        assert codec.decode(record.headers, record.value) == event
        assert event.producer is Producer.DELIVERY and event.event_id.version == 7


def test_mapping_is_a_pure_function_of_the_stored_event() -> None:
    delivery = scenario()
    first = everything(delivery)
    again = everything(delivery)
    assert [m for _, m in first] == [m for _, m in again]
    ids = [p.event_id for _, mapped in first for p in mapped]
    assert len(ids) == len(set(ids))


def test_seq_is_gap_free_per_dossier_and_internal_events_map_to_nothing() -> None:
    delivery = scenario()
    seqs: dict[UUID, list[int]] = defaultdict(list)
    for stored, mapped in everything(delivery):
        if isinstance(
            stored,
            (ResultDelivery.Opened, ResultDelivery.NotificationRequested, ResultDelivery.ApplicantNoted),
        ):
            assert mapped == []
        for event in mapped:
            seqs[event.dossier_id].append(event.seq)  # type: ignore[attr-defined]
    assert len(seqs) == 2
    for numbers in seqs.values():
        assert numbers == list(range(1, len(numbers) + 1))
