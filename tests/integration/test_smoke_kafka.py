"""The real broker: a 3-partition topic, produce with an idempotent producer, consume everything back."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def test_produce_and_consume_through_three_partitions(kafka_bootstrap: str) -> None:
    topic = f"smoke.{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        described = await admin.describe_topics([topic])
        assert len(described[0]["partitions"]) == 3
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    sent: dict[bytes, list[int]] = {}
    try:
        for i in range(90):
            key = f"dossier-{i % 9}".encode()
            meta = await (await producer.send(topic, key=key, value=str(i).encode()))
            sent.setdefault(key, []).append(i)
            assert meta.topic == topic
    finally:
        await producer.stop()

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
