"""projector: every public topic into the PostgreSQL read models (issue 7, item 1).

One inbox consumer group (ADR 0003) over all public topics of the plan (not the dead-letter topics): each
batch is folded by ``projections.readmodels`` inside the consumer's transaction, with the inbox rows and
partition positions, so a redelivery or a replay changes nothing. The read-model tables and views are
created before consuming starts; the loop's health is part of ``/ready``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import psycopg
from fastapi import FastAPI, Query

from contracts.topics import TOPICS
from projections.readmodels import (
    DEFAULT_SCHEMA,
    READ_MODEL_VERSION,
    Layout,
    ProjectorHandler,
    create_read_models,
)
from projections.registry import live_version
from services.projections.live_activity import WINDOW_S, LiveActivity
from services.runtime.background import BackgroundLoop
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.pipelines import ConsumerPipeline

NAME = "projector"
SCHEMA = DEFAULT_SCHEMA
BATCH_SIZE = 1000
REGISTRY_POLL_S = 1.0


def projected_topics() -> list[str]:
    """Every public topic of the plan; dead-letter topics are for operators, not for read models."""
    return [topic.name for topic in TOPICS if topic.dead_letter_for is None]


def consumer_name(version: int) -> str:
    """The consumer group (and inbox tables) of one read-model version: the first keeps the plain name."""
    return NAME if version == READ_MODEL_VERSION else f"{NAME}-v{version}"


def prepare(database_url: str, layout: Layout) -> None:
    with psycopg.connect(database_url) as conn, conn.transaction():
        create_read_models(conn, layout)


def consumer_pipeline(
    bootstrap: str, database_url: str, layout: Layout, *, namespace: str = "", name: str | None = None
) -> ConsumerPipeline:
    """The projector's inbox consumer for ``layout``; ``name`` overrides the consumer group (benchmarks)."""
    return ConsumerPipeline(
        name or consumer_name(layout.version),
        projected_topics(),
        ProjectorHandler(layout),
        bootstrap=bootstrap,
        database_url=database_url,
        schema=layout.schema,
        batch_size=BATCH_SIZE,
        namespace=namespace,
    )


def pipeline(runtime: Runtime, layout: Layout | None = None) -> ConsumerPipeline:
    layout = layout or Layout(runtime.service.schema_name(SCHEMA))
    return consumer_pipeline(
        runtime.kafka.servers, runtime.database.url, layout, namespace=runtime.kafka.topic_namespace
    )


class VersionSwapped(Exception):
    """The registry made another version live: the loop restarts on it (docs/adr/0370)."""


def registered_version(database_url: str, schema: str) -> int:
    with psycopg.connect(database_url) as conn:
        return live_version(conn, schema)


def background(runtime: Runtime) -> BackgroundLoop:
    """Consume into the version the registry names live; when a rebuild swaps another one in, stop and let
    the supervisor start again on it (it resumes from the positions the rebuild stored for that version)."""
    current: list[ConsumerPipeline] = []
    versions: list[int] = []
    schema = runtime.service.schema_name(SCHEMA)

    async def start() -> None:
        version = await asyncio.to_thread(registered_version, runtime.database.url, schema)
        layout = Layout(schema, version)
        await asyncio.to_thread(prepare, runtime.database.url, layout)
        current[:] = [pipeline(runtime, layout)]
        versions[:] = [version]
        await current[0].start()

    async def run() -> None:
        consumer = current[0]
        running = asyncio.create_task(consumer.run())
        try:
            while not running.done():
                await asyncio.wait({running}, timeout=REGISTRY_POLL_S)
                if running.done():
                    break
                live = await asyncio.to_thread(registered_version, runtime.database.url, schema)
                if live != versions[0]:
                    # Let the batch in flight commit before the clients close, then restart on the new one.
                    if consumer.consumer is not None:
                        consumer.consumer.stop()
                    await running
                    await stop()
                    raise VersionSwapped(f"version {live} is live now")
            await running
        finally:
            if not running.done():
                running.cancel()

    async def stop() -> None:
        if current:
            await current[0].stop()

    return BackgroundLoop(NAME, start, run, stop)


def live_activity(runtime: Runtime) -> LiveActivity:
    namespace = runtime.kafka.topic_namespace
    return LiveActivity(runtime.kafka.servers, namespace, [namespace + t for t in projected_topics()])


def build(runtime: Runtime) -> FastAPI:
    loop = background(runtime)
    activity = live_activity(runtime)
    runtime.readiness.add("loop", loop.check)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with loop.lifespan(app), activity.lifespan():
            yield

    app = create_app(NAME, VERSION, runtime.readiness, lifespan=lifespan)

    @app.get("/live/activity", summary="Sự kiện mỗi phút theo loại, hai giờ gần nhất (faust, cửa sổ 1 phút)")
    async def activity_per_minute(minutes: Annotated[int, Query(ge=1, le=120)] = 60) -> dict[str, Any]:
        # Wall-clock minutes: this is the machinery's pulse (Kafka record times), not business time.
        now = datetime.now(UTC)
        return {
            "running": activity.running,
            "window_s": WINDOW_S,
            "as_of": now.isoformat(),
            "minutes": [m.as_json() for m in activity.snapshot(now, minutes)],
        }

    return app


if __name__ == "__main__":
    serve(NAME, build)
