"""The demo's stand-in for the national payment platform (Nền tảng thanh toán trực tuyến quốc gia).

No deployable produces ``PaymentReceived`` for online payments yet, so — like the e2e tests — the demo
publishes it on the payment topic itself, as that platform's adapter would: deterministic event id, producer
``payment``, one payment (seq 1) per dossier for the fee lines assessed at receipt.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts.codec import encode
from contracts.enums import ActorKind, PaymentMethod, Producer
from contracts.envelope import Actor
from contracts.identity import public_event_id
from contracts.payment import PaymentReceived
from contracts.values import FeeLine

PLATFORM_ACTOR = "system:demo-national-payment-platform"


def payment_received(
    dossier_id: uuid.UUID, when: datetime, lines: list[dict[str, Any]], method: str, n: int
) -> PaymentReceived:
    fee_lines = [FeeLine.model_validate(line) for line in lines]
    return PaymentReceived(
        event_id=public_event_id(Producer.PAYMENT, dossier_id, 1, when),
        seq=1,
        occurred_at=when,
        recorded_at=when,
        producer=Producer.PAYMENT,
        actor=Actor(kind=ActorKind.SYSTEM, id=PLATFORM_ACTOR),
        correlation_id=uuid.uuid5(dossier_id, "demo-payment"),
        dossier_id=dossier_id,
        obligation_id=None,
        lines=fee_lines,
        amount_vnd=sum(line.amount_vnd for line in fee_lines),
        method=PaymentMethod(method),
        transaction_ref=f"PAYGOV.{when:%y%m%d}.{n:08d}",
        receipt_no=f"BL-{when:%Y}-{n:07d}",
    )


class PaymentPlatform:
    """Publishes payments on ``<namespace>payment.payments.v1`` (the topic comes from the contract)."""

    def __init__(self, bootstrap: str, namespace: str = "") -> None:
        self.namespace = namespace
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        self.published = 0

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def publish(self, event: PaymentReceived) -> None:
        record = encode(event)
        await self.producer.send_and_wait(
            self.namespace + record.topic, record.value, key=record.key, headers=record.headers
        )
        self.published += 1
