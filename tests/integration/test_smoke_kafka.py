"""The real broker: a 3-partition topic, produce with an idempotent producer, consume everything back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from kafka_kit import drop, send_records

from contracts.codec import KafkaRecord
from services.runtime.kafka import TopicSpec, ensure_topics


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    namespace = f"smoke.{uuid.uuid4().hex[:8]}."
    yield namespace + "v1"
    await drop(kafka_bootstrap, namespace)


async def test_produce_and_consume_through_three_partitions(kafka_bootstrap: str, topic: str) -> None:
    # Created the project's way, which waits for every partition's leader: a describe straight after a bare
    # create can find no partitions yet while the broker is busy (e.g. deleting another test's topics).
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, 3)])
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
        assert len(described[0]["partitions"]) == 3
    finally:
        await admin.close()

    sent: dict[bytes, list[int]] = {}
    records = []
    for i in range(90):
        key = f"dossier-{i % 9}".encode()
        records.append(KafkaRecord(topic, key, str(i).encode(), []))
        sent.setdefault(key, []).append(i)
    for meta in await send_records(kafka_bootstrap, records):
        assert meta.topic == topic

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"smoke-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: dict[bytes, list[int]] = {}
    partitions_seen: set[int] = set()
    try:

        async def drain() -> None:
            while sum(map(len, received.values())) < 90:
                batch = await consumer.getmany(timeout_ms=1000)
                for tp, records in batch.items():
                    partitions_seen.add(tp.partition)
                    for r in records:
                        assert r.key is not None and r.value is not None
                        received.setdefault(r.key, []).append(int(r.value))

        await asyncio.wait_for(drain(), timeout=30)
        end = await consumer.end_offsets([TopicPartition(topic, p) for p in range(3)])
    finally:
        await consumer.stop()

    assert received == sent  # nothing lost, nothing doubled, and each key's order kept
    assert partitions_seen == {0, 1, 2}
    assert sum(end.values()) == 90
