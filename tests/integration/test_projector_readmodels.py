"""The projector on the real broker and server: a realistic stream of ~30 dossiers through every public topic
into the read models; rebuild = incremental; replay = once; the bridge feeds the 766 engine.

Each test has its own PostgreSQL schema and its own topic namespace (and consumer-group names), so runs never
see each other or a running demo.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from functools import cache

import psycopg
import pytest
from kafka_kit import drop, publish
from psycopg import sql
from waiting import wait_until_async

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from contracts.topics import TOPICS
from projections.facts_bridge import fact_base, load_fact_base, memory_rows
from projections.index766 import DurationUnit, Period, Policy, StatutoryDuration, default_ruleset, evaluate
from projections.readmodels import (
    VIEW_STEMS,
    Layout,
    MemoryStore,
    ProjectorHandler,
    apply_events,
    clock_ledger,
    create_read_models,
    digest,
    dossier_as_of,
    dossier_history,
    drop_read_models,
    memory_digest,
    memory_table_digests,
    read_models_exist,
    table_digests,
)
from projections.readmodels.sample_stream import (
    PROVINCE,
    is_working_day,
    sample_stream,
    working_days_after,
)
from projections.readmodels.tables import DOSSIER_FACTS, DOSSIER_JOURNAL, PETITIONS, UNITS
from services.deployables import by_name
from services.projections import projector
from services.runtime.bootstrap import Runtime, SystemClock
from services.runtime.consumer import Inbox
from services.runtime.health import Readiness
from services.runtime.pipelines import ConsumerPipeline, declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings

MARCH = Period.month(2026, 3)
EVALUATED = datetime(2026, 4, 15, 12, tzinfo=BUSINESS_TZ)


@cache
def stream() -> tuple[PublicEvent, ...]:
    return sample_stream(dossiers=30, seed=766).events


@cache
def expected_digest() -> str:
    store = MemoryStore()
    store.apply(list(stream()))
    return memory_digest(store)


class SampleCalendar:
    """The sample stream's working calendar (Monday–Friday minus its holidays), for the engine."""

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        a, b = start.astimezone(BUSINESS_TZ).date(), end.astimezone(BUSINESS_TZ).date()
        low, high = min(a, b), max(a, b)
        count = sum(is_working_day(low + timedelta(days=n)) for n in range(1, (high - low).days + 1))
        return count if a <= b else -count

    def deadline(self, start: datetime, duration: StatutoryDuration) -> datetime:
        if duration.unit is DurationUnit.SAME_DAY:
            return working_days_after(start, 0)
        if duration.unit is DurationUnit.WORKING_DAY and duration.value == int(duration.value):
            return working_days_after(start, int(duration.value))
        raise NotImplementedError(f"the sample calendar does not count {duration}")


@pytest.fixture
async def namespace(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"t{uuid.uuid4().hex[:10]}."
    yield name
    await drop(kafka_bootstrap, name)


@pytest.fixture
def second_schema(database_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield schema
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


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


def projector_pipeline(
    name: str, bootstrap: str, database_url: str, schema: str, namespace: str, batch_size: int
) -> ConsumerPipeline:
    return ConsumerPipeline(
        name,
        projector.projected_topics(),
        ProjectorHandler(Layout(schema)),
        bootstrap=bootstrap,
        database_url=database_url,
        schema=schema,
        batch_size=batch_size,
        namespace=namespace,
    )


async def consume_until(pipeline: ConsumerPipeline, done: Callable[[], Awaitable[bool]]) -> None:
    await pipeline.start()
    task = asyncio.create_task(pipeline.run())
    try:
        await wait_until_async(done, 120, "the projector to apply every message")
    finally:
        await pipeline.stop()
        task.cancel()
        try:
            await task
        except BaseException:  # noqa: BLE001 - cancelled
            pass


async def project(
    name: str, kafka_bootstrap: str, database_url: str, schema: str, namespace: str, messages: int, batch: int
) -> None:
    async def caught_up() -> bool:
        return await asyncio.to_thread(positions_total, database_url, schema, name) >= messages

    await consume_until(
        projector_pipeline(name, kafka_bootstrap, database_url, schema, namespace, batch), caught_up
    )


def schema_digest(database_url: str, schema: str) -> str:
    with psycopg.connect(database_url) as conn:
        return digest(conn, schema)


# --------------------------------------------------------------------------------------------------------------


async def test_the_projector_builds_every_read_model_from_every_topic(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    assert {e.TOPIC for e in events} == {t.name for t in TOPICS}  # the sample really uses every topic
    await publish(kafka_bootstrap, namespace, events)
    await project(
        f"projector-{namespace}", kafka_bootstrap, database_url, pg_schema, namespace, len(events), 200
    )

    layout = Layout(pg_schema)
    with psycopg.connect(database_url) as conn:
        count = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(layout.table(DOSSIER_FACTS))
        ).fetchone()
        assert count is not None and count[0] == 30
        statuses: dict[str, int] = dict(
            conn.execute(
                sql.SQL("SELECT status, count(*) FROM {} GROUP BY status").format(layout.table(DOSSIER_FACTS))
            ).fetchall()
        )
        assert statuses["RETURNED"] > 15 and {"REFUSED", "STOPPED", "AWAITING_SUPPLEMENT"} <= statuses.keys()
        journal = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(layout.table(DOSSIER_JOURNAL))
        ).fetchone()
        assert journal is not None and journal[0] == sum(1 for e in events if hasattr(e, "dossier_id"))
        for table in (UNITS, PETITIONS):
            rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(layout.table(table))).fetchone()
            assert rows is not None and rows[0] > 0
        for stem in VIEW_STEMS:  # every dashboard answers over the real rows
            conn.execute(sql.SQL("SELECT * FROM {}").format(layout.table(stem))).fetchall()
        timeliness = conn.execute(
            sql.SQL("SELECT sum(received), sum(early + on_time), sum(late) FROM {}").format(
                layout.table("dashboard_timeliness")
            )
        ).fetchone()
        assert timeliness is not None and timeliness[0] == 29 and timeliness[1] > 0 and timeliness[2] > 0
        sla = conn.execute(
            sql.SQL("SELECT sum(shipments), sum(within_sla) FROM {}").format(
                layout.table("dashboard_postal_sla")
            )
        ).fetchone()
        assert sla is not None and sla[0] > 0
        # PostgreSQL holds exactly what the pure fold computes from the same events.
        tables = table_digests(conn, layout)
    store = MemoryStore()
    store.apply(list(events))
    assert {t: d for t, d in tables.items() if d != memory_table_digests(store)[t]} == {}
    assert schema_digest(database_url, pg_schema) == expected_digest()


async def test_a_rebuild_from_scratch_equals_the_incrementally_built_read_model(
    database_url: str, kafka_bootstrap: str, pg_schema: str, second_schema: str, namespace: str
) -> None:
    events = stream()
    await declare_topics(kafka_bootstrap, namespace)
    live = f"projector-live-{namespace}"
    # Incremental: the stream arrives in three parts, consumed in small batches as it comes.
    thirds = [
        events[: len(events) // 3],
        events[len(events) // 3 : 2 * len(events) // 3],
        events[2 * len(events) // 3 :],
    ]
    sent = 0
    for part in thirds:
        await publish(kafka_bootstrap, namespace, part, declare=False)
        sent += len(part)
        await project(live, kafka_bootstrap, database_url, pg_schema, namespace, sent, 17)
    incremental = schema_digest(database_url, pg_schema)

    # Rebuild: a fresh consumer group into an empty schema, everything at once in large batches.
    await project(
        f"projector-rebuild-{namespace}",
        kafka_bootstrap,
        database_url,
        second_schema,
        namespace,
        len(events),
        1000,
    )
    assert schema_digest(database_url, second_schema) == incremental == expected_digest()


async def test_replaying_the_same_messages_twice_changes_nothing(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await publish(kafka_bootstrap, namespace, events)
    name = f"projector-{namespace}"
    await project(name, kafka_bootstrap, database_url, pg_schema, namespace, len(events), 300)
    once = schema_digest(database_url, pg_schema)

    # The same messages again (a relay re-sending after a crash): the inbox drops them.
    await publish(kafka_bootstrap, namespace, events, declare=False)
    await project(name, kafka_bootstrap, database_url, pg_schema, namespace, 2 * len(events), 300)
    assert schema_digest(database_url, pg_schema) == once

    # And a replay through another consumer (its own, empty inbox) into the same tables: the folds
    # themselves recognise what they already applied.
    await project(
        f"replayer-{namespace}", kafka_bootstrap, database_url, pg_schema, namespace, 2 * len(events), 50
    )
    assert schema_digest(database_url, pg_schema) == once == expected_digest()


async def test_the_bridge_feeds_the_766_engine_from_postgresql(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await publish(kafka_bootstrap, namespace, events)
    await project(
        f"projector-{namespace}", kafka_bootstrap, database_url, pg_schema, namespace, len(events), 250
    )

    calendar = SampleCalendar()
    with psycopg.connect(database_url) as conn:
        facts = load_fact_base(conn, pg_schema, PROVINCE, MARCH, None)
        known_early = datetime(2026, 3, 9, 12, tzinfo=BUSINESS_TZ)
        facts_early = load_fact_base(conn, pg_schema, PROVINCE, MARCH, known_early)
        commune = load_fact_base(conn, pg_schema, "H44.100", MARCH, None)

    result = evaluate(facts, PROVINCE, MARCH, default_ruleset(), Policy(), EVALUATED, None, calendar=calendar)
    progress = result.indicator("DOSSIER_ON_TIME")
    assert progress.denominator == 29 and 0 < progress.numerator < 29  # one dossier was refused at intake
    assert result.total > 0
    assert all(g.points >= 0 for g in result.groups)

    # The same facts as the pure bridge over the same events, revision for revision.
    store = MemoryStore()
    store.apply(list(events))
    memory = fact_base(memory_rows(store, None))
    received = [d for d in memory.dossiers if d.received_at is not None]
    assert sorted(facts.dossiers, key=lambda d: d.dossier_id) == sorted(received, key=lambda d: d.dossier_id)

    # As known on 9 March: only what had been recorded by then, with the revisions current then.
    assert len(facts_early.dossiers) < len(facts.dossiers)
    assert all(d.known_at <= known_early for d in facts_early.dossiers)
    early = evaluate(
        facts_early, PROVINCE, MARCH, default_ruleset(), Policy(), EVALUATED, known_early, calendar=calendar
    )
    assert early.indicator("DOSSIER_ON_TIME").denominator < progress.denominator

    # A commune's subtree brings only its own dossiers.
    assert commune.dossiers and {d.unit_code for d in commune.dossiers} == {"H44.100"}


async def test_one_dossier_reads_back_as_known_at_any_time_with_its_ledger(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await publish(kafka_bootstrap, namespace, events)
    await project(
        f"projector-{namespace}", kafka_bootstrap, database_url, pg_schema, namespace, len(events), 250
    )
    layout = Layout(pg_schema)
    with psycopg.connect(database_url) as conn:
        first_finished = conn.execute(
            sql.SQL("SELECT min(dossier_id::text) FROM {} WHERE finished_at IS NOT NULL").format(
                layout.table(DOSSIER_FACTS)
            )
        ).fetchone()
        assert first_finished is not None
        dossier_id = first_finished[0]
        history = dossier_history(conn, layout, dossier_id)
        result_revision = next(r for r in history if r["finished_at"] is not None)
        just_before = result_revision["known_at"] - timedelta(microseconds=1)
        before = dossier_as_of(conn, layout, dossier_id, just_before)
        at_result = dossier_as_of(conn, layout, dossier_id, result_revision["known_at"])
        now = dossier_as_of(conn, layout, dossier_id, None)
        nothing = dossier_as_of(conn, layout, dossier_id, history[0]["known_at"] - timedelta(seconds=1))
        ledger = clock_ledger(conn, layout, dossier_id)
    assert before is not None and before["finished_at"] is None
    assert before["revision"] == result_revision["revision"] - 1
    assert at_result is not None and at_result["finished_at"] == result_revision["finished_at"]
    assert now is not None and now["revision"] == history[-1]["revision"]
    assert nothing is None
    kinds = [entry["kind"] for entry in ledger]
    assert kinds[0] == "RECEIVED" and "RESULT_ISSUED" in kinds
    assert [entry["ordinal"] for entry in ledger] == sorted(entry["ordinal"] for entry in ledger)


async def test_the_projector_deployable_consumes_and_reports_its_loop_in_readiness(
    database_url: str,
    kafka_bootstrap: str,
    pg_schema: str,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert projector.projected_topics() == [t.name for t in TOPICS]
    assert not any(t.endswith(".dlq") for t in projector.projected_topics())
    events = stream()
    await publish(kafka_bootstrap, namespace, events)
    group = f"projector-{namespace}"
    monkeypatch.setattr(projector, "NAME", group)  # never join a running demo's consumer group
    monkeypatch.setattr(projector, "SCHEMA", pg_schema)
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
    assert "loop" in runtime.readiness.checks

    async def caught_up() -> bool:
        return await asyncio.to_thread(positions_total, database_url, pg_schema, group) >= len(events)

    async with app.router.lifespan_context(app):
        await wait_until_async(caught_up, 120, "the projector deployable to project the stream")
        checks = await runtime.readiness.run()
        assert checks["loop"].ok, checks["loop"].detail
    assert schema_digest(database_url, pg_schema) == expected_digest()


def test_a_second_version_is_built_beside_the_first_and_the_old_one_dropped(
    database_url: str, pg_schema: str
) -> None:
    v1, v2 = Layout(pg_schema, 1), Layout(pg_schema, 2)
    events = list(stream())
    with psycopg.connect(database_url) as conn:
        for layout in (v1, v2):
            with conn.transaction():
                create_read_models(conn, layout)
                apply_events(conn, layout, events)
        assert digest(conn, pg_schema, 1) == digest(conn, pg_schema, 2) == expected_digest()
        with conn.transaction():
            drop_read_models(conn, v1)
        assert not read_models_exist(conn, v1) and read_models_exist(conn, v2)
        assert digest(conn, pg_schema, 2) == expected_digest()
