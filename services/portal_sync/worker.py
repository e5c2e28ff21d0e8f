"""portal-sync: keeps the national portal's view of every dossier and pushes each transition to it.

- consumer: every dossier event (intake, processing, payment, delivery) is stored, and the dossier's unsent
  pushes are re-planned from the set of its events in canonical order, under the dossier's lock, in the
  consumer's transaction (a redelivered event adds nothing; a late older event re-plans; ADR 0643);
- pusher: sends each dossier's transitions in order with retries and backoff, and records an E28
  acknowledgement with its latency for each answer (ADR 0640);
- feed: relays what the portal originates (ratings, petitions) as events;
- publisher: sends the outbox (E28, ratings, petitions) to Kafka in order, at least once.

``PORTAL_SYNC_PORTAL_URL`` names the portal (the fake one on loopback for local runs and tests);
``PORTAL_SYNC_MAX_HOLD_S`` bounds how long a dossier's pushes wait for a missing earlier event (default 30).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from contracts.envelope import DossierEvent
from contracts.topic_names import DELIVERY_DOSSIERS, INTAKE_DOSSIERS, PAYMENT_PAYMENTS, PROCESSING_DOSSIERS
from intake.reference import load_reference_data
from projections.portal_view import PortalViewPolicy, ProcedureInfo
from services.portal_sync.inbound import FeedReader
from services.portal_sync.pusher import Pusher
from services.portal_sync.store import PortalStore, create_tables
from services.runtime import kafka
from services.runtime.auth import AuthSettings, install_auth
from services.runtime.background import BackgroundLoop
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.consumer import Delivered
from services.runtime.http import create_app
from services.runtime.periodic import combined, periodic
from services.runtime.pipelines import ConsumerPipeline, declare_topics
from services.runtime.problems import install_problem_handlers
from services.runtime.simclock import clock_router

NAME = "portal-sync"
SCHEMA = "portal_sync"
TOPICS = [INTAKE_DOSSIERS, PROCESSING_DOSSIERS, PAYMENT_PAYMENTS, DELIVERY_DOSSIERS]


def policy() -> PortalViewPolicy:
    """Catalogue names from the shipped procedure catalogue (events do not carry them, ADR 0604)."""
    procedures = {
        p.code: ProcedureInfo(name=p.name, field_name=p.field) for p in load_reference_data().procedures
    }
    return PortalViewPolicy(procedures=procedures)


def handler(store: PortalStore) -> Any:
    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        # Arrival order does not matter: each touched dossier is re-planned from the set of its events.
        dossier_events = [d.event for d in events if isinstance(d.event, DossierEvent)]
        # Locks taken in one fixed order, so two consumers sharing dossiers never deadlock.
        for dossier_id in sorted(store.record_events(conn, dossier_events), key=str):
            store.replan(conn, dossier_id)

    return handle


class OutboxPublisher:
    """The outbox → Kafka, in id order; a row is marked published only after the broker acked it."""

    def __init__(self, store: PortalStore, database_url: str, bootstrap: str, namespace: str) -> None:
        self.store = store
        self.database_url = database_url
        self.bootstrap = bootstrap
        self.namespace = namespace
        self.producer: AIOKafkaProducer | None = None
        self.stopping = asyncio.Event()

    def _rows(self) -> list[tuple[int, str, bytes, bytes, list[tuple[str, bytes]]]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return self.store.unpublished(conn)

    def _mark(self, ids: list[int]) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            self.store.mark_published(conn, ids)

    async def start(self) -> None:
        self.stopping.clear()
        await declare_topics(self.bootstrap, self.namespace)
        self.producer = kafka.producer(self.bootstrap, f"{NAME}-outbox")
        await self.producer.start()

    async def run(self) -> None:
        assert self.producer is not None
        while not self.stopping.is_set():
            rows = await asyncio.to_thread(self._rows)
            if rows:
                pending = [
                    await self.producer.send(self.namespace + topic, value, key=key, headers=headers)
                    for _, topic, key, value, headers in rows
                ]
                await asyncio.gather(*pending)
                await asyncio.to_thread(self._mark, [r[0] for r in rows])
                continue
            try:
                await asyncio.wait_for(self.stopping.wait(), 0.2)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        self.stopping.set()
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(f"{NAME}-outbox", self.start, self.run, self.stop)


def build(runtime: Runtime) -> FastAPI:
    schema = runtime.service.schema_name(SCHEMA)
    max_hold = timedelta(seconds=float(os.environ.get("PORTAL_SYNC_MAX_HOLD_S", "30")))
    store = PortalStore(schema, policy(), max_hold)
    with psycopg.connect(runtime.database.url, autocommit=True) as conn:
        create_tables(conn, schema)
    portal_url = os.environ.get("PORTAL_SYNC_PORTAL_URL", "http://127.0.0.1:8059")
    consumer = ConsumerPipeline(
        NAME,
        TOPICS,
        handler(store),
        bootstrap=runtime.kafka.servers,
        database_url=runtime.database.url,
        schema=schema,
        namespace=runtime.kafka.topic_namespace,
    ).loop()
    pusher = Pusher(store, runtime.database.url, portal_url, runtime.clock)
    push_loop = periodic(
        "portal-push", pusher.step, float(os.environ.get("PORTAL_SYNC_PUSH_INTERVAL_S", "0.2"))
    )
    feed = FeedReader(store, runtime.database.url, portal_url, runtime.clock)
    feed_loop = periodic("portal-feed", feed.step, float(os.environ.get("PORTAL_SYNC_FEED_INTERVAL_S", "2")))
    publisher = OutboxPublisher(
        store, runtime.database.url, runtime.kafka.servers, runtime.kafka.topic_namespace
    ).loop()
    for name, loop in (("consumer", consumer), ("pusher", push_loop), ("publisher", publisher)):
        runtime.readiness.add(name, loop.check)
    app = create_app(
        NAME,
        VERSION,
        runtime.readiness,
        lifespan=combined(publisher.lifespan, consumer.lifespan, push_loop.lifespan, feed_loop.lifespan),
    )
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    if (simulated := runtime.simulated_clock) is not None:
        app.include_router(clock_router(simulated))
    return app


if __name__ == "__main__":
    serve(NAME, build)
