"""Delivery guarantees on the real broker and server (issue 3): nothing lost, nothing doubled, per-dossier
order kept, broken messages dead-lettered while the ones behind them go on.

Each test works in its own PostgreSQL schema and its own topic namespace, so runs never see each other.
The relay and the consumer under crash run as separate processes (pipeline_subject.py) and are killed
with SIGKILL in the middle of their work.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import orjson
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka_kit import drop, partitions, publish, read_records, send_records
from pipeline_subject import (
    DeskDossier,
    DeskLedger,
    create_effects,
    dossier_id,
    es_env,
    make_handler,
    outbound,
)
from psycopg import sql
from waiting import wait_until, wait_until_async

from contracts.codec import KafkaRecord, encode
from contracts.enums import Producer
from contracts.golden import example_event
from contracts.identity import public_event_id
from contracts.intake import ComponentDigitized
from services.runtime.consumer import Inbox
from services.runtime.kafka import TopicSpec, ensure_topics
from services.runtime.pipelines import ConsumerPipeline, declare_topics

REPO = Path(__file__).resolve().parents[2]
SUBJECT = REPO / "tests" / "integration" / "pipeline_subject.py"
TOPIC = ComponentDigitized.TOPIC


@pytest.fixture
def namespace(kafka_bootstrap: str) -> Iterator[str]:
    name = f"t{uuid.uuid4().hex[:10]}."
    yield name
    asyncio.run(drop(kafka_bootstrap, name))


def spawn(
    role: str, schema: str, namespace: str, database_url: str, kafka_bootstrap: str, *extra: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SERVICE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, str(SUBJECT), role, "--schema", schema, "--namespace", namespace, *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file(f"{role}-{namespace}"),
    )


def log_file(name: str) -> IO[bytes]:
    """Where a subject process writes its log: .local/logs/tests/, kept for reading after a failure."""
    directory = REPO / ".local" / "logs" / "tests"
    directory.mkdir(parents=True, exist_ok=True)
    return open(directory / f"{name.strip('.')}.log", "ab")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=30)


def scalar(database_url: str, query: sql.Composable, params: tuple[object, ...] = ()) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(query, params).fetchone()
        return int(row[0]) if row and row[0] is not None else 0


async def topic_messages(
    bootstrap: str, topic: str
) -> list[tuple[int, int, bytes | None, dict[str, bytes], bytes]]:
    """Everything in ``topic`` now: (partition, offset, key, headers, value), read to the end offsets."""
    return [
        (r.partition, r.offset, r.key, dict(r.headers), r.value or b"")
        for r in await read_records(bootstrap, topic)
    ]


_PARTITIONS: dict[str, list[TopicPartition]] = {}


async def partitions_of(bootstrap: str, topic: str) -> list[TopicPartition]:
    """The topic's partitions, from the cluster itself (cached: partition counts never change here)."""
    if topic not in _PARTITIONS:
        found = await partitions(bootstrap, topic)
        if not found:
            return []  # not declared yet: ask again next time
        _PARTITIONS[topic] = found
    return _PARTITIONS[topic]


class EndOffsets:
    """Sum of a topic's end offsets, read repeatedly through one client (no group, nothing committed)."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)

    async def __aenter__(self) -> EndOffsets:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def total(self, topic: str) -> int:
        tps = await partitions_of(self.bootstrap, topic)
        return sum((await self.consumer.end_offsets(tps)).values()) if tps else 0


async def run_consumer_until(pipeline: ConsumerPipeline, done: Callable[[], Awaitable[bool]]) -> None:
    await pipeline.start()
    task = asyncio.create_task(pipeline.run())
    try:
        await wait_until_async(done, 90, "the consumer to apply everything")
    finally:
        await pipeline.stop()
        task.cancel()
        try:
            await task
        except BaseException:  # noqa: BLE001 - cancelled
            pass


def effects(schema: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier("effects"))


# --------------------------------------------------------------------------------------------------------


async def test_relay_killed_mid_batch_loses_nothing_and_consumer_applies_each_once(
    database_url: str,
    kafka_bootstrap: str,
    pg_schema: str,
    namespace: str,
    processes: list[subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = DeskLedger(env=es_env(pg_schema))
    expected: set[uuid.UUID] = set()
    dossiers = [DeskDossier("H44.01") for _ in range(100)]
    for dossier in dossiers:
        for c in range(40):
            dossier.digitize(f"TP{c:02d}")
    app.save(*dossiers)  # 4,100 notifications; 4,000 of them become public events
    for n in app.recorder.select_notifications(None, 10_000):
        for public in outbound(app.mapper.to_domain_event(n)):
            expected.add(public.event_id)
    head = app.recorder.max_notification_id()
    assert len(expected) == 4000 and head is not None
    topic = namespace + TOPIC

    relay = spawn("relay", pg_schema, namespace, database_url, kafka_bootstrap, "--page-size", "250")
    processes.append(relay)
    tracking = sql.SQL("SELECT max(notification_id) FROM {}.{}").format(
        sql.Identifier(pg_schema), sql.Identifier("deskledger_relay_tracking")
    )

    # Kill it as soon as Kafka holds some of the events but the relay has not recorded the end.
    async with EndOffsets(kafka_bootstrap) as offsets:

        async def some_sent() -> bool:
            return await offsets.total(topic) > 0

        await wait_until_async(some_sent, 60, "the relay to publish its first page", interval=0.005)
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=30)
        sent_at_kill = await offsets.total(topic)
    position_at_kill = (
        scalar(database_url, tracking)
        if _table_exists(database_url, pg_schema, "deskledger_relay_tracking")
        else 0
    )
    assert position_at_kill < head, "the relay finished before the kill: the crash was not exercised"

    restarted = spawn("relay", pg_schema, namespace, database_url, kafka_bootstrap, "--page-size", "250")
    processes.append(restarted)
    wait_until(lambda: scalar(database_url, tracking) == head, 90, "the restarted relay to catch up")
    restarted.terminate()
    restarted.wait(timeout=30)

    messages = await topic_messages(kafka_bootstrap, topic)
    ids = [uuid.UUID(h["ce_id"].decode()) for _, _, _, h, _ in messages]
    assert set(ids) == expected  # every event reached Kafka, and nothing else did
    resent = len(ids) - len(expected)
    print(
        f"\nrelay killed at position {position_at_kill}/{head} with {sent_at_kill} messages on Kafka; "
        f"{resent} re-sent after restart"
    )

    # A counting consumer applies each event exactly once despite the re-sent ones.
    create_effects(database_url, pg_schema)
    pipeline = ConsumerPipeline(
        f"counting-{namespace}",
        [TOPIC],
        make_handler(pg_schema, 0),
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        namespace=namespace,
    )

    async def all_applied() -> bool:
        return await asyncio.to_thread(
            scalar, database_url, sql.SQL("SELECT count(*) FROM {}").format(effects(pg_schema))
        ) >= len(expected)

    await run_consumer_until(pipeline, all_applied)
    rows = scalar(database_url, sql.SQL("SELECT count(*) FROM {}").format(effects(pg_schema)))
    distinct = scalar(
        database_url, sql.SQL("SELECT count(DISTINCT event_id) FROM {}").format(effects(pg_schema))
    )
    assert (rows, distinct) == (4000, 4000)
    app.close()


def _table_exists(database_url: str, schema: str, table: str) -> bool:
    return (
        scalar(
            database_url,
            sql.SQL(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s"
            ),
            (schema, table),
        )
        == 1
    )


def golden_events(count: int, dossiers: int) -> list[ComponentDigitized]:
    """``count`` ComponentDigitized events spread over ``dossiers`` dossiers, seq 1.. per dossier."""
    template = example_event(ComponentDigitized.EVENT_TYPE)
    assert isinstance(template, ComponentDigitized)
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    out = []
    for i in range(count):
        d, seq = dossier_id(i % dossiers), i // dossiers + 1
        at = t0 + timedelta(seconds=i)
        out.append(
            template.model_copy(
                update={
                    "event_id": public_event_id(Producer.INTAKE, d, seq, at),
                    "dossier_id": d,
                    "seq": seq,
                    "occurred_at": at,
                    "recorded_at": at,
                    "component_code": f"TP{seq:03d}",
                }
            )
        )
    return out


async def test_consumer_killed_mid_batch_neither_doubles_nor_loses(
    database_url: str,
    kafka_bootstrap: str,
    pg_schema: str,
    namespace: str,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    await declare_topics(kafka_bootstrap, namespace)
    events = golden_events(3000, 60)
    # The first 500 re-sent after the rest, as a relay would.
    await publish(kafka_bootstrap, namespace, events + events[:500], declare=False)
    create_effects(database_url, pg_schema)
    count = sql.SQL("SELECT count(*) FROM {}").format(effects(pg_schema))
    group = f"crashing-{namespace}"

    consumer = spawn(
        "consume",
        pg_schema,
        namespace,
        database_url,
        kafka_bootstrap,
        "--group",
        group,
        "--batch",
        "50",
        "--delay-ms",
        "40",
    )
    processes.append(consumer)
    wait_until(
        lambda: scalar(database_url, count) >= 200, 60, "the consumer to apply a few batches", interval=0.01
    )
    consumer.send_signal(signal.SIGKILL)  # pg_sleep keeps a batch open most of the time: killed inside one
    consumer.wait(timeout=30)
    applied_at_kill = scalar(database_url, count)
    assert applied_at_kill < 3000, "the consumer finished before the kill: the crash was not exercised"

    restarted = spawn(
        "consume", pg_schema, namespace, database_url, kafka_bootstrap, "--group", group, "--batch", "200"
    )
    processes.append(restarted)
    wait_until(lambda: scalar(database_url, count) >= 3000, 90, "the restarted consumer to apply everything")
    # Let it also pass the 500 re-sent events at the end of the topic, then check no effect was doubled.
    wait_until(
        lambda: _positions_total(database_url, pg_schema, group) >= 3500,
        60,
        "the consumer to pass the re-sent events",
    )
    restarted.terminate()
    restarted.wait(timeout=30)
    rows = scalar(database_url, count)
    distinct = scalar(
        database_url, sql.SQL("SELECT count(DISTINCT event_id) FROM {}").format(effects(pg_schema))
    )
    print(
        f"\nconsumer killed with {applied_at_kill} effects applied; after restart {rows} rows, {distinct} distinct"
    )
    assert (rows, distinct) == (3000, 3000)


def _positions_total(database_url: str, schema: str, group: str) -> int:
    table = Inbox.table_names(group)[1]
    if not _table_exists(database_url, schema, table):
        return 0
    return scalar(
        database_url,
        sql.SQL("SELECT coalesce(sum(next_offset), 0) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        ),
    )


async def test_poison_messages_go_to_the_dlq_with_their_reason_and_the_rest_is_applied(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    await declare_topics(kafka_bootstrap, namespace)
    good = golden_events(2, 1)  # same dossier: same key, same partition, so the poison sits between them
    first, second = encode(good[0]), encode(good[1])
    key, headers = first.key, first.headers
    wrong_type = [(k, b"vn.one-stop.intake.no-such-event.v1" if k == "ce_type" else v) for k, v in headers]
    invalid = orjson.loads(first.value)
    invalid["sha256"] = "not-a-hash"
    topic = namespace + TOPIC
    await send_records(
        kafka_bootstrap,
        [
            KafkaRecord(topic, key, value, hdrs)
            for value, hdrs in [
                (first.value, first.headers),
                (b"{not json", headers),
                (orjson.dumps(invalid), headers),
                (first.value, wrong_type),
                (second.value, second.headers),
            ]
        ],
    )

    create_effects(database_url, pg_schema)
    pipeline = ConsumerPipeline(
        f"poison-{namespace}",
        [TOPIC],
        make_handler(pg_schema, 0),
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        namespace=namespace,
    )

    async def both_applied() -> bool:
        return (
            await asyncio.to_thread(
                scalar, database_url, sql.SQL("SELECT count(*) FROM {}").format(effects(pg_schema))
            )
            >= 2
        )

    await run_consumer_until(pipeline, both_applied)

    with psycopg.connect(database_url) as conn:
        applied = conn.execute(
            sql.SQL("SELECT event_id FROM {} ORDER BY serial").format(effects(pg_schema))
        ).fetchall()
    assert [r[0] for r in applied] == [good[0].event_id, good[1].event_id]

    dead = await topic_messages(kafka_bootstrap, topic + ".dlq")
    reasons = [h["dlq_reason"].decode() for _, _, _, h, _ in dead]
    assert reasons == ["undecodable", "contract-invalid", "unknown-type"]
    for _, _, dkey, h, _ in dead:
        assert dkey == key
        assert h["dlq_topic"].decode() == topic
        assert h["dlq_consumer"].decode() == f"poison-{namespace}"
        assert h["dlq_error"]
    assert "sha256" in dead[1][3]["dlq_error"].decode()  # the error names the offending field
    assert [int(h["dlq_offset"]) for _, _, _, h, _ in dead] == [1, 2, 3]
    assert dead[0][4] == b"{not json"  # the original bytes, untouched, so it can be replayed once fixed


async def test_each_dossiers_events_are_applied_in_sequence_order(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    # The topic with exactly 3 partitions (the catalogue gives dossier topics 12); the rest as declared.
    await ensure_topics(kafka_bootstrap, [TopicSpec(namespace + TOPIC, 3)])
    await declare_topics(kafka_bootstrap, namespace)
    events = golden_events(1000, 50)  # 20 events per dossier, interleaved across dossiers
    await publish(kafka_bootstrap, namespace, events, declare=False)
    create_effects(database_url, pg_schema)
    pipeline = ConsumerPipeline(
        f"order-{namespace}",
        [TOPIC],
        make_handler(pg_schema, 0),
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        batch_size=64,
        namespace=namespace,
    )

    async def all_applied() -> bool:
        return (
            await asyncio.to_thread(
                scalar, database_url, sql.SQL("SELECT count(*) FROM {}").format(effects(pg_schema))
            )
            >= 1000
        )

    await run_consumer_until(pipeline, all_applied)

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            sql.SQL("SELECT dossier_id, seq, partition FROM {} ORDER BY serial").format(effects(pg_schema))
        ).fetchall()
    per_dossier: dict[uuid.UUID, list[int]] = {}
    partitions: dict[uuid.UUID, set[int]] = {}
    for d, seq, partition in rows:
        per_dossier.setdefault(d, []).append(seq)
        partitions.setdefault(d, set()).add(partition)
    assert len(per_dossier) == 50
    assert all(seqs == list(range(1, 21)) for seqs in per_dossier.values())
    assert all(len(p) == 1 for p in partitions.values())  # one dossier, one partition
    assert {p for ps in partitions.values() for p in ps} == {0, 1, 2}  # and the load really is spread
