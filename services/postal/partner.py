"""postal-partner: the postal partner as one process — its API (P1–P12), its event store and relay (the
postal topic and the payments it took), its worker (intake E1/E5, the desk's pick-up requests through the
carrier port) and the SLA scan on the process clock (so simulated time across a weekend finds breaches).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import psycopg
from fastapi import FastAPI
from psycopg import sql

from contracts.delivery import PostalPickupRequested
from contracts.intake import DossierSubmitted
from contracts.topic_names import DELIVERY_DOSSIERS, INTAKE_DOSSIERS
from delivery.errors import DeliveryRuleViolation, NotFound
from delivery.postal.carrier import PickupOrder, PostalCarrier, SimulatedCarrier
from delivery.postal.outbound import outbound
from delivery.postal.partner import PostalPartner
from services.delivery.composition import build_partner, postal_schema
from services.postal.api import router
from services.runtime.auth import AuthSettings, install_auth
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.consumer import Delivered, HandlerRejected
from services.runtime.http import create_app
from services.runtime.logging import get_logger
from services.runtime.periodic import combined, periodic
from services.runtime.pipelines import ConsumerPipeline, RelayPipeline
from services.runtime.problems import install_problem_handlers
from services.runtime.simclock import clock_router

NAME = "postal-partner"
log = get_logger(__name__)


class ParkedOrders:
    """Pick-up requests that arrived before intake's E1 told the partner the dossier's procedure.

    The request (delivery topic) and E1 (intake topic) come on different topics, so either may be read
    first. A request the partner cannot register yet (``PROCEDURE_UNKNOWN``) is parked in this table, in
    the consumer's transaction, and ordered again when E1 arrives; ordering is idempotent by the request's
    event id, so a crash between the order and the unparking orders nothing twice.
    """

    def __init__(self, schema: str) -> None:
        self.table = sql.Identifier(schema, "parked_pickup_orders")

    def create(self, conn: psycopg.Connection) -> None:
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (event_id uuid PRIMARY KEY, dossier_id uuid NOT NULL, "
                "body text NOT NULL, parked_at timestamptz NOT NULL DEFAULT now())"
            ).format(self.table)
        )

    def park(self, conn: psycopg.Connection, event: PostalPickupRequested) -> None:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (event_id, dossier_id, body) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
            ).format(self.table),
            (event.event_id, event.dossier_id, event.model_dump_json()),
        )

    def take(self, conn: psycopg.Connection, dossier_id: UUID) -> list[PostalPickupRequested]:
        rows = conn.execute(
            sql.SQL("DELETE FROM {} WHERE dossier_id = %s RETURNING body").format(self.table), (dossier_id,)
        ).fetchall()
        return [PostalPickupRequested.model_validate_json(r[0]) for r in rows]


def handler(partner: PostalPartner, carrier: PostalCarrier, parked: ParkedOrders) -> Any:
    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            event = delivered.event
            try:
                if isinstance(event, PostalPickupRequested):
                    try:
                        carrier.order_result_pickup(PickupOrder.from_request(event))
                    except DeliveryRuleViolation as early:
                        if early.rule != "PROCEDURE_UNKNOWN":
                            raise
                        parked.park(conn, event)
                        log.info("pick-up request parked until intake's E1", dossier_id=str(event.dossier_id))
                    continue
                partner.apply_public_event(event)
                if isinstance(event, DossierSubmitted):
                    for waiting in parked.take(conn, event.dossier_id):
                        carrier.order_result_pickup(PickupOrder.from_request(waiting))
            except (DeliveryRuleViolation, NotFound) as refused:
                raise HandlerRejected(delivered, f"{type(refused).__name__}: {refused}") from refused

    return handle


def scan(partner: PostalPartner) -> None:
    for breach in partner.detect_sla_breaches():
        log.warning(
            "postal SLA breached",
            waybill_no=breach.waybill_no,
            partner_id=breach.partner_id,
            due_at=breach.due_at.isoformat(),
            late_by_s=int(breach.late_by.total_seconds()),
        )


def build(runtime: Runtime) -> FastAPI:
    # One application for the API, the worker, the relay and the scan: it is thread-safe, and one pool of
    # connections is plenty for a partner's volume.
    partner = build_partner(runtime)
    parked = ParkedOrders(postal_schema(runtime))
    with psycopg.connect(runtime.database.url, autocommit=True) as conn:
        parked.create(conn)
    consumer = ConsumerPipeline(
        NAME,
        [INTAKE_DOSSIERS, DELIVERY_DOSSIERS],
        handler(partner, SimulatedCarrier(partner), parked),
        bootstrap=runtime.kafka.servers,
        database_url=runtime.database.url,
        schema=postal_schema(runtime),
        namespace=runtime.kafka.topic_namespace,
    ).loop()
    relay = RelayPipeline(
        f"{NAME}-relay",
        lambda: partner,
        outbound,
        bootstrap=runtime.kafka.servers,
        es_env=runtime.database.eventsourcing_env(postal_schema(runtime)),
        namespace=runtime.kafka.topic_namespace,
    ).loop()
    interval = float(os.environ.get("POSTAL_SLA_SCAN_INTERVAL_S", "60"))
    scanner = periodic("postal-sla-scan", lambda: scan(partner), interval)
    for name, loop in (("consumer", consumer), ("relay", relay), ("sla-scan", scanner)):
        runtime.readiness.add(name, loop.check)

    @asynccontextmanager
    async def api_lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await asyncio.to_thread(partner.close)

    app = create_app(
        NAME,
        VERSION,
        runtime.readiness,
        lifespan=combined(api_lifespan, relay.lifespan, consumer.lifespan, scanner.lifespan),
        title="motcua — postal-partner (Bưu chính công ích)",
        description="P1–P12: registrations, acceptance, transit, hand-over, pick-up, delivery, returns, "
        "losses, complaints; postal SLA J + n.",
    )
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    if (simulated := runtime.simulated_clock) is not None:
        app.include_router(clock_router(simulated))
    app.include_router(router(lambda: partner))
    return app


if __name__ == "__main__":
    serve(NAME, build)
