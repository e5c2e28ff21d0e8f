"""Reference data published on the real broker: once per data set, decodable, and enough for the projector.

Each test has its own topic namespace and PostgreSQL schema, so runs never see each other or a demo; both are
dropped afterwards (the broker keeps files open for every partition left behind).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date
from functools import cache

import psycopg
import pytest
from kafka_kit import drop, read_events
from psycopg import sql
from waiting import wait_until_async

from contracts.reference import ProcedureAnnounced, UnitDissolved, UnitEstablished
from contracts.topic_names import REFERENCE_CALENDARS, REFERENCE_PROCEDURES, REFERENCE_UNITS
from intake.reference import load_reference_data
from intake.reference.publication import Publication, build_publication
from projections.readmodels import Layout, ProjectorHandler
from projections.readmodels.tables import ANNOUNCEMENTS, CALENDAR_DAYS, PROCEDURES, UNITS
from services.deployables import by_name
from services.intake import relay
from services.intake.reference_publisher import ReferencePublisher
from services.runtime import kafka
from services.runtime.bootstrap import Runtime, SystemClock
from services.runtime.health import Readiness
from services.runtime.pipelines import declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings

TOPICS = (REFERENCE_UNITS, REFERENCE_PROCEDURES, REFERENCE_CALENDARS)


@cache
def publication() -> Publication:
    return build_publication(load_reference_data())


@pytest.fixture
async def namespace(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"t{uuid.uuid4().hex[:10]}."
    yield name
    await drop(kafka_bootstrap, name)


async def publish(bootstrap: str, database_url: str, schema: str, namespace: str) -> str:
    """One relay start: a fresh publisher and producer, as after a restart."""
    publisher = ReferencePublisher(publication, database_url=database_url, schema=schema, namespace=namespace)
    producer = kafka.producer(bootstrap, "test-intake-relay")
    await producer.start()
    try:
        return (await publisher.publish(producer)).status
    finally:
        await producer.stop()


async def test_publishing_twice_sends_once_and_every_message_decodes(
    kafka_bootstrap: str, database_url: str, pg_schema: str, namespace: str
) -> None:
    await declare_topics(kafka_bootstrap, namespace)
    assert await publish(kafka_bootstrap, database_url, pg_schema, namespace) == "sent"
    assert await publish(kafka_bootstrap, database_url, pg_schema, namespace) == "already-published"

    received = {topic: await read_events(kafka_bootstrap, namespace + topic) for topic in TOPICS}
    expected = publication().events
    assert {t: len(events) for t, events in received.items()} == dict(Counter(e.TOPIC for e in expected))
    every = [event for events in received.values() for event in events]
    assert sorted(str(e.event_id) for e in every) == sorted(str(e.event_id) for e in expected)
    by_id = {e.event_id: e for e in expected}
    assert all(by_id[e.event_id] == e for e in every)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            sql.SQL("SELECT name, version, events FROM {}.reference_publications").format(
                sql.Identifier(pg_schema)
            )
        ).fetchall()
    assert rows == [(publication().name, publication().version, len(expected))]


async def test_the_published_events_fill_the_procedure_and_unit_read_models(
    kafka_bootstrap: str, database_url: str, pg_schema: str, namespace: str
) -> None:
    await declare_topics(kafka_bootstrap, namespace)
    assert await publish(kafka_bootstrap, database_url, pg_schema, namespace) == "sent"
    received = [event for topic in TOPICS for event in await read_events(kafka_bootstrap, namespace + topic)]

    layout = Layout(pg_schema)
    with psycopg.connect(database_url) as conn:
        with conn.transaction():
            ProjectorHandler(layout)(conn, received)

        def one(query: str, *tables: object) -> tuple[object, ...]:
            row = conn.execute(sql.SQL(query).format(*(layout.table(t) for t in tables))).fetchone()  # type: ignore[arg-type]
            assert row is not None
            return tuple(row)

        units = {e.unit_code for e in received if isinstance(e, UnitEstablished)}
        assert one("SELECT count(DISTINCT unit_code) FROM {}", UNITS) == (len(units),)
        dissolved = sum(isinstance(e, UnitDissolved) for e in received)
        assert one("SELECT count(*) FROM {} WHERE dissolved", UNITS) == (dissolved,)
        district = one("SELECT valid_from, valid_to, level FROM {} WHERE unit_code = 'H44.41'", UNITS)
        assert district == (date(2024, 1, 1), date(2025, 6, 30), "DISTRICT")
        ward = one("SELECT parent_code, valid_to FROM {} WHERE unit_code = 'H44.100'", UNITS)
        assert ward == ("H44", None)

        procedures = {e.procedure_code for e in received if isinstance(e, ProcedureAnnounced)}
        assert one("SELECT count(DISTINCT procedure_code) FROM {}", PROCEDURES) == (len(procedures),)
        land = one(
            "SELECT valid_from, publication_state, handling_unit_code FROM {} WHERE procedure_code = '1.012780'",
            PROCEDURES,
        )
        assert land == (date(2025, 6, 20), "PUBLISHED_AMENDED", "H44.06.01")
        assert one("SELECT count(*) FROM {} WHERE published_at IS NOT NULL", ANNOUNCEMENTS) == (
            len(procedures) - 1,  # the 297/2025 inter-agency procedure is announced, not yet published
        )
        assert one("SELECT count(*) FROM {} WHERE calendar_code = 'VN'", CALENDAR_DAYS) == (
            sum(1 for e in received if getattr(e, "calendar_code", None) == "VN" and hasattr(e, "day")),
        )


@pytest.fixture
def relay_schema_prefix(database_url: str) -> Iterator[str]:
    """The intake-relay's schemas live under this prefix and are dropped afterwards."""
    prefix = f"t_{uuid.uuid4().hex[:12]}_"
    yield prefix
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(prefix + "intake")))


async def test_the_intake_relay_publishes_the_reference_data_when_it_starts(
    kafka_bootstrap: str,
    database_url: str,
    namespace: str,
    relay_schema_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runtime = Runtime(
        deployable=by_name(relay.NAME),
        service=ServiceSettings(schema_prefix=relay_schema_prefix),
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap, topic_namespace=namespace),
        database=DatabaseSettings(),
        readiness=Readiness(),
        clock=SystemClock(),
    )
    app = relay.build(runtime)
    schema = relay_schema_prefix + "intake"

    def recorded() -> list[tuple[object, ...]]:
        with psycopg.connect(database_url) as conn:
            exists = conn.execute(
                "SELECT to_regclass(%s)", (f'"{schema}".reference_publications',)
            ).fetchone()
            if not exists or exists[0] is None:
                return []
            query = sql.SQL("SELECT name FROM {}.reference_publications").format(sql.Identifier(schema))
            return [tuple(row) for row in conn.execute(query).fetchall()]

    async def published() -> bool:
        return bool(await asyncio.to_thread(recorded))

    async with app.router.lifespan_context(app):
        await wait_until_async(published, 60, "intake-relay to record the reference publication")
        checks = await runtime.readiness.run()
        assert checks["relay"].ok, checks["relay"].detail
    assert recorded() == [(publication().name,)]
    units = await read_events(kafka_bootstrap, namespace + REFERENCE_UNITS)
    assert len(units) == sum(e.TOPIC == REFERENCE_UNITS for e in publication().events)
