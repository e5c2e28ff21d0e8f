"""`make bench`: throughput of the delivery machinery as ratios against raw baselines taken in the same run.

    python -m services.bench [--events 20000] [--dossiers 2000] [--replay-events 200000]
                             [--latency-rate 0] [--latency-seconds 20]

Measured, in one run, on the real broker and server:
- relay: events/s from an eventsourcing notification log to Kafka (read, deserialise, map to the public
  contract, encode, send with an idempotent producer, wait for acks, record the position) against a raw
  aiokafka idempotent producer sending the very same pre-encoded records;
- consumer: events/s through the inbox consumer (decode, validate, inbox + effect + positions in one
  transaction per batch, commit offsets) against a raw aiokafka consumer reading the same topic;
- intake: walk-in receipts through HTTP against raw eventsourcing saves (``services.bench_intake``);
- replay and event-to-index latency of the read models (``services.bench_replay``, docs/adr/0375).
Each run uses its own PostgreSQL schemas and topic namespaces and drops them afterwards. Figures are
printed and written to .local/bench/. Nothing here is a test: the numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from psycopg import sql

from contracts.codec import KafkaRecord, decode, encode
from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.golden import example_event
from contracts.identity import public_event_id
from contracts.intake import ComponentDigitized
from services.runtime import kafka
from services.runtime.consumer import Delivered
from services.runtime.pipelines import ConsumerPipeline, RelayPipeline, declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings

CORRELATION = UUID("0192f000-0000-7000-8000-0000000be4c0")


class BenchDossier(Aggregate):
    @event("Opened")
    def __init__(self, unit_code: str) -> None:
        self.unit_code = unit_code

    @event("Digitized")
    def digitize(self, component_code: str) -> None:
        pass


class BenchDesk(Application[UUID]):
    name = "benchdesk"


_TEMPLATE = example_event(ComponentDigitized.EVENT_TYPE)


def outbound(domain_event: DomainEventProtocol[Any]) -> Sequence[PublicEvent]:
    if not isinstance(domain_event, BenchDossier.Digitized):  # type: ignore[attr-defined]
        return ()
    at: datetime = domain_event.timestamp
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


def counting_handler(schema: str):  # type: ignore[no-untyped-def]
    table = sql.Identifier(schema, "bench_counts")

    def handle(conn: psycopg.Connection, events: Sequence[Delivered]) -> None:
        counts: dict[UUID, int] = {}
        for d in events:
            key = d.event.dossier_id  # type: ignore[attr-defined]
            counts[key] = counts.get(key, 0) + 1
        conn.execute(
            sql.SQL(
                "INSERT INTO {0} (dossier_id, events) SELECT * FROM unnest(%s::uuid[], %s::int[]) "
                "ON CONFLICT (dossier_id) DO UPDATE SET events = {0}.events + EXCLUDED.events"
            ).format(table),
            (list(counts), list(counts.values())),
        )

    return handle


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


async def send_raw(bootstrap: str, topic: str, records: list[KafkaRecord], page: int) -> float:
    producer = kafka.producer(bootstrap, "bench-raw-producer")
    await producer.start()
    try:
        started = time.perf_counter()
        for i in range(0, len(records), page):
            futures = [
                await producer.send(topic, r.value, key=r.key, headers=r.headers)
                for r in records[i : i + page]
            ]
            await asyncio.gather(*futures)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def consume_raw(bootstrap: str, topic: str, expected: int) -> float:
    consumer = kafka.consumer(bootstrap, f"bench-raw-{uuid.uuid4().hex[:8]}", topic)
    await consumer.start()
    try:
        seen = 0
        started: float | None = None
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if batch and started is None:
                started = time.perf_counter()  # from the first fetched batch: group join is not throughput
            seen += sum(len(v) for v in batch.values())
        return time.perf_counter() - (started or time.perf_counter())
    finally:
        await consumer.stop()


async def run(events: int, dossiers: int, consumer_batch: int) -> dict[str, Any]:
    bootstrap = KafkaSettings().servers
    database = DatabaseSettings()
    stamp = time.strftime("%Y%m%d%H%M%S")
    schema, namespace = f"bench_{stamp}", f"bench{stamp}."
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    env = database.eventsourcing_env(schema)
    try:
        await declare_topics(bootstrap, namespace)
        raw_topic = f"{namespace}raw.{ComponentDigitized.TOPIC}"
        await kafka.ensure_topics(bootstrap, [kafka.TopicSpec(raw_topic, 12)])
        relay_topic = namespace + ComponentDigitized.TOPIC

        print(f"writing {events} events for {dossiers} dossiers into the event store …", flush=True)
        app = BenchDesk(env=env)
        per = events // dossiers
        for start in range(0, dossiers, 100):
            batch = [BenchDossier("H44.01") for _ in range(min(100, dossiers - start))]
            for d in batch:
                for c in range(per):
                    d.digitize(f"TP{c:03d}")
            app.save(*batch)
        notifications = app.recorder.select_notifications(None, events * 2)
        records = [encode(p) for n in notifications for p in outbound(app.mapper.to_domain_event(n))]
        n = len(records)

        print("raw producer …", flush=True)
        raw_send = await send_raw(bootstrap, raw_topic, records, page=1000)

        print("relay …", flush=True)
        relay = RelayPipeline(
            "bench-relay",
            lambda: app,
            outbound,
            bootstrap=bootstrap,
            es_env=env,
            page_size=1000,
            namespace=namespace,
        )
        await relay.start()
        assert relay.relay is not None
        head = app.recorder.max_notification_id()
        started = time.perf_counter()
        while relay.relay.position != head:
            await relay.relay.drain()
        relay_s = time.perf_counter() - started
        await relay.stop()

        print("raw consumer …", flush=True)
        raw_consume = await consume_raw(bootstrap, relay_topic, n)

        print("inbox consumer …", flush=True)
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE TABLE {} (dossier_id uuid PRIMARY KEY, events int NOT NULL)").format(
                    sql.Identifier(schema, "bench_counts")
                )
            )
        pipeline = ConsumerPipeline(
            f"bench-consumer-{stamp}",
            [ComponentDigitized.TOPIC],
            counting_handler(schema),
            bootstrap=bootstrap,
            database_url=database.url,
            schema=schema,
            batch_size=consumer_batch,
            namespace=namespace,
        )
        await pipeline.start()
        assert pipeline.consumer is not None
        inbox = pipeline.consumer
        # Join the group and get assignments before timing (the raw baseline also starts at its first
        # batch), then rewind: the records read while joining are consumed again by the timed run.
        while not await inbox.consumer.getmany(timeout_ms=1000, max_records=1):
            pass
        await inbox.consumer.seek_to_beginning()
        counts = sql.SQL("SELECT coalesce(sum(events), 0) FROM {}").format(
            sql.Identifier(schema, "bench_counts")
        )

        def applied() -> int:
            with psycopg.connect(database.url) as conn:
                row = conn.execute(counts).fetchone()
                return int(row[0]) if row else 0

        started_c = time.perf_counter()
        task = asyncio.create_task(inbox.run())
        while await asyncio.to_thread(applied) < n:  # noqa: ASYNC110 - the condition lives in PostgreSQL
            await asyncio.sleep(0.01)
        inbox_s = time.perf_counter() - started_c
        inbox.stop()
        await task
        await pipeline.stop()
        with psycopg.connect(database.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT sum(events), count(*) FROM {}").format(sql.Identifier(schema, "bench_counts"))
            ).fetchone()
        app.close()
        assert row is not None and row[0] == n, f"bench consumer applied {row} of {n}"

        # What one core can decode and validate at best: the ceiling of any consumer that checks contracts.
        started_d = time.perf_counter()
        for r in records:
            decode(r.headers, r.value)
        decode_rate = rate(n, time.perf_counter() - started_d)

        result = {
            "events": n,
            "consumer_batch": consumer_batch,
            "relay": {
                "events_per_s": rate(n, relay_s),
                "raw_producer_events_per_s": rate(n, raw_send),
                "ratio": rate(n, relay_s) / rate(n, raw_send),
            },
            "decode_only_events_per_s": decode_rate,
            "consumer": {
                "events_per_s": rate(n, inbox_s),
                "raw_consumer_events_per_s": rate(n, raw_consume),
                "ratio": rate(n, inbox_s) / rate(n, raw_consume),
            },
        }
        return result
    finally:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        # Left behind, every run would keep ~90 partitions open on the shared broker.
        await kafka.drop_namespace(bootstrap, namespace)


def write_figures(result: dict[str, Any], stem: str) -> Path:
    """Keep a run's figures under .local/bench/, one JSON file per run, named by its start time."""
    out = Path(".local/bench")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--dossiers", type=int, default=2_000)
    parser.add_argument("--consumer-batch", type=int, default=2_000)
    parser.add_argument("--intake-commands", type=int, default=300)
    parser.add_argument("--intake-concurrency", type=int, default=8)
    parser.add_argument(
        "--replay-events", type=int, default=200_000, help="sample events to replay (0: skip the read side)"
    )
    parser.add_argument(
        "--latency-rate",
        type=float,
        default=0,
        help="events/s produced while the projector runs live (0: a quarter of the measured replay rate)",
    )
    parser.add_argument("--latency-seconds", type=float, default=20, help="how long (0: skip latency)")
    args = parser.parse_args()
    result = asyncio.run(run(args.events, args.dossiers, args.consumer_batch))
    print()
    print(f"{'measure':<34}{'events/s':>12}{'raw events/s':>15}{'ratio':>8}   target")
    r, c = result["relay"], result["consumer"]
    print(
        f"{'relay → Kafka':<34}{r['events_per_s']:>12,.0f}{r['raw_producer_events_per_s']:>15,.0f}"
        f"{r['ratio']:>8.2f}   ≥ 0.5"
    )
    print(f"{'  contract decode alone (1 core)':<34}{result['decode_only_events_per_s']:>12,.0f}")
    print(
        f"{'Kafka → inbox consumer → PostgreSQL':<34}{c['events_per_s']:>12,.0f}"
        f"{c['raw_consumer_events_per_s']:>15,.0f}{c['ratio']:>8.2f}   ≥ 0.5"
    )
    print("\nintake commands through HTTP …", flush=True)
    from services import bench_intake

    intake = bench_intake.run(args.intake_commands, args.intake_concurrency)
    result["intake"] = intake
    print(
        f"{'intake walk-in receipts via HTTP':<34}{intake['http_commands_per_s']:>12,.0f}"
        f"{intake['raw_saves_per_s']:>15,.0f}{intake['ratio']:>8.2f}   ≥ 0.5"
        f"   ({intake['uvicorn_workers']} uvicorn worker, {intake['concurrency']} clients, "
        f"{intake['failures']} failed; raw = eventsourcing save() of a new 4-event aggregate pair)"
    )
    if args.replay_events > 0:
        print("\nread models: replay against a raw consumer, then event-to-index latency …", flush=True)
        from services import bench_replay

        read_side = asyncio.run(bench_replay.run(args.replay_events, args.latency_rate, args.latency_seconds))
        result.update(read_side)
        bench_replay.print_result(read_side)
    path = write_figures(result, "bench")
    print(f"\n{result['events']} events; figures written to {path}")


if __name__ == "__main__":
    main()
