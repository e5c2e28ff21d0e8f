"""The rebuild's knowledge-time merge (services/projections/replay.py, docs/adr/0376) on records built in memory.

``drain`` drives ``TimeMerge`` the way ``replay_into`` does (fetch the hungry partitions, add what came, take
a batch, store ``positions_after`` the batch) against a log held in lists, so the order, the batching and the
positions can be checked without a broker. Times are minutes of one business day so the logs read plainly.

Within a batch the merge keeps each partition's order but not a time order across partitions (the read-model
planner sorts a batch itself), so the checks compare batches, never the order inside one across partitions.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from contracts.codec import H_RECORDEDAT
from services.projections.replay import TimeMerge, positions_after, recorded_key

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime(2026, 3, 9, 8, 0, tzinfo=VN)

Record = ConsumerRecord[bytes, bytes]
Log = dict[TopicPartition, list[Record]]

A, B, C = (TopicPartition("intake.dossiers.v1", p) for p in range(3))
PROCESSING = TopicPartition("processing.dossiers.v1", 0)


def minute(n: int) -> datetime:
    return DAY + timedelta(minutes=n)


def record(tp: TopicPartition, offset: int, at: datetime | bytes | None) -> Record:
    """A record as aiokafka hands it out; ``at`` is its ce_recordedat (raw bytes for a malformed one)."""
    headers: list[tuple[str, bytes]] = [("ce_type", b"vn.gov.motcua.test.v1")]
    if isinstance(at, datetime):
        headers.append((H_RECORDEDAT, at.isoformat().encode()))
    elif isinstance(at, bytes):
        headers.append((H_RECORDEDAT, at))
    return ConsumerRecord(
        topic=tp.topic,
        partition=tp.partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{}",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=2,
        headers=headers,
    )


def log_of(partitions: dict[TopicPartition, Sequence[int | None]], first: int = 0) -> Log:
    """One record per entry, recorded at that minute (None: no header), offsets from ``first`` in list order."""
    return {
        tp: [record(tp, first + i, None if m is None else minute(m)) for i, m in enumerate(minutes)]
        for tp, minutes in partitions.items()
    }


def tp_of(r: Record) -> TopicPartition:
    return TopicPartition(r.topic, r.partition)


def name(r: Record) -> str:
    return f"{r.topic}/{r.partition}@{r.offset}"


@dataclass
class Run:
    batches: list[list[Record]] = field(default_factory=list)
    stored: dict[TopicPartition, int] = field(default_factory=dict)  # the positions table after each batch

    @property
    def records(self) -> list[Record]:
        return [r for b in self.batches for r in b]

    def batch_of(self, tp: TopicPartition, offset: int) -> int:
        return next(i for i, b in enumerate(self.batches) for r in b if tp_of(r) == tp and r.offset == offset)


def drain(
    log: Log,
    *,
    start: dict[TopicPartition, int] | None = None,
    end: dict[TopicPartition, int] | None = None,
    batch: int = 1000,
    fetch: int = 1,
) -> Run:
    """What ``replay_into`` would apply and store; a fetch returns at most ``fetch`` records a partition, read
    from the partition's ``start`` offset on (the fake log holds no record before it)."""
    start = start if start is not None else {tp: rs[0].offset if rs else 0 for tp, rs in log.items()}
    end = end if end is not None else {tp: rs[-1].offset + 1 if rs else start[tp] for tp, rs in log.items()}
    merge = TimeMerge(start, end, low=batch)
    cursor = dict(start)
    run = Run()
    # A round that fetches nothing and hands out nothing changes nothing, so it would repeat for ever; fail
    # at the first such round instead of hanging (replay_into would spin there).
    while not merge.done:
        fetched_any = False
        for tp in merge.hungry():
            fetched = [r for r in log[tp] if r.offset >= cursor[tp]][:fetch]
            if fetched:
                cursor[tp] = fetched[-1].offset + 1
                merge.add(tp, fetched)
                fetched_any = True
        taken = merge.take(batch)
        if taken:
            run.batches.append(taken)
            run.stored.update(positions_after(taken))
            check_stored_positions(run, start)
        elif not fetched_any:
            pytest.fail(
                f"the merge stalled after {len(run.records)} records: {[name(r) for r in run.records]}"
            )
    return run


def check_stored_positions(run: Run, start: dict[TopicPartition, int]) -> None:
    """The stored position of a partition never runs ahead of what was applied: every offset below it, from
    the partition's start, has been applied, and nothing at or above it."""
    applied: dict[TopicPartition, list[int]] = {}
    for r in run.records:
        applied.setdefault(tp_of(r), []).append(r.offset)
    for tp, offsets in applied.items():
        assert offsets == list(range(start[tp], run.stored[tp])), (tp, offsets, run.stored[tp])
    assert set(run.stored) == set(applied)


def effective(log: Log) -> dict[str, int]:
    """Each record's time as the merge can honour it: no earlier than any record before it in its partition."""
    out: dict[str, int] = {}
    for records in log.values():
        latest = -1
        for r in records:
            latest = max(latest, recorded_key(r))
            out[name(r)] = latest
    return out


def check_time_merged(log: Log, run: Run, end: dict[TopicPartition, int] | None = None) -> None:
    """Every record of the range once, each partition in offset order, and the batches in time order: all of
    a batch earlier than all of the next (so records of one time share a batch)."""
    wanted = [r for tp, rs in log.items() for r in rs if end is None or r.offset < end[tp]]
    assert sorted(map(name, run.records)) == sorted(map(name, wanted))
    for tp in log:
        mine = [r.offset for r in run.records if tp_of(r) == tp]
        assert mine == sorted(mine), (tp, mine)
    times = effective(log)
    spans = [(min(times[name(r)] for r in b), max(times[name(r)] for r in b)) for b in run.batches]
    for (_, latest), (earliest, _) in itertools.pairwise(spans):
        assert latest < earliest, [[name(r) for r in b] for b in run.batches]


# --- the header ---------------------------------------------------------------------------------------------


def test_the_key_is_the_recorded_time_in_microseconds_whatever_the_offset_it_was_written_with() -> None:
    at = datetime(2026, 3, 9, 8, 0, 0, 250, tzinfo=VN)
    expected = int(at.timestamp()) * 1_000_000 + 250
    assert recorded_key(record(A, 0, at)) == expected
    assert recorded_key(record(A, 0, at.astimezone(UTC))) == expected
    assert recorded_key(record(A, 0, at + timedelta(microseconds=1))) == expected + 1


@pytest.mark.parametrize(
    "raw",
    [None, b"not a time", b"2026-03-09T08:00:00", b"\xff\xfe"],
    ids=["missing", "garbage", "naive", "not-utf8"],
)
def test_a_record_without_a_usable_recorded_time_gets_the_lowest_key(raw: bytes | None) -> None:
    assert recorded_key(record(A, 0, raw)) == -1
    assert recorded_key(record(A, 0, raw)) < recorded_key(record(A, 0, datetime(1970, 1, 1, tzinfo=UTC)))


# --- order across partitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fetch", [1, 2, 100])
@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_several_partitions_are_interleaved_by_recorded_time(fetch: int, batch: int) -> None:
    log = log_of({A: [1, 4, 7, 10], B: [2, 5, 8], C: [3, 6, 9, 11, 12], PROCESSING: [0, 13]})
    run = drain(log, batch=batch, fetch=fetch)
    check_time_merged(log, run)
    if batch == 1:
        assert [recorded_key(r) for r in run.records] == sorted(
            recorded_key(r) for rs in log.values() for r in rs
        )


def test_a_partition_read_ahead_of_the_others_waits_for_them() -> None:
    # A's whole log arrives in one fetch, the others a record at a time: A may not run ahead of them.
    log = log_of({A: [1, 2, 3, 20, 21], B: [4, 22], C: [5, 6, 23]})
    run = drain(log, batch=1000, fetch=1)
    check_time_merged(log, run)
    assert run.batch_of(A, 3) > run.batch_of(C, 1)  # 08:20 waited for 08:06


def test_a_partition_whose_own_order_disagrees_with_recorded_time_keeps_its_own_order() -> None:
    # A@1 was recorded before A@0 and before everything on B: it still comes after A@0, and B's records
    # recorded between the two go in time order around them.
    log = log_of({A: [10, 5, 20], B: [6, 7, 15, 25]})
    run = drain(log, batch=1000, fetch=1)
    check_time_merged(log, run)
    assert run.batch_of(B, 0) < run.batch_of(A, 0)  # 08:06 before 08:10
    assert run.batch_of(A, 1) == run.batch_of(A, 0)  # 08:05 as soon as A@0 lets it, and no sooner
    assert run.batch_of(A, 2) > run.batch_of(A, 0)
    # Another partition out of order cannot hold back what it does not precede.
    assert run.batch_of(B, 2) <= run.batch_of(A, 2)  # 08:15 no later than 08:20


@pytest.mark.parametrize(
    "minutes, batch",
    [
        ({A: [50, 1, 2, 3, 4, 5], B: [10, 20, 30, 40, 60]}, 2),
        ({A: [10, None], B: [20]}, 1),
    ],
    ids=["earlier-times-behind-a-late-one", "no-header-behind-a-time"],
)
def test_records_behind_a_later_one_in_their_partition_never_stall_the_merge_whatever_the_batch(
    minutes: dict[TopicPartition, list[int | None]], batch: int
) -> None:
    log = log_of(minutes)
    check_time_merged(log, drain(log, batch=batch, fetch=1))


def test_a_partition_far_out_of_time_order_is_merged_when_the_batch_holds_what_is_ready() -> None:
    log = log_of({A: [50, 1, 2, 3, 4, 5], B: [10, 20, 30, 40, 60]})
    run = drain(log, batch=100, fetch=1)
    check_time_merged(log, run)
    # A@1…A@5 (08:01…08:05) wait behind A@0 (08:50), and B's records before 08:50 do not wait for them.
    assert run.batch_of(B, 3) < run.batch_of(A, 0) == run.batch_of(A, 5) <= run.batch_of(B, 4)


# --- ties ---------------------------------------------------------------------------------------------------


def test_equal_times_wait_until_no_more_of_that_time_can_come_and_then_go_together() -> None:
    merge = TimeMerge({A: 0, B: 0}, {A: 3, B: 3}, low=1000)
    merge.add(A, [record(A, 0, minute(5))])
    merge.add(B, [record(B, 0, minute(5))])
    assert merge.take(1000) == []  # either partition could still hold another 08:05
    merge.add(B, [record(B, 1, minute(6))])
    assert merge.take(1000) == []  # A still could
    merge.add(A, [record(A, 1, minute(5))])
    assert merge.take(1000) == []
    merge.add(A, [record(A, 2, minute(8))])  # A is read to its end
    assert sorted(map(name, merge.take(1000))) == [f"{A.topic}/0@0", f"{A.topic}/0@1", f"{B.topic}/1@0"]


@pytest.mark.parametrize("batch", [1, 2, 4])
def test_a_run_of_equal_times_is_never_split_across_batches(batch: int) -> None:
    log = log_of({A: [5, 5, 9], B: [5, 7], C: [3, 5]})
    run = drain(log, batch=batch, fetch=100)
    check_time_merged(log, run)
    fives = {i for i, b in enumerate(run.batches) for r in b if recorded_key(r) == recorded_key(log[A][0])}
    assert len(fives) == 1
    assert sum(recorded_key(r) == recorded_key(log[A][0]) for r in run.batches[fives.pop()]) == 4


# --- records without the header ------------------------------------------------------------------------------


def test_a_record_without_the_header_goes_first_once_every_partition_was_read() -> None:
    log = log_of({A: [None, 10], B: [3]})
    run = drain(log, batch=1, fetch=1)
    check_time_merged(log, run)
    assert [name(r) for r in run.records] == [name(log[A][0]), name(log[B][0]), name(log[A][1])]


def test_a_record_without_the_header_behind_a_timed_one_keeps_its_place_in_its_partition() -> None:
    log = log_of({A: [10, None, 12], B: [3, 11, 20]})
    run = drain(log, batch=1000, fetch=1)
    check_time_merged(log, run)
    assert run.batch_of(A, 1) == run.batch_of(A, 0)
    assert run.batch_of(B, 0) < run.batch_of(A, 0)


# --- positions ----------------------------------------------------------------------------------------------


def test_the_positions_after_a_batch_are_one_past_each_partitions_last_record() -> None:
    records = [record(A, 4, minute(1)), record(B, 9, minute(2)), record(A, 5, minute(3)), record(A, 6, None)]
    assert positions_after(records) == {A: 7, B: 10}
    assert positions_after([]) == {}


def random_log(rng: random.Random, first: int) -> Log:
    """Partitions of up to 30 records in time order with frequent ties; a few begin without the header."""
    minutes: dict[TopicPartition, list[int | None]] = {}
    for tp in (A, B, C, PROCESSING):
        now = rng.randrange(5)
        times: list[int | None] = [None] * rng.choice([0, 0, 0, 1, 2])
        for _ in range(rng.randrange(31)):
            now += rng.choice([0, 0, 1, 2, 5])
            times.append(now)
        minutes[tp] = times
    return log_of(minutes, first)


@pytest.mark.parametrize("seed", range(40))
def test_the_stored_position_of_a_partition_never_runs_ahead_of_what_was_applied(seed: int) -> None:
    rng = random.Random(seed)
    first = rng.choice([0, 17])  # a rebuild ``since`` a time starts inside the log
    log = random_log(rng, first)
    # The rebuild stops at the end offsets seen when it began: records written since are left alone.
    end = {tp: first + max(0, len(rs) - rng.choice([0, 0, 3])) for tp, rs in log.items()}
    start = {tp: first for tp in log}
    batch, fetch = rng.choice([1, 2, 5, 1000]), rng.choice([1, 3, 50])
    run = drain(log, start=start, end=end, batch=batch, fetch=fetch)  # checks positions after every batch
    check_time_merged(log, run, end)
    assert run.stored == {tp: end[tp] for tp in log if end[tp] > start[tp]}
