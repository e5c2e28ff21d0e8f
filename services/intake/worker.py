"""intake-worker: what the desk must learn from processing — a supplement requested after receipt (the
desk then takes the applicant's answer, E14), a result issued or rejected (a withdrawal is refused from
then on) and processing stopped.

The desk's notes are idempotent by the upstream event id (a re-delivered event changes nothing), and the
consumer's inbox drops repeats before they reach the desk.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from fastapi import FastAPI

from contracts.enums import ActorKind, Outcome
from contracts.processing import DossierRejected, ProcessingStopped, ResultIssued, SupplementRequested
from contracts.topic_names import PROCESSING_DOSSIERS
from intake.desk import IntakeDesk
from intake.dossier_values import Actor, CommandContext
from intake.errors import IntakeRuleViolation, NotFound
from services.intake.composition import build_desk, schema
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.consumer import Delivered, HandlerRejected
from services.runtime.http import create_app
from services.runtime.pipelines import ConsumerPipeline
from services.runtime.simclock import serve_clock_on_worker

NAME = "intake-worker"


def handler(desk: IntakeDesk) -> Any:
    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            event = delivered.event
            if not isinstance(
                event, ResultIssued | DossierRejected | ProcessingStopped | SupplementRequested
            ):
                continue
            context = CommandContext(Actor(ActorKind.SYSTEM, NAME), event.correlation_id, event.event_id)
            dossier_id: UUID = event.dossier_id
            try:
                if isinstance(event, SupplementRequested):
                    desk.note_supplement_requested(
                        dossier_id, context, request_no=event.request_no, source_event_id=event.event_id
                    )
                elif isinstance(event, ProcessingStopped):
                    desk.note_processing_stopped(dossier_id, context, source_event_id=event.event_id)
                else:
                    outcome = Outcome.REJECTED if isinstance(event, DossierRejected) else Outcome.APPROVED
                    desk.note_result(dossier_id, context, outcome=outcome, source_event_id=event.event_id)
            except (IntakeRuleViolation, NotFound) as refused:
                raise HandlerRejected(delivered, f"{type(refused).__name__}: {refused}") from refused

    return handle


def build(runtime: Runtime) -> FastAPI:
    desk = build_desk(runtime)
    pipeline = ConsumerPipeline(
        NAME,
        [PROCESSING_DOSSIERS],
        handler(desk),
        bootstrap=runtime.kafka.servers,
        database_url=runtime.database.url,
        schema=schema(runtime),
        namespace=runtime.kafka.topic_namespace,
    )
    loop = pipeline.loop()
    runtime.readiness.add("consumer", loop.check)
    app = create_app(NAME, VERSION, runtime.readiness, lifespan=loop.lifespan)
    serve_clock_on_worker(app, runtime.simulated_clock)
    return app


if __name__ == "__main__":
    serve(NAME, build)
