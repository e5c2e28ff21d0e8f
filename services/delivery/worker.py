"""delivery-worker: learns what result delivery needs from the other contexts, and sends the notifications
its outbox holds.

- The consumer reads intake (who, how, code, promised time), processing (outcome, obligations, apologies,
  stop), payment (paid obligations) and postal (pick-up, delivery, return, loss) events. ``Delivery``
  remembers every event id it applied and the consumer's inbox drops repeats, so a redelivery changes
  nothing; an event delivery cannot apply (a postal event for a dossier it never heard of) is dead-lettered
  with the reason.
- The dispatcher (ADR 0601) sends every pending ``NotificationRequested`` through the configured gateways
  and records ``NotificationSent``; after a crash it resends the unrecorded ones with the same id.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import psycopg
from fastapi import FastAPI

from contracts.topic_names import INTAKE_DOSSIERS, PAYMENT_PAYMENTS, POSTAL_SHIPMENTS, PROCESSING_DOSSIERS
from delivery.dispatch import NotificationDispatcher
from delivery.errors import DeliveryRuleViolation, NotFound
from delivery.service import Delivery
from services.delivery.composition import build_delivery, delivery_schema
from services.delivery.senders import senders_from_environment
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.consumer import Delivered, HandlerRejected
from services.runtime.http import create_app
from services.runtime.logging import get_logger
from services.runtime.periodic import combined, periodic
from services.runtime.pipelines import ConsumerPipeline
from services.runtime.simclock import serve_clock_on_worker

NAME = "delivery-worker"
TOPICS = [INTAKE_DOSSIERS, PROCESSING_DOSSIERS, PAYMENT_PAYMENTS, POSTAL_SHIPMENTS]
log = get_logger(__name__)


def handler(delivery: Delivery) -> Any:
    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            try:
                delivery.apply_public_event(delivered.event)
            except (DeliveryRuleViolation, NotFound) as refused:
                raise HandlerRejected(delivered, f"{type(refused).__name__}: {refused}") from refused

    return handle


def dispatch_step(dispatcher: NotificationDispatcher, limit: int | None) -> None:
    report = dispatcher.dispatch_pending(limit)
    if report.sent or report.failed or report.already_recorded:
        log.info(
            "notifications dispatched",
            sent=report.sent,
            failed=report.failed,
            already_recorded=report.already_recorded,
        )


def build(runtime: Runtime) -> FastAPI:
    delivery = build_delivery(runtime)
    pipeline = ConsumerPipeline(
        NAME,
        TOPICS,
        handler(delivery),
        bootstrap=runtime.kafka.servers,
        database_url=runtime.database.url,
        schema=delivery_schema(runtime),
        namespace=runtime.kafka.topic_namespace,
    )
    consumer = pipeline.loop()
    runtime.readiness.add("consumer", consumer.check)
    dispatcher = NotificationDispatcher(delivery, senders_from_environment())
    limit = int(os.environ.get("DELIVERY_DISPATCH_BATCH", "0")) or None
    interval = float(os.environ.get("DELIVERY_DISPATCH_INTERVAL_S", "0.5"))
    sender = periodic("notification-dispatcher", lambda: dispatch_step(dispatcher, limit), interval)
    runtime.readiness.add("dispatcher", sender.check)
    app = create_app(NAME, VERSION, runtime.readiness, lifespan=combined(consumer.lifespan, sender.lifespan))
    serve_clock_on_worker(app, runtime.simulated_clock)
    return app


if __name__ == "__main__":
    serve(NAME, build)
