"""Kafka the way every tier's tests use it: publish public events onto a run's namespaced topics as their
producer's relay would, read a topic back to its end, and drop the run's topics afterwards.

Sends go through one idempotent ``acks=all`` producer (services.runtime.kafka.producer) and are all queued
before any is awaited. That keeps each partition in send order: aiokafka has at most one request in flight
per broker and never sends a partition's next batch before the previous one is acknowledged, so a test
that used to ``send_and_wait`` one record at a time sees the same order on every partition (and therefore
on every key), only sooner.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, RecordMetadata

from contracts.codec import KafkaRecord, decode, encode
from contracts.envelope import PublicEvent
from services.runtime import kafka
from services.runtime.pipelines import declare_topics

CLIENT_ID = "motcua-tests"


async def send_records(bootstrap: str, records: Iterable[KafkaRecord]) -> list[RecordMetadata]:
    """Send ``records`` as they are (topics already final), in order; returns where each one landed."""
    producer = kafka.producer(bootstrap, CLIENT_ID)
    await producer.start()
    try:
        pending = [await producer.send(r.topic, r.value, key=r.key, headers=r.headers) for r in records]
        return [await delivered for delivered in pending]
    finally:
        await producer.stop()


async def publish(
    bootstrap: str, namespace: str, events: Iterable[PublicEvent], *, declare: bool = True
) -> list[RecordMetadata]:
    """Encode ``events`` (contracts.codec) and send them onto their topics under ``namespace``, in order.

    ``declare`` first creates the namespace's public topics with their catalogue partitions, so the broker
    never auto-creates one with its own default; leave it off where a running deployable declared them."""
    if declare:
        await declare_topics(bootstrap, namespace)
    records = [encode(event) for event in events]
    return await send_records(bootstrap, [dataclasses.replace(r, topic=namespace + r.topic) for r in records])


def publish_sync(
    bootstrap: str, namespace: str, events: Iterable[PublicEvent], *, declare: bool = True
) -> list[RecordMetadata]:
    """``publish`` for synchronous tests (the e2e tier), which run no event loop of their own."""
    return asyncio.run(publish(bootstrap, namespace, events, declare=declare))


async def partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    """The partitions the cluster has for ``topic`` (none when it does not exist), in partition order."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id=CLIENT_ID)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [TopicPartition(topic, p) for p in sorted(p["partition"] for p in described["partitions"])]


async def read_records(bootstrap: str, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Every record on ``topic`` up to the end offsets seen when the read began (records written meanwhile
    are left for the next read), partition by partition in offset order. No group: nothing is committed."""
    tps = await partitions(bootstrap, topic)
    if not tps:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id=CLIENT_ID, group_id=None)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        out: list[ConsumerRecord[Any, Any]] = []
        while any([await consumer.position(tp) < end[tp] for tp in tps]):
            for tp, records in (await consumer.getmany(*tps, timeout_ms=500)).items():
                out.extend(r for r in records if r.offset < end[tp])
        # Fetches interleave partitions as the broker answers; a stable sort keeps each one's offset order.
        return sorted(out, key=lambda r: r.partition)
    finally:
        await consumer.stop()


async def read_events(bootstrap: str, topic: str) -> list[PublicEvent]:
    """``read_records``, each decoded against the contracts: an invalid record raises ``DecodeError``."""
    return [decode(list(r.headers), r.value or b"") for r in await read_records(bootstrap, topic)]


def read_events_sync(bootstrap: str, topic: str) -> list[PublicEvent]:
    """``read_events`` for synchronous tests (the e2e tier)."""
    return asyncio.run(read_events(bootstrap, topic))


async def drop(bootstrap: str, namespace: str) -> list[str]:
    """Delete every topic of a run's ``namespace``: each partition keeps files open in the shared broker
    (hard limit 20000), so a run that leaves its ~90 partitions behind starves the next ones."""
    return await kafka.drop_namespace(bootstrap, namespace)
