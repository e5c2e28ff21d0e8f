"""processing-worker: the desk's dossier events and the payment platform's payments become changes to cases
(a receipt opens one), and the deadline watcher raises its alerts on the process clock.

The case keeps the id of every upstream event it applied, so a redelivered event changes nothing, and the
consumer's inbox drops repeats before they reach the application: a worker killed between the case's save
and the inbox's commit opens no case twice. An event a rule of processing refuses is dead-lettered with the
rule named; the rest of its batch is applied.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import psycopg
from fastapi import FastAPI

from contracts.topic_names import INTAKE_DOSSIERS, PAYMENT_PAYMENTS
from processing.application import Processing
from processing.errors import ConcurrentUpdate, NotFound, ProcessingRuleViolation
from services.processing.composition import build_processing, schema, watcher_interval_s
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.consumer import Delivered, HandlerRejected
from services.runtime.http import create_app
from services.runtime.logging import get_logger
from services.runtime.periodic import combined, periodic
from services.runtime.pipelines import ConsumerPipeline
from services.runtime.simclock import serve_clock_on_worker

NAME = "processing-worker"
TOPICS = [INTAKE_DOSSIERS, PAYMENT_PAYMENTS]
log = get_logger(__name__)


def handler(processing: Processing) -> Any:
    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            try:
                processing.apply_intake_event(delivered.event)
            except ConcurrentUpdate:
                raise  # transient: the batch is not committed, and is applied again after the restart
            except (ProcessingRuleViolation, NotFound) as refused:
                rule = getattr(refused, "rule", type(refused).__name__)
                raise HandlerRejected(delivered, f"{rule}: {refused}") from refused

    return handle


def watch(processing: Processing) -> None:
    """One pass of the deadline watcher at the process clock's now."""
    for alert in processing.run_watcher():
        log.info(
            "deadline alert",
            kind=str(alert.kind),
            key=alert.key,
            due_at=alert.due_at.isoformat(),
            step=str(alert.step) if alert.step else None,
            agency_code=alert.agency_code,
        )


def build(runtime: Runtime) -> FastAPI:
    processing = build_processing(runtime)
    pipeline = ConsumerPipeline(
        NAME,
        TOPICS,
        handler(processing),
        bootstrap=runtime.kafka.servers,
        database_url=runtime.database.url,
        schema=schema(runtime),
        namespace=runtime.kafka.topic_namespace,
    )
    consumer = pipeline.loop()
    runtime.readiness.add("consumer", consumer.check)
    watcher = periodic("deadline-watcher", lambda: watch(processing), watcher_interval_s(os.environ))
    runtime.readiness.add("watcher", watcher.check)
    app = create_app(NAME, VERSION, runtime.readiness, lifespan=combined(consumer.lifespan, watcher.lifespan))
    serve_clock_on_worker(app, runtime.simulated_clock)  # the watcher runs on this process's clock
    return app


if __name__ == "__main__":
    serve(NAME, build)
