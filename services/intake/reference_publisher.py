"""Publishes the intake reference data (units, procedures, calendars) as public events, once per data set.

Runs in intake-relay at every (re)start. The publication's digest names it: when the intake schema's
``reference_publications`` table already records that digest, nothing is sent. Otherwise every event goes
out through the relay's idempotent producer, the publisher waits for every ack, and only then records the
digest. A crash between the acks and the record re-sends the same events with the same ids, which
consumers' inboxes drop (docs/adr/0271).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from aiokafka import AIOKafkaProducer
from psycopg import sql

from contracts.codec import encode
from intake.reference.publication import Publication
from services.runtime.logging import get_logger
from services.runtime.metrics import EVENTS_PUBLISHED

TABLE = "reference_publications"

log = get_logger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: Literal["sent", "already-published"]
    publication: Publication
    sent: int


class ReferencePublisher:
    def __init__(
        self,
        publication: Callable[[], Publication],
        *,
        database_url: str,
        schema: str,
        namespace: str = "",
    ) -> None:
        self._build = publication
        self._publication: Publication | None = None
        self.database_url = database_url
        self.schema = schema
        self.namespace = namespace

    @property
    def table(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(TABLE))

    async def publication(self) -> Publication:
        if self._publication is None:
            self._publication = await asyncio.to_thread(self._build)
        return self._publication

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)

    async def create_table(self) -> None:
        async with await self._connect() as conn:
            await conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            await conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, version text NOT NULL, "
                    "events integer NOT NULL, correlation_id uuid NOT NULL, "
                    "published_at timestamptz NOT NULL DEFAULT now())"
                ).format(self.table)
            )

    async def recorded(self, publication: Publication) -> bool:
        async with await self._connect() as conn:
            cursor = await conn.execute(
                sql.SQL("SELECT 1 FROM {} WHERE name = %s").format(self.table), (publication.name,)
            )
            return await cursor.fetchone() is not None

    async def _record(self, publication: Publication) -> None:
        async with await self._connect() as conn:
            await conn.execute(
                sql.SQL(
                    "INSERT INTO {} (name, version, events, correlation_id) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (name) DO NOTHING"
                ).format(self.table),
                (publication.name, publication.version, len(publication.events), publication.correlation_id),
            )

    async def publish(self, producer: AIOKafkaProducer) -> Outcome:
        """Send the publication unless it is recorded; record it only after every ack."""
        publication = await self.publication()
        await self.create_table()
        if await self.recorded(publication):
            log.info("reference data already published", publication=publication.name)
            return Outcome("already-published", publication, 0)
        pending = []
        per_topic: dict[str, int] = {}
        for event in publication.events:
            record = encode(event)
            topic = self.namespace + record.topic
            pending.append(await producer.send(topic, record.value, key=record.key, headers=record.headers))
            per_topic[topic] = per_topic.get(topic, 0) + 1
        await asyncio.gather(*pending)  # every ack, or an exception and nothing is recorded
        await self._record(publication)
        for topic, count in per_topic.items():
            EVENTS_PUBLISHED.labels("reference", topic).inc(count)
        log.info(
            "reference data published",
            publication=publication.name,
            version=publication.version,
            events=len(publication.events),
        )
        return Outcome("sent", publication, len(publication.events))
