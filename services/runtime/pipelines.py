"""Wiring of the relay and the consumer into a deployable: fresh Kafka clients on every (re)start.

aiokafka clients cannot be restarted once stopped, so each start builds new ones; the BackgroundLoop
supervisor calls start again after a failure, which is how a relay or worker survives a broker restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from eventsourcing.application import Application

from contracts.topics import all_topics

from . import kafka
from .background import BackgroundLoop
from .consumer import Handler, InboxConsumer
from .relay import Outbound, OutboxRelay, tracking_recorder


async def declare_topics(bootstrap: str, namespace: str = "") -> None:
    """Declare every public topic and its dead-letter topic (under ``namespace`` when one is set)."""
    await kafka.ensure_topics(
        bootstrap, [kafka.TopicSpec(namespace + t.name, t.partitions, t.configs) for t in all_topics()]
    )


class RelayPipeline:
    """One relay: application event store → public topics."""

    def __init__(
        self,
        name: str,
        app_factory: Callable[[], Application[Any]],
        outbound: Outbound,
        *,
        bootstrap: str,
        es_env: dict[str, str],
        page_size: int = 1000,
        namespace: str = "",
    ) -> None:
        self.name = name
        self.app_factory = app_factory
        self.outbound = outbound
        self.bootstrap = bootstrap
        self.es_env = es_env
        self.page_size = page_size
        self.namespace = namespace
        self.app: Application[Any] | None = None
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None

    async def start(self) -> None:
        await declare_topics(self.bootstrap, self.namespace)
        if self.app is None:
            self.app = await asyncio.to_thread(self.app_factory)
        tracking = await asyncio.to_thread(tracking_recorder, f"{self.app.name}_relay", self.es_env)
        self.producer = kafka.producer(self.bootstrap, self.name)
        await self.producer.start()
        self.relay = OutboxRelay(
            self.name,
            self.app,
            self.outbound,
            self.producer,
            tracking,
            page_size=self.page_size,
            namespace=self.namespace,
        )

    async def run(self) -> None:
        assert self.relay is not None
        await self.relay.run()

    async def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(self.name, self.start, self.run, self.stop)


class ConsumerPipeline:
    """One consumer group: public topics → this context's effects, exactly once in effect."""

    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        bootstrap: str,
        database_url: str,
        schema: str,
        batch_size: int = 500,
        namespace: str = "",
    ) -> None:
        self.name = name
        self.topics = [namespace + t for t in topics]
        self.namespace = namespace
        self.handler = handler
        self.bootstrap = bootstrap
        self.database_url = database_url
        self.schema = schema
        self.batch_size = batch_size
        self.consumer: InboxConsumer | None = None
        self.dlq: AIOKafkaProducer | None = None

    async def start(self) -> None:
        await declare_topics(self.bootstrap, self.namespace)
        self.dlq = kafka.producer(self.bootstrap, f"{self.name}-dlq")
        await self.dlq.start()
        self.consumer = InboxConsumer(
            self.name,
            self.topics,
            self.handler,
            consumer=kafka.consumer(self.bootstrap, self.name, max_records=self.batch_size),
            dlq_producer=self.dlq,
            database_url=self.database_url,
            schema=self.schema,
            batch_size=self.batch_size,
        )
        await self.consumer.start()

    async def run(self) -> None:
        assert self.consumer is not None
        await self.consumer.run()

    async def stop(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()
            await self.consumer.close()
            self.consumer = None
        if self.dlq is not None:
            await self.dlq.stop()
            self.dlq = None

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(self.name, self.start, self.run, self.stop)
