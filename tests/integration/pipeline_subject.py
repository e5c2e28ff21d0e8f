"""A relay and a consumer run as separate processes, so the tests can kill them with SIGKILL.

    python tests/integration/pipeline_subject.py relay   --schema S --namespace N [--page-size P]
    python tests/integration/pipeline_subject.py consume --schema S --namespace N --group G [--batch B]
                                                        [--delay-ms D]

The relay tails the event store of ``DeskLedger`` (an eventsourcing application in schema S) and publishes
each internal event as the public ``ComponentDigitized`` contract. The consumer applies events to an
``effects`` table in schema S with no unique constraint at all, so any double application shows up as a
second row; ``--delay-ms`` slows each batch so a test can kill it in the middle of one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid5

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from psycopg import sql

from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.golden import example_event
from contracts.identity import public_event_id
from contracts.intake import ComponentDigitized
from services.runtime.consumer import Delivered
from services.runtime.pipelines import ConsumerPipeline, RelayPipeline
from services.runtime.settings import DatabaseSettings

CORRELATION = UUID("0192f000-0000-7000-8000-00000000c0de")


class DeskDossier(Aggregate):
    @event("Opened")
    def __init__(self, unit_code: str) -> None:
        self.unit_code = unit_code
        self.components = 0

    @event("Digitized")
    def digitize(self, component_code: str) -> None:
        self.components += 1


class DeskLedger(Application[UUID]):
    name = "deskledger"


_TEMPLATE = example_event(ComponentDigitized.EVENT_TYPE)


def outbound(domain_event: DomainEventProtocol[Any]) -> Sequence[PublicEvent]:
    """One public event per internal event; ids are deterministic, so a re-sent event keeps its id."""
    if not isinstance(domain_event, DeskDossier.Digitized):
        return ()
    at = domain_event.timestamp
    return (
        _TEMPLATE.model_copy(
            update={
                "event_id": public_event_id(
                    Producer.INTAKE, domain_event.originator_id, domain_event.originator_version, at
                ),
                "dossier_id": domain_event.originator_id,
                "seq": domain_event.originator_version,
                "occurred_at": at,
                "recorded_at": at,
                "correlation_id": CORRELATION,
                "component_code": domain_event.component_code,
            }
        ),
    )


def es_env(schema: str) -> dict[str, str]:
    return DatabaseSettings().eventsourcing_env(schema)


def effects_table(schema: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier("effects"))


def create_effects(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (serial bigserial, event_id uuid NOT NULL, dossier_id uuid NOT NULL, "
                'seq int NOT NULL, topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL)'
            ).format(effects_table(schema))
        )


def make_handler(schema: str, delay_ms: int):  # type: ignore[no-untyped-def]
    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        if delay_ms:
            conn.execute("SELECT pg_sleep(%s)", (delay_ms / 1000,))
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL(
                    'INSERT INTO {} (event_id, dossier_id, seq, topic, partition, "offset") '
                    "VALUES (%s, %s, %s, %s, %s, %s)"
                ).format(effects_table(schema)),
                [
                    (d.event.event_id, d.event.dossier_id, d.event.seq, d.topic, d.partition, d.offset)
                    for d in events
                ],
            )

    return handle


def dossier_id(n: int) -> UUID:
    return uuid5(CORRELATION, f"dossier-{n}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consume"])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--group", default="pipeline-subject")
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    if args.role == "relay":
        env = es_env(args.schema)
        pipeline: RelayPipeline | ConsumerPipeline = RelayPipeline(
            "pipeline-subject-relay",
            lambda: DeskLedger(env=env),
            outbound,
            bootstrap=bootstrap,
            es_env=env,
            page_size=args.page_size,
            namespace=args.namespace,
        )
    else:
        database_url = DatabaseSettings().url
        create_effects(database_url, args.schema)
        pipeline = ConsumerPipeline(
            args.group,
            [ComponentDigitized.TOPIC],
            make_handler(args.schema, args.delay_ms),
            bootstrap=bootstrap,
            database_url=database_url,
            schema=args.schema,
            batch_size=args.batch,
            namespace=args.namespace,
        )
    await pipeline.start()
    try:
        await pipeline.run()
    finally:
        await pipeline.stop()


if __name__ == "__main__":
    # Run the module's own copy, not __main__'s: stored event topics name `pipeline_subject:DeskDossier…`,
    # and the outbound mapper must see the very classes the recorder resolves them to.
    import pipeline_subject

    asyncio.run(pipeline_subject.main())
