"""projector: every public topic into the PostgreSQL read models (issue 7, item 1).

One inbox consumer group (ADR 0003) over all public topics of the plan (not the dead-letter topics): each
batch is folded by ``projections.readmodels`` inside the consumer's transaction, with the inbox rows and
partition positions, so a redelivery or a replay changes nothing. The read-model tables and views are
created before consuming starts; the loop's health is part of ``/ready``.
"""

from __future__ import annotations

import asyncio

import psycopg
from fastapi import FastAPI

from contracts.topics import TOPICS
from projections.readmodels import DEFAULT_SCHEMA, Layout, ProjectorHandler, create_read_models
from services.runtime.background import BackgroundLoop
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.pipelines import ConsumerPipeline

NAME = "projector"
SCHEMA = DEFAULT_SCHEMA
BATCH_SIZE = 1000


def projected_topics() -> list[str]:
    """Every public topic of the plan; dead-letter topics are for operators, not for read models."""
    return [topic.name for topic in TOPICS if topic.dead_letter_for is None]


def prepare(database_url: str, layout: Layout) -> None:
    with psycopg.connect(database_url) as conn, conn.transaction():
        create_read_models(conn, layout)


def pipeline(runtime: Runtime, layout: Layout | None = None) -> ConsumerPipeline:
    layout = layout or Layout(SCHEMA)
    return ConsumerPipeline(
        NAME,
        projected_topics(),
        ProjectorHandler(layout),
        bootstrap=runtime.kafka.servers,
        database_url=runtime.database.url,
        schema=layout.schema,
        batch_size=BATCH_SIZE,
        namespace=runtime.kafka.topic_namespace,
    )


def background(runtime: Runtime) -> BackgroundLoop:
    layout = Layout(SCHEMA)
    consumer = pipeline(runtime, layout)

    async def start() -> None:
        await asyncio.to_thread(prepare, runtime.database.url, layout)
        await consumer.start()

    return BackgroundLoop(NAME, start, consumer.run, consumer.stop)


def build(runtime: Runtime) -> FastAPI:
    loop = background(runtime)
    runtime.readiness.add("loop", loop.check)
    return create_app(NAME, VERSION, runtime.readiness, lifespan=loop.lifespan)


if __name__ == "__main__":
    serve(NAME, build)
