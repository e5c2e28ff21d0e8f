"""delivery-relay: the delivery event store published through the context's one outbound mapper, keyed by
dossier, gap-free per dossier, and only what is public (internal facts and unsent messages stay inside).

The relay runs here with its real ``OutboxRelay`` over an in-memory store and a producer double that acks
every send, so nothing needs a broker."""

from __future__ import annotations

import asyncio
from typing import Any, cast
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from delivery_services_kit import IN_MEMORY, Story, at, me, runtime

from contracts.codec import decode
from contracts.delivery import ApplicantNotified, ResultReturned
from contracts.enums import ActorKind
from contracts.topic_names import DELIVERY_DOSSIERS
from delivery.clock import SettableClock
from delivery.dispatch import NotificationDispatcher
from delivery.notifications import InMemorySender
from delivery.outbound import outbound
from delivery.service import Delivery
from delivery.values import Actor, CommandContext, Recipient
from services.delivery import relay
from services.runtime.relay import OutboxRelay, tracking_recorder

NAMESPACE = "unit7."


class AckingProducer:
    """Keeps what it was asked to send and acks it at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = []

    async def send(self, topic: str, value: bytes, *, key: bytes, headers: list[tuple[str, bytes]]) -> Any:
        self.sent.append((topic, key, value, headers))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def test_the_relay_deployable_publishes_the_delivery_store_through_its_outbound_mapper() -> None:
    pipeline = relay.pipeline(runtime("delivery-relay", namespace=NAMESPACE))
    assert pipeline.name == "delivery-relay" and pipeline.outbound is outbound
    assert pipeline.namespace == NAMESPACE and pipeline.app is None  # nothing built before the loop starts
    assert pipeline.es_env["POSTGRES_SCHEMA"].endswith("delivery")


@pytest.fixture
def delivery() -> Delivery:
    return Delivery(clock=SettableClock(at(2026, 3, 25, 14)), env=IN_MEMORY)


async def test_a_kiosk_return_goes_out_as_e24_then_e25_keyed_by_dossier(delivery: Delivery) -> None:
    story = Story()
    story.ready(delivery.apply_public_event)
    desk = CommandContext(Actor(ActorKind.OFFICER, "cb.h44100.tiepnhan01", "H44.100"), uuid4())
    delivery.deposit_in_kiosk(story.dossier_id, desk, locker_id="TU-A07", pickup_code="482913")
    NotificationDispatcher(delivery, InMemorySender()).dispatch_pending()
    recipient = Recipient(**me())
    delivery.collect_from_kiosk(story.dossier_id, desk, pickup_code="482913", recipient=recipient)

    producer = AckingProducer()
    tracking = tracking_recorder("delivery_relay", IN_MEMORY)
    outbox = OutboxRelay(
        "delivery-relay",
        delivery,
        outbound,
        cast(AIOKafkaProducer, producer),
        tracking,
        page_size=3,  # several pages: the position moves page by page
        namespace=NAMESPACE,
    )
    covered = await outbox.drain()
    assert covered == len(list(delivery.events.get(story.dossier_id)))
    assert {topic for topic, *_ in producer.sent} == {NAMESPACE + DELIVERY_DOSSIERS}
    assert {key for _, key, *_ in producer.sent} == {str(story.dossier_id).encode()}
    events = [decode(headers, value) for _, _, value, headers in producer.sent]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # type: ignore[attr-defined]
    *notices, returned = events
    assert notices and all(isinstance(n, ApplicantNotified) for n in notices)
    # RECEIPT messages are sent but have no v1 kind; the result and locker notices publish as v1 kinds.
    assert {n.kind.value for n in notices} == {"EARLY_RETURN", "RESULT_READY"}  # type: ignore[attr-defined]
    assert isinstance(returned, ResultReturned) and returned.method.value == "KIOSK"
    assert returned.recipient is not None and returned.recipient.id_number == recipient.id_number
    assert returned.occurred_at == at(2026, 3, 25, 14) and returned.actor.unit_code == "H44.100"

    assert await outbox.drain() == 0 and len(producer.sent) == len(events)  # nothing twice
    again = OutboxRelay("delivery-relay", delivery, outbound, cast(AIOKafkaProducer, producer), tracking)
    assert await again.drain() == 0  # a restarted relay resumes from its recorded position
