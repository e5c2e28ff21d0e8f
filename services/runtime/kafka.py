"""Kafka clients configured the one way this project uses them, and topic declaration.

Producers are idempotent with ``acks=all`` so a retried send never duplicates or reorders within a
partition; consumers never auto-commit: offsets are committed only after the effect is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from .logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: tuple[tuple[str, str], ...] = ()


def producer(bootstrap: str, client_id: str, *, linger_ms: int = 5) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def consumer(bootstrap: str, group_id: str, *topics: str, max_records: int = 500) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_records,
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], within_s: float = 30.0) -> None:
    """A new topic's partitions take a moment to get a leader; producing before that only earns retries."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        described = await admin.describe_topics(names)
        if all(t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"]) for t in described):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"topics without a leader after {within_s}s: {names}")
        await asyncio.sleep(0.05)


async def ensure_topics(bootstrap: str, topics: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Existing topics are left alone."""
    wanted = {t.name: t for t in topics}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="motcua-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(t.name, num_partitions=t.partitions, replication_factor=1, topic_configs=dict(t.configs))
            for name, t in sorted(wanted.items())
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another process declared them between our list and create: same outcome
            log.info("topics created", topics=[t.name for t in missing])
            await _wait_for_leaders(admin, [t.name for t in missing])
        return [t.name for t in missing]
    finally:
        await admin.close()


async def drop_namespace(bootstrap: str, namespace: str) -> list[str]:
    """Delete every topic under ``namespace`` (a test run's or a demo's); never called without a namespace."""
    if not namespace:
        raise ValueError("refusing to drop the topics of the empty namespace: that is production")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="motcua-topics")
    await admin.start()
    try:
        doomed = sorted(t for t in await admin.list_topics() if t.startswith(namespace))
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()
