"""Blue/green rebuild of the read models (docs/adr/0370): version N+1 beside the live version N.

The rebuild reads every partition of the projected topics from the start (or from the first offset at or
after a time) up to the end offsets snapshotted when it starts, and applies the records exactly as the
projector's inbox consumer would (same inbox, same handler, same positions table, under the consumer-group
name of version N+1), so that after the swap the projector resumes version N+1 from those positions. Because
the rebuild stops at fixed offsets, its digest is a function of the log alone: a second rebuild over the same
offsets (the ``twice`` check) must give the same digest, and so must the live version when its projector
stands at the same positions. Only then is the registry swapped, in one transaction.

The records are applied in knowledge-time order across partitions (``TimeMerge``), not partition by
partition: a dossier's events come from six topics, and a rebuild that let one topic run ahead would make
nearly every dossier refold from its journal when the other topics' earlier events arrive (docs/adr/0351).
The order changes what is done, never the result. Fetching and decoding a batch, planning the one before
and writing the one before that overlap (``replay_into``, docs/adr/0376).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from psycopg import sql

from contracts.codec import H_RECORDEDAT, DecodeError, decode
from projections.readmodels import (
    Changes,
    Layout,
    ProjectorHandler,
    StateReader,
    create_read_models,
    digest,
    drop_read_models,
    plan,
    write,
)
from projections.readmodels.pending import PendingReader
from projections.readmodels.postgres import PgReader
from projections.registry import READ_MODELS, begin_build, live_version, record_digest, swap
from services.projections import projector
from services.runtime.consumer import Delivered, Inbox
from services.runtime.pipelines import declare_topics

SCRATCH_OFFSET = 10_000
"""The ``twice`` check builds its second copy as version N+1+SCRATCH_OFFSET, and drops it afterwards."""

Progress = Callable[[int, int], None]
"""Called with (records read, records to read) as the rebuild goes."""


@dataclass
class Rebuild:
    projection: str
    live_version: int
    version: int
    start: dict[TopicPartition, int] = field(default_factory=dict)
    end: dict[TopicPartition, int] = field(default_factory=dict)
    digest: str | None = None
    check: str = "twice"
    check_digest: str | None = None
    live_digest: str | None = None  # only when the live projector stood at the same positions
    applied: int = 0
    skipped: int = 0  # records that are not valid public events (the projector dead-letters them)
    seconds: float = 0.0
    swapped: bool = False

    @property
    def total(self) -> int:
        return sum(self.end[tp] - self.start.get(tp, self.end[tp]) for tp in self.end)

    @property
    def deterministic(self) -> bool:
        return (
            self.digest is not None
            and all(d is None or d == self.digest for d in (self.check_digest, self.live_digest))
            and (self.check != "twice" or self.check_digest is not None)
        )


def drop_version(conn: psycopg.Connection[Any], schema: str, version: int) -> None:
    """Drop a version's tables and its consumer group's inbox and positions."""
    drop_read_models(conn, Layout(schema, version))
    for table in Inbox.table_names(projector.consumer_name(version)):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(schema, table)))


async def log_bounds(
    bootstrap: str, topics: Sequence[str], since: datetime | None
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """Start and end offsets of every partition: the beginning (or the first record at or after ``since``)
    and the end offsets as of now, which the rebuild stops at."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="motcua-replay")
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    partitions = sorted(
        TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
    )
    client = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await client.start()
    try:
        client.assign(partitions)
        end: dict[TopicPartition, int] = await client.end_offsets(partitions)
        start: dict[TopicPartition, int] = await client.beginning_offsets(partitions)
        if since is not None:
            found = await client.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
            start = {tp: (found[tp].offset if found.get(tp) is not None else end[tp]) for tp in partitions}
        return start, end
    finally:
        await client.stop()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def recorded_key(record: ConsumerRecord[bytes, bytes]) -> int:
    """The record's knowledge time (``ce_recordedat``) in microseconds since the epoch, from the header alone;
    -1 when it has none that parses (such a record is dead-lettered by the projector: order is moot)."""
    for name, raw in record.headers or ():
        if name == H_RECORDEDAT or name.lower() == H_RECORDEDAT:
            try:
                moment = datetime.fromisoformat(bytes(raw).decode())
            except (ValueError, UnicodeDecodeError, TypeError):
                return -1
            if moment.utcoffset() is None:
                return -1
            return (moment - _EPOCH) // _MICROSECOND
    return -1


class TimeMerge:
    """Fetched records of many partitions, handed out in knowledge-time order.

    A partition's ``frontier`` is the latest knowledge time fetched from it. A record is handed out once it
    is earlier than every open partition's frontier (nothing still unfetched can sort before it, when each
    partition is in time order), and always after the records before it in its partition, so positions
    only ever cover records handed out. Records of equal time are handed out together. A partition out of
    time order only delays records (its frontier stays high), it never blocks: the partitions at the
    lowest frontier are always fetched, whatever their buffers hold.
    """

    def __init__(self, start: dict[TopicPartition, int], end: dict[TopicPartition, int], low: int) -> None:
        self.end = end
        self.low = low
        self.open = {tp for tp in end if start.get(tp, end[tp]) < end[tp]}
        self.buffers: dict[TopicPartition, deque[tuple[int, ConsumerRecord[bytes, bytes]]]] = {
            tp: deque() for tp in self.open
        }
        self.frontier: dict[TopicPartition, int] = {}

    def add(self, tp: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        if tp not in self.open:
            return
        buffer, end = self.buffers[tp], self.end[tp]
        frontier = self.frontier.get(tp, -1)
        for record in records:
            if record.offset >= end:
                break
            key = recorded_key(record)
            frontier = max(frontier, key)
            buffer.append((key, record))
        self.frontier[tp] = frontier
        if records and records[-1].offset + 1 >= end:
            self.open.discard(tp)

    @property
    def horizon(self) -> float:
        """Records earlier than this can be handed out; an open partition not fetched yet holds all back."""
        if not self.open:
            return float("inf")
        if any(tp not in self.frontier for tp in self.open):
            return float("-inf")
        return min(self.frontier[tp] for tp in self.open)

    def hungry(self) -> list[TopicPartition]:
        """Open partitions to fetch from: those at the horizon, and those whose buffer runs low."""
        horizon = self.horizon
        return sorted(
            tp for tp in self.open if self.frontier.get(tp, -1) <= horizon or len(self.buffers[tp]) < self.low
        )

    @property
    def done(self) -> bool:
        return not self.open and not any(self.buffers.values())

    def take(self, most: int) -> list[ConsumerRecord[bytes, bytes]]:
        """Up to about ``most`` records below the horizon (a run of equal times is never split)."""
        horizon = self.horizon
        ready: list[int] = []
        for buffer in self.buffers.values():
            # A record can go only after those before it in its partition: its time for the cut below is the
            # latest time up to it, or a partition out of time order could set a cut nothing passes (a stall).
            # Those times never decrease along a partition, so its first most+1 decide both whether there is
            # a cut and where: the rest, each behind most+1 no later than itself, cannot be among the first most.
            latest = -1
            for n, (key, _) in enumerate(buffer):
                if key >= horizon or n > most:
                    break
                if key > latest:
                    latest = key
                ready.append(latest)
        if not ready:
            return []
        if len(ready) > most:
            ready.sort()
            horizon = ready[most - 1] + 1  # the run of records at that time goes along
        out: list[ConsumerRecord[bytes, bytes]] = []
        for buffer in self.buffers.values():
            while buffer and buffer[0][0] < horizon:
                out.append(buffer.popleft()[1])
        return out


def positions_after(records: Sequence[ConsumerRecord[bytes, bytes]]) -> dict[TopicPartition, int]:
    """Where each partition resumes once ``records`` (as ``TimeMerge.take`` hands them out, each partition in
    offset order) are applied: one past its last record, counting records that do not decode (the rebuild
    skips them, as the projector dead-letters them)."""
    positions: dict[TopicPartition, int] = {}
    for record in records:
        positions[TopicPartition(record.topic, record.partition)] = record.offset + 1
    return positions


def _connect(database_url: str, autocommit: bool) -> psycopg.Connection[Any]:
    return psycopg.connect(database_url, autocommit=autocommit)


@dataclass
class _Stage:
    """One batch through the pipeline: planned (on the read connection) while the batch before it is written,
    then written (on the write connection) once that one has committed."""

    records: int
    batch: list[Delivered]
    positions: dict[TopicPartition, int]
    planned: asyncio.Future[Changes]
    written: threading.Event = field(default_factory=threading.Event)
    ids: set[str] = field(default_factory=set)
    replanned: bool = False  # its first plan was thrown away: the next batch's overlay was wrong
    redone: bool = False  # the inbox disagreed with the plan: applied the unpipelined way
    task: asyncio.Task[int] | None = None


class _InboxDisagrees(Exception):
    """The inbox knew an event the plan took for new (a duplicate from an earlier batch): roll back, redo."""


def _fresh(batch: Sequence[Delivered], earlier: set[str]) -> list[Delivered]:
    """The first delivery of each event id that the batch before did not carry: what the inbox will admit
    when no older batch carried it either (checked when the batch is written)."""
    fresh: list[Delivered] = []
    taken: set[str] = set()
    for d in batch:
        event_id = str(d.event.event_id)
        if event_id not in taken and event_id not in earlier:
            taken.add(event_id)
            fresh.append(d)
    return fresh


def _plan(
    conn: psycopg.Connection[Any],
    layout: Layout,
    fresh: list[Delivered],
    pending: Changes | None,
    written: threading.Event | None,
) -> Changes:
    reader: StateReader = PgReader(conn, layout)
    if pending is not None and written is not None:
        reader = PendingReader(reader, pending, written)
    return plan([d.event for d in fresh], reader)


def _write(
    conn: psycopg.Connection[Any],
    inbox: Inbox,
    layout: Layout,
    stage: _Stage,
    fresh: list[Delivered],
    changes: Changes,
) -> int:
    """The planned batch in one transaction, exactly as ``_apply`` would write it; raises ``_InboxDisagrees``
    (rolled back) when the inbox does not admit exactly the events planned."""
    with conn.transaction():
        new_ids = inbox.admit(conn, stage.batch)
        if new_ids != {str(d.event.event_id) for d in fresh}:
            raise _InboxDisagrees
        if fresh:
            write(conn, layout, changes)
        inbox.advance(conn, stage.positions)
    return len(fresh)


async def _run_stage(
    stage: _Stage,
    before: _Stage | None,
    reading: psycopg.Connection[Any],
    writing: psycopg.Connection[Any],
    inbox: Inbox,
    handler: ProjectorHandler,
    layout: Layout,
) -> int:
    """Plan ``stage`` over ``before``'s planned changes while ``before`` is written, then write it. Every
    batch before ``before`` has committed (the caller keeps two stages in flight)."""
    try:
        fresh = _fresh(stage.batch, before.ids if before is not None else set())
        overlay = before is not None and not before.written.is_set()
        if overlay:
            assert before is not None
            changes = await asyncio.to_thread(
                _plan, reading, layout, fresh, await before.planned, before.written
            )
        else:
            changes = await asyncio.to_thread(_plan, reading, layout, fresh, None, None)
        stage.planned.set_result(changes)
        if before is not None:
            assert before.task is not None
            await asyncio.wait({before.task})
            if before.task.cancelled() or before.task.exception() is not None:
                raise RuntimeError("the batch before was not applied")  # never commit past a gap
            if overlay and (before.replanned or before.redone):
                stage.replanned = True  # planned over states that were not the ones committed
                changes = await asyncio.to_thread(_plan, reading, layout, fresh, None, None)
        try:
            return await asyncio.to_thread(_write, writing, inbox, layout, stage, fresh, changes)
        except _InboxDisagrees:
            stage.redone = True
            return await asyncio.to_thread(_apply, writing, inbox, handler, stage.batch, stage.positions)
    finally:
        if not stage.planned.done():
            stage.planned.set_exception(RuntimeError("the batch before failed"))
            stage.planned.exception()  # retrieved here: the next stage reports its own failure
        stage.written.set()


def bulk_reader(bootstrap: str) -> AIOKafkaConsumer:
    """A group-less consumer for reading topics from a position to an end with large fetches; the bench's
    raw baseline uses the same one, so the ratio compares the work done, not the fetch settings."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )


async def replay_into(
    bootstrap: str,
    database_url: str,
    schema: str,
    version: int,
    start: dict[TopicPartition, int],
    end: dict[TopicPartition, int],
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Apply the records ``start`` … ``end`` (exclusive) into ``version``; returns (applied, skipped).

    Three things overlap: fetching and decoding batch k+1 (this task), planning batch k (a thread, reading
    on its own connection, over the states batch k-1 is writing) and writing batch k-1 (a thread, one
    transaction per batch, as ``_apply`` does). The rows written are those of applying the batches one by
    one: a batch is replanned when the one before it had to be redone, and redone unpipelined when the
    inbox does not admit exactly the events it planned.
    """
    layout = Layout(schema, version)
    inbox = Inbox(schema, projector.consumer_name(version))
    handler = ProjectorHandler(layout)
    with psycopg.connect(database_url) as conn, conn.transaction():
        create_read_models(conn, layout)
        inbox.create(conn)
    merge = TimeMerge(start, end, low=batch_size)
    total = sum(end[tp] - start[tp] for tp in merge.open)
    done = applied = skipped = 0
    if progress:
        progress(0, total)
    if not merge.open:
        return 0, 0
    client = bulk_reader(bootstrap)
    await client.start()
    writing = await asyncio.to_thread(_connect, database_url, False)
    reading = await asyncio.to_thread(_connect, database_url, True)
    stages: deque[_Stage] = deque()
    last: _Stage | None = None
    loop = asyncio.get_running_loop()

    async def finish(stage: _Stage) -> None:
        nonlocal applied, done
        assert stage.task is not None
        applied += await stage.task
        done += stage.records
        if progress:
            progress(done, total)

    try:
        client.assign(sorted(merge.open))
        for tp in merge.open:
            client.seek(tp, start[tp])
        while not merge.done:
            hungry = merge.hungry()
            if hungry:
                fetched = await client.getmany(*hungry, timeout_ms=500, max_records=4 * batch_size)
                for tp, records in fetched.items():
                    merge.add(tp, records)
            records = merge.take(batch_size)
            if not records:
                continue
            batch: list[Delivered] = []
            positions = positions_after(records)
            for record in records:
                try:
                    event = decode(record.headers or (), record.value or b"")
                except DecodeError:
                    skipped += 1
                    continue
                batch.append(Delivered(event, record.topic, record.partition, record.offset))
            # Two batches in flight: one planned while the one before is written.
            while len(stages) >= 2:
                await finish(stages.popleft())
            stage = _Stage(len(records), batch, positions, loop.create_future())
            stage.ids = {str(d.event.event_id) for d in batch}
            stage.task = asyncio.create_task(
                _run_stage(stage, last, reading, writing, inbox, handler, layout)
            )
            stages.append(stage)
            last = stage
        while stages:
            await finish(stages.popleft())
    finally:
        running = {s.task for s in stages if s.task is not None and not s.task.done()}
        if running:
            await asyncio.wait(running)  # the connections are closed only once their threads are done
        await client.stop()
        await asyncio.to_thread(writing.close)
        await asyncio.to_thread(reading.close)
    return applied, skipped


def _apply(
    conn: psycopg.Connection[Any],
    inbox: Inbox,
    handler: ProjectorHandler,
    batch: list[Delivered],
    positions: dict[TopicPartition, int],
) -> int:
    with conn.transaction():
        new_ids = inbox.admit(conn, batch)
        fresh = []
        for d in batch:
            if str(d.event.event_id) in new_ids:
                new_ids.discard(str(d.event.event_id))
                fresh.append(d)
        if fresh:
            handler(conn, fresh)
        inbox.advance(conn, positions)
    return len(fresh)


def stored_positions(conn: psycopg.Connection[Any], schema: str, version: int) -> dict[TopicPartition, int]:
    table = Inbox.table_names(projector.consumer_name(version))[1]
    exists = conn.execute(
        "SELECT to_regclass(%s)", (sql.Identifier(schema, table).as_string(conn),)
    ).fetchone()
    if not exists or exists[0] is None:
        return {}
    rows = conn.execute(
        sql.SQL("SELECT topic, partition, next_offset FROM {}").format(sql.Identifier(schema, table))
    ).fetchall()
    return {TopicPartition(t, p): o for t, p, o in rows}


def live_digest_at(database_url: str, schema: str, live: int, end: dict[TopicPartition, int]) -> str | None:
    """The live version's digest when its projector stands exactly at ``end`` (one snapshot), else None."""
    with psycopg.connect(database_url) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        positions = stored_positions(conn, schema, live)
        if {tp: o for tp, o in positions.items() if tp in end} != {tp: o for tp, o in end.items() if o > 0}:
            return None
        return digest(conn, schema, live)


async def rebuild(
    *,
    bootstrap: str,
    database_url: str,
    schema: str,
    namespace: str = "",
    projection: str = READ_MODELS,
    since: datetime | None = None,
    check: str = "twice",
    do_swap: bool = True,
    batch_size: int = 1000,
    progress: Progress | None = None,
    check_progress: Progress | None = None,
) -> Rebuild:
    """Build the next version from the log, check its digest, swap it in (see the module docstring)."""
    if projection != READ_MODELS:
        raise ValueError(f"unknown projection {projection!r}: the only one is {READ_MODELS!r}")
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.transaction():
        live = live_version(conn, schema, projection)
        new = live + 1
        drop_version(conn, schema, new)
        begin_build(conn, schema, projection, new)
    await declare_topics(bootstrap, namespace)
    topics = [namespace + t for t in projector.projected_topics()]
    start, end = await log_bounds(bootstrap, topics, since)
    report = Rebuild(projection, live, new, start, end, check=check)
    report.applied, report.skipped = await replay_into(
        bootstrap, database_url, schema, new, start, end, batch_size=batch_size, progress=progress
    )
    with psycopg.connect(database_url) as conn:
        report.digest = digest(conn, schema, new)
    if check == "twice":
        scratch = new + SCRATCH_OFFSET
        with psycopg.connect(database_url) as conn, conn.transaction():
            drop_version(conn, schema, scratch)
        try:
            await replay_into(
                bootstrap,
                database_url,
                schema,
                scratch,
                start,
                end,
                batch_size=batch_size,
                progress=check_progress,
            )
            with psycopg.connect(database_url) as conn:
                report.check_digest = digest(conn, schema, scratch)
        finally:
            with psycopg.connect(database_url) as conn, conn.transaction():
                drop_version(conn, schema, scratch)
    if since is None:
        report.live_digest = await asyncio.to_thread(live_digest_at, database_url, schema, live, end)
    with psycopg.connect(database_url) as conn, conn.transaction():
        record_digest(conn, schema, projection, new, report.digest)
        if do_swap and report.deterministic:
            swap(conn, schema, projection, live, new)
            report.swapped = True
    report.seconds = time.perf_counter() - started
    return report
