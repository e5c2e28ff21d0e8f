"""The consumer base: decode, validate, apply in batches with exactly-once effect, dead-letter the rest.

For each batch fetched from Kafka:
1. every record is decoded and validated against its contract; undecodable, contract-invalid and
   unknown-type records are sent to ``<topic>.dlq`` with the reason in headers (and acked) — never dropped,
   never allowed to stop the records behind them;
2. one PostgreSQL transaction inserts the batch's event ids into the consumer's inbox (``ON CONFLICT DO
   NOTHING``), hands only the events never seen before to the handler (same connection, same transaction),
   and records each partition's position;
3. after the commit, the offsets are committed to Kafka.

A redelivered record (crash after the commit, before the offset commit) and a re-sent event (relay crash
after the acks) both hit the inbox and change nothing. On (re)assignment the consumer seeks to the
positions stored with the effects, so the database, not Kafka's committed offsets, is the truth.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from psycopg import sql

from contracts.codec import DecodeError, decode
from contracts.envelope import PublicEvent

from .logging import get_logger
from .metrics import BATCH_SECONDS, DEAD_LETTERS, EVENTS_CONSUMED

log = get_logger(__name__)


@dataclass(frozen=True)
class Delivered:
    """A decoded public event with where it was read from."""

    event: PublicEvent
    topic: str
    partition: int
    offset: int


@dataclass
class Decoded:
    """A fetched batch after decoding: the valid events, where they came from, and where to resume."""

    started: float
    batch: list[Delivered] = field(default_factory=list)
    records_by_id: dict[str, ConsumerRecord[bytes, bytes]] = field(default_factory=dict)
    positions: dict[TopicPartition, int] = field(default_factory=dict)


class HandlerRejected(Exception):
    """Raised by a handler for one event it can never apply (e.g. it breaks a rule of the receiving context).

    The consumer dead-letters that event with the reason and applies the rest of the batch without it.
    """

    def __init__(self, delivered: Delivered, reason: str) -> None:
        super().__init__(reason)
        self.delivered = delivered
        self.reason = reason


Handler = Callable[[psycopg.Connection, Sequence[Delivered]], None]
"""Applies new events inside the consumer's transaction; must not commit or roll back itself."""


class Inbox:
    """The consumer's tables: seen event ids and per-partition positions, in the consumer's schema."""

    def __init__(self, schema: str, name: str) -> None:
        self.schema = schema
        self.inbox_table, self.positions_table = self.table_names(name)
        self.inbox = sql.Identifier(schema, self.inbox_table)
        self.positions = sql.Identifier(schema, self.positions_table)

    @staticmethod
    def table_names(consumer: str) -> tuple[str, str]:
        """Plain identifiers for a consumer's tables (PostgreSQL names stop at 63 bytes)."""
        base = re.sub(r"[^a-z0-9_]+", "_", consumer.lower()).strip("_")[:50]
        return f"{base}_inbox", f"{base}_positions"

    def create(self, conn: psycopg.Connection) -> None:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (event_id uuid PRIMARY KEY, event_type text NOT NULL, "
                'topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL, '
                "consumed_at timestamptz NOT NULL DEFAULT now())"
            ).format(self.inbox)
        )
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (topic text NOT NULL, partition int NOT NULL, "
                "next_offset bigint NOT NULL, PRIMARY KEY (topic, partition))"
            ).format(self.positions)
        )

    def admit(self, conn: psycopg.Connection, batch: Sequence[Delivered]) -> set[str]:
        """Record the batch's event ids; returns the ids never seen before (one round trip)."""
        if not batch:
            return set()
        cur = conn.execute(
            sql.SQL(
                'INSERT INTO {} (event_id, event_type, topic, partition, "offset") '
                "SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::int[], %s::bigint[]) "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
            ).format(self.inbox),
            (
                [d.event.event_id for d in batch],
                [d.event.event_type for d in batch],
                [d.topic for d in batch],
                [d.partition for d in batch],
                [d.offset for d in batch],
            ),
        )
        return {str(row[0]) for row in cur.fetchall()}

    def advance(self, conn: psycopg.Connection, positions: dict[TopicPartition, int]) -> None:
        if not positions:
            return
        items = sorted(positions.items(), key=lambda kv: (kv[0].topic, kv[0].partition))
        conn.execute(
            sql.SQL(
                "INSERT INTO {0} (topic, partition, next_offset) "
                "SELECT * FROM unnest(%s::text[], %s::int[], %s::bigint[]) "
                "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset "
                "WHERE {0}.next_offset < EXCLUDED.next_offset"
            ).format(self.positions),
            ([tp.topic for tp, _ in items], [tp.partition for tp, _ in items], [o for _, o in items]),
        )

    def stored_positions(
        self, conn: psycopg.Connection, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, int]:
        cur = conn.execute(sql.SQL("SELECT topic, partition, next_offset FROM {}").format(self.positions))
        wanted = set(partitions)
        return {tp: o for t, p, o in cur.fetchall() if (tp := TopicPartition(t, p)) in wanted}


class _SeekToStoredPositions(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    def __init__(self, owner: InboxConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pass  # nothing buffered survives a batch: positions are already durable

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        positions = await asyncio.to_thread(self.owner._stored_positions, list(assigned))
        for tp, offset in positions.items():
            self.owner.consumer.seek(tp, offset)


class InboxConsumer:
    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        consumer: AIOKafkaConsumer,
        dlq_producer: AIOKafkaProducer,
        database_url: str,
        schema: str,
        batch_size: int = 500,
        poll_timeout_ms: int = 200,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self.handler = handler
        self.consumer = consumer
        self.dlq_producer = dlq_producer
        self.database_url = database_url
        self.inbox = Inbox(schema, name)
        self.batch_size = batch_size
        self.poll_timeout_ms = poll_timeout_ms
        self._conn: psycopg.Connection | None = None
        self._stopping = asyncio.Event()

    # -- database side (runs in a worker thread) -------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.database_url, autocommit=False)
        return self._conn

    def _stored_positions(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        # A connection of its own: the rebalance listener runs on the coordinator's task, possibly while a
        # batch is being applied in another thread on the consumer's connection (psycopg connections are
        # not for two threads at once: that surfaced as OutOfOrderTransactionNesting and a stalled seek).
        with psycopg.connect(self.database_url) as conn, conn.transaction():
            return self.inbox.stored_positions(conn, partitions)

    def _apply(self, batch: Sequence[Delivered], positions: dict[TopicPartition, int]) -> int:
        conn = self._connection()
        with conn.transaction():
            new_ids = self.inbox.admit(conn, batch)
            fresh = []
            for d in batch:  # a re-sent event can also repeat inside one batch: apply its first copy only
                event_id = str(d.event.event_id)
                if event_id in new_ids:
                    new_ids.discard(event_id)
                    fresh.append(d)
            if fresh:
                self.handler(conn, fresh)
            self.inbox.advance(conn, positions)
        return len(fresh)

    def setup(self) -> None:
        conn = self._connection()
        with conn.transaction():
            self.inbox.create(conn)

    # -- Kafka side ------------------------------------------------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(self.setup)
        self.consumer.subscribe(self.topics, listener=_SeekToStoredPositions(self))
        await self.consumer.start()

    async def dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str, detail: str) -> None:
        headers = [
            *(record.headers or ()),
            ("dlq_reason", reason.encode()),
            ("dlq_error", detail[:2000].encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_at", datetime.now(UTC).isoformat().encode()),
        ]
        await (
            await self.dlq_producer.send(f"{record.topic}.dlq", record.value, key=record.key, headers=headers)
        )
        DEAD_LETTERS.labels(self.name, record.topic, reason).inc()
        EVENTS_CONSUMED.labels(self.name, record.topic, "dead-lettered").inc()
        log.warning(
            "dead-lettered",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            detail=detail[:300],
        )

    async def decode_batch(
        self, fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> Decoded:
        """Decode and validate a fetched batch; what fails goes to the DLQ (acked) right here."""
        decoded = Decoded(started=time.perf_counter())
        for tp, records in fetched.items():
            for record in records:
                try:
                    event = decode(list(record.headers or ()), record.value or b"")
                except DecodeError as exc:
                    await self.dead_letter(record, exc.reason, str(exc))
                else:
                    decoded.batch.append(Delivered(event, record.topic, record.partition, record.offset))
                    decoded.records_by_id[str(event.event_id)] = record
            if records:
                decoded.positions[tp] = records[-1].offset + 1
        return decoded

    async def apply(self, decoded: Decoded) -> int:
        """Apply a decoded batch in one transaction, then commit its offsets; returns the new effects."""
        while True:
            try:
                applied = await asyncio.to_thread(self._apply, decoded.batch, decoded.positions)
                break
            except HandlerRejected as rejected:
                # A rule of this context refuses that one event: park it with the reason, keep the rest.
                # Dropped from the decoded batch itself, so a retry after a database outage does not
                # dead-letter it a second time.
                record = decoded.records_by_id[str(rejected.delivered.event.event_id)]
                await self.dead_letter(record, "rejected-by-handler", rejected.reason)
                decoded.batch = [d for d in decoded.batch if d is not rejected.delivered]
        batch = decoded.batch
        if decoded.positions:
            await self.consumer.commit(dict(decoded.positions))
        topic_counts: dict[str, int] = {}
        for d in batch:
            topic_counts[d.topic] = topic_counts.get(d.topic, 0) + 1
        for topic, count in topic_counts.items():
            EVENTS_CONSUMED.labels(self.name, topic, "received").inc(count)
        EVENTS_CONSUMED.labels(self.name, "*", "applied").inc(applied)
        BATCH_SECONDS.labels(f"consumer:{self.name}").observe(time.perf_counter() - decoded.started)
        return applied

    async def process(self, fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> int:
        """Decode and apply one fetched batch durably; returns how many events had an effect."""
        return await self.apply(await self.decode_batch(fetched))

    async def _apply_until_done(self, decoded: Decoded) -> None:
        backoff = 0.2
        while True:
            try:
                await self.apply(decoded)
                return
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                # The database is away: nothing was committed, so the same batch is applied again
                # (it is not decoded or dead-lettered again).
                log.warning("database unavailable; retrying batch", consumer=self.name, error=str(exc))
                self._conn = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def run(self) -> None:
        """Consume until stopped. Pipelined: the next batch is fetched and decoded while the previous one
        is being applied; batches are still applied and committed strictly in order."""
        applying: asyncio.Task[None] | None = None
        try:
            while not self._stopping.is_set():
                fetched = await self.consumer.getmany(
                    timeout_ms=self.poll_timeout_ms, max_records=self.batch_size
                )
                if not fetched:
                    continue
                decoded = await self.decode_batch(fetched)
                if applying is not None:
                    await applying
                applying = asyncio.create_task(self._apply_until_done(decoded))
            if applying is not None:
                await applying
        finally:
            if applying is not None and not applying.done():
                applying.cancel()

    def stop(self) -> None:
        self._stopping.set()

    async def close(self) -> None:
        await self.consumer.stop()
        if self._conn is not None:
            await asyncio.to_thread(self._conn.close)
