"""Shared helpers of the replay tier: a topic namespace, producing a stream, projecting it, digests."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import psycopg
from kafka_kit import drop, publish
from psycopg import sql
from waiting import wait_until_async

from contracts.envelope import PublicEvent
from projections.readmodels import Layout, ProjectorHandler, digest
from services.projections import projector
from services.runtime.consumer import Inbox
from services.runtime.pipelines import ConsumerPipeline


async def produce(bootstrap: str, namespace: str, events: Sequence[PublicEvent]) -> None:
    """The stream onto the namespace's topics, which every replay test declares before its first part."""
    await publish(bootstrap, namespace, events, declare=False)


def positions_total(database_url: str, schema: str, consumer: str) -> int:
    table = Inbox.table_names(consumer)[1]
    with psycopg.connect(database_url) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{table}"',)).fetchone()
        if not exists or exists[0] is None:
            return 0
        row = conn.execute(
            sql.SQL("SELECT coalesce(sum(next_offset), 0) FROM {}").format(sql.Identifier(schema, table))
        ).fetchone()
        return int(row[0]) if row else 0


async def project(
    bootstrap: str, database_url: str, schema: str, namespace: str, version: int, messages: int, batch: int
) -> None:
    """Run the projector's pipeline for ``version`` until its positions cover ``messages`` records."""
    name = projector.consumer_name(version)
    pipeline = ConsumerPipeline(
        name,
        projector.projected_topics(),
        ProjectorHandler(Layout(schema, version)),
        bootstrap=bootstrap,
        database_url=database_url,
        schema=schema,
        batch_size=batch,
        namespace=namespace,
    )

    async def caught_up() -> bool:
        return await asyncio.to_thread(positions_total, database_url, schema, name) >= messages

    await pipeline.start()
    task = asyncio.create_task(pipeline.run())
    try:
        await wait_until_async(caught_up, 120, f"{name} to apply {messages} records")
    finally:
        await pipeline.stop()
        task.cancel()
        try:
            await task
        except BaseException:  # noqa: BLE001 - cancelled
            pass


def schema_digest(database_url: str, schema: str, version: int) -> str:
    with psycopg.connect(database_url) as conn:
        return digest(conn, schema, version)


async def drop_topics(bootstrap: str, namespace: str) -> None:
    """Delete a test's namespaced topics: left behind, every run adds ~150 partitions to the shared broker
    (which then runs out of file descriptors)."""
    await drop(bootstrap, namespace)
