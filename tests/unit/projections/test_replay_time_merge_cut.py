"""``TimeMerge.take`` looks at no more than most+1 records of a partition to place its cut (docs/adr/0376):
the records it hands out must be those of the plain rule, checked against the rule written out in full."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from services.projections.replay import TimeMerge

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def record(tp: TopicPartition, offset: int, minute: int) -> ConsumerRecord[bytes, bytes]:
    at = (BASE + timedelta(minutes=minute)).isoformat().encode()
    return ConsumerRecord(
        tp.topic, tp.partition, offset, 0, 0, b"k", b"v", None, 1, 1, [("ce_recordedat", at)]
    )


def rule(merge: TimeMerge, most: int) -> list[tuple[int, int]]:
    """Every buffered record below the horizon, by its partition's latest time so far; more than ``most`` of
    them: only those up to the most-th smallest such time (and its ties). Each partition in offset order."""
    horizon = merge.horizon
    times: list[list[int]] = []
    for buffer in merge.buffers.values():
        latest, mine = -1, []
        for key, _ in buffer:
            if key >= horizon:
                break
            latest = max(latest, key)
            mine.append(latest)
        times.append(mine)
    flat = sorted(t for mine in times for t in mine)
    if not flat:
        return []
    if len(flat) > most:
        horizon = flat[most - 1] + 1
    out = []
    for buffer in merge.buffers.values():
        for key, r in buffer:
            if key >= horizon:
                break
            out.append((r.partition, r.offset))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_take_hands_out_what_the_rule_says(seed: int) -> None:
    rnd = random.Random(seed)
    tps = [TopicPartition("t", i) for i in range(rnd.randint(1, 6))]
    logs = {}
    for tp in tps:
        minute, records = 0, []
        for offset in range(rnd.randint(0, 80)):
            # mostly in time order, with runs of equal times and now and then a record from the past
            minute += rnd.choice([0, 0, 1, 2, 5]) if rnd.random() > 0.1 else -rnd.randint(0, 10)
            records.append(record(tp, offset, minute))
        logs[tp] = records
    merge = TimeMerge({tp: 0 for tp in tps}, {tp: len(logs[tp]) for tp in tps}, rnd.randint(1, 8))
    fetched = {tp: 0 for tp in tps}
    taken = 0
    for _ in range(1000):
        if merge.done:
            break
        for tp in merge.hungry():
            chunk = logs[tp][fetched[tp] : fetched[tp] + rnd.randint(1, 9)]
            fetched[tp] += len(chunk)
            merge.add(tp, chunk)
        most = rnd.randint(1, 12)
        expected = rule(merge, most)
        got = [(r.partition, r.offset) for r in merge.take(most)]
        assert got == expected
        taken += len(got)
    assert merge.done and taken == sum(len(records) for records in logs.values())
