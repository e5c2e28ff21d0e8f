"""Blue/green rebuild on the real broker and server: a rebuild from scratch equals the incrementally built read
model; replaying twice equals replaying once; the swap is atomic and the projector follows it; kill -9 of the
projector mid-stream and a restart give the same digest again.

Each test has its own schema, topic namespace and consumer-group names (``projector.NAME`` is patched).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from functools import cache

import psycopg
import pytest
from replay_kit import drop_topics, positions_total, produce, project, schema_digest
from waiting import wait_until_async

from contracts.envelope import PublicEvent
from projections.readmodels import Layout, MemoryStore, memory_digest, read_models_exist
from projections.readmodels.sample_stream import sample_stream
from projections.registry import live_version, registry_rows
from services.deployables import by_name
from services.projections import projector
from services.projections.replay import rebuild
from services.runtime.bootstrap import Runtime, SystemClock
from services.runtime.health import Readiness
from services.runtime.pipelines import declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings


@cache
def stream() -> tuple[PublicEvent, ...]:
    return sample_stream(dossiers=30, seed=766).events


@cache
def expected_digest() -> str:
    store = MemoryStore()
    store.apply(list(stream()))
    return memory_digest(store)


@pytest.fixture
async def namespace(monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str) -> AsyncIterator[str]:
    ns = f"r{uuid.uuid4().hex[:10]}."
    monkeypatch.setattr(projector, "NAME", f"projector-{ns}")  # never join a running demo's groups
    yield ns
    await drop_topics(kafka_bootstrap, ns)


async def test_a_rebuild_equals_the_incremental_model_is_checked_twice_and_swapped_in(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await declare_topics(kafka_bootstrap, namespace)
    thirds = [
        events[: len(events) // 3],
        events[len(events) // 3 : 2 * len(events) // 3],
        events[2 * len(events) // 3 :],
    ]
    sent = 0
    for part in thirds:  # incremental: the stream arrives in parts and is consumed in small batches
        await produce(kafka_bootstrap, namespace, part)
        sent += len(part)
        await project(kafka_bootstrap, database_url, pg_schema, namespace, 1, sent, 13)
    incremental = schema_digest(database_url, pg_schema, 1)
    assert incremental == expected_digest()

    seen: list[tuple[int, int]] = []
    report = await rebuild(
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        namespace=namespace,
        batch_size=97,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.version == 2 and report.live_version == 1
    assert report.total == len(events) and report.applied == len(events) and report.skipped == 0
    # rebuild = incremental; the second copy (replay twice) = the first; the live one at the same positions too
    assert report.digest == incremental == report.check_digest == report.live_digest
    assert report.deterministic and report.swapped
    assert seen[-1] == (len(events), len(events)) and len(seen) > 2
    with psycopg.connect(database_url) as conn:
        assert live_version(conn, pg_schema) == 2
        rows = registry_rows(conn, pg_schema)
        assert rows[0].live_digest == incremental and rows[0].building_version is None
        assert read_models_exist(conn, Layout(pg_schema, 1))  # the old version stays until dropped
        assert not read_models_exist(conn, Layout(pg_schema, 2 + 10_000))  # the check copy is gone

    # A second rebuild (v3) from the same log: replaying twice equals replaying once.
    again = await rebuild(
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        namespace=namespace,
        check="none",
    )
    assert again.version == 3 and again.digest == incremental and again.swapped


async def test_a_rebuild_that_differs_from_the_live_model_is_not_swapped(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, events)
    await project(kafka_bootstrap, database_url, pg_schema, namespace, 1, len(events), 200)
    with psycopg.connect(database_url) as conn:  # the live model drifted (e.g. a bug fixed since)
        conn.execute(
            f'DELETE FROM "{pg_schema}".dossier_facts_v1 WHERE dossier_id IN '
            f'(SELECT dossier_id FROM "{pg_schema}".dossier_facts_v1 LIMIT 1)'
        )
    report = await rebuild(
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        namespace=namespace,
        check="none",
    )
    assert report.live_digest is not None and report.live_digest != report.digest
    assert not report.deterministic and not report.swapped
    with psycopg.connect(database_url) as conn:
        assert live_version(conn, pg_schema) == 1


async def test_the_projector_follows_the_swap_and_keeps_the_new_version_current(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = stream()
    half = len(events) // 2
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, events[:half])
    monkeypatch.setattr(projector, "SCHEMA", pg_schema)
    monkeypatch.setattr(projector, "REGISTRY_POLL_S", 0.2)
    monkeypatch.setenv("DATABASE_URL", database_url)
    runtime = Runtime(
        deployable=by_name("projector"),
        service=ServiceSettings(),
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap, topic_namespace=namespace),
        database=DatabaseSettings(),
        readiness=Readiness(),
        clock=SystemClock(),
    )
    app = projector.build(runtime)

    def applied(version: int) -> int:
        return positions_total(database_url, pg_schema, projector.consumer_name(version))

    async with app.router.lifespan_context(app):
        await wait_until_async(lambda: asyncio.to_thread(lambda: applied(1) >= half), 120, "v1 to catch up")
        report = await rebuild(
            bootstrap=kafka_bootstrap, database_url=database_url, schema=pg_schema, namespace=namespace
        )
        assert report.swapped and report.version == 2
        await produce(kafka_bootstrap, namespace, events[half:])
        await wait_until_async(
            lambda: asyncio.to_thread(lambda: applied(2) >= len(events)), 120, "the projector to follow v2"
        )
    # The new version got everything, the records produced after the swap from the projector itself.
    assert applied(2) == len(events)
    assert schema_digest(database_url, pg_schema, 2) == expected_digest()


_PROJECTOR = textwrap.dedent(
    """
    import asyncio, sys
    from projections.readmodels import Layout, ProjectorHandler
    from services.projections import projector
    from services.runtime.pipelines import ConsumerPipeline

    name, schema, namespace, bootstrap, url = sys.argv[1:6]
    pipeline = ConsumerPipeline(name, projector.projected_topics(), ProjectorHandler(Layout(schema)),
                                bootstrap=bootstrap, database_url=url, schema=schema, batch_size=5,
                                namespace=namespace)

    async def main():
        await pipeline.start()
        await pipeline.run()

    asyncio.run(main())
    """
)


async def test_kill_9_of_the_projector_mid_stream_then_a_restart_gives_the_same_digest(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, events)
    name = projector.consumer_name(1)
    args = [sys.executable, "-c", _PROJECTOR, name, pg_schema, namespace, kafka_bootstrap, database_url]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}

    first = await asyncio.create_subprocess_exec(*args, env=env)
    try:
        await wait_until_async(
            lambda: asyncio.to_thread(
                lambda: positions_total(database_url, pg_schema, name) >= len(events) // 4
            ),
            120,
            "the projector to be mid-stream",
            interval=0.02,
        )
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    killed_at = positions_total(database_url, pg_schema, name)
    assert killed_at < len(events), "the kill must land mid-stream"

    second = await asyncio.create_subprocess_exec(*args, env=env)
    try:
        await wait_until_async(
            lambda: asyncio.to_thread(lambda: positions_total(database_url, pg_schema, name) >= len(events)),
            120,
            "the restarted projector to catch up",
        )
    finally:
        second.send_signal(signal.SIGKILL)
        await second.wait()
    assert schema_digest(database_url, pg_schema, 1) == expected_digest()
