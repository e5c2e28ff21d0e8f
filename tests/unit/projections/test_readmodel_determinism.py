"""The read model depends only on the set of events applied: not on how topics and partitions interleave, not
on batch boundaries, not on replays (docs/adr/0351)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.envelope import DossierEvent, PublicEvent
from projections.readmodels import MemoryStore, memory_digest, memory_table_digests
from projections.readmodels.sample_stream import sample_stream
from projections.readmodels.tables import DOSSIER_FACT_VERSIONS, DOSSIER_JOURNAL


@cache
def stream() -> tuple[PublicEvent, ...]:
    return sample_stream(dossiers=14, seed=11).events


@cache
def baseline() -> dict[str, str]:
    store = MemoryStore()
    store.apply(list(stream()))
    return memory_table_digests(store)


def partition_order(events: tuple[PublicEvent, ...], rnd: random.Random) -> list[PublicEvent]:
    """A delivery Kafka could make: each (topic, key) stays in order, everything else interleaves freely."""
    queues: dict[tuple[str, str], list[PublicEvent]] = defaultdict(list)
    for event in events:
        queues[(event.TOPIC, event.key())].append(event)
    pending = [list(q) for q in queues.values()]
    out = []
    while pending:
        queue = rnd.choice(pending)
        out.append(queue.pop(0))
        if not queue:
            pending.remove(queue)
    return out


def batches(events: list[PublicEvent], rnd: random.Random, largest: int) -> list[list[PublicEvent]]:
    out, i = [], 0
    while i < len(events):
        size = rnd.randint(1, largest)
        out.append(events[i : i + size])
        i += size
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), largest=st.integers(min_value=1, max_value=400))
def test_any_partition_respecting_delivery_in_any_batches_gives_the_same_tables(
    seed: int, largest: int
) -> None:
    rnd = random.Random(seed)
    store = MemoryStore()
    store.apply_in_batches(batches(partition_order(stream(), rnd), rnd, largest))
    digests = memory_table_digests(store)
    assert {t: d for t, d in digests.items() if d != baseline()[t]} == {}


def test_a_dossier_event_arriving_after_later_ones_rewrites_the_history_as_if_in_order() -> None:
    events = list(stream())
    processing = [e for e in events if e.TOPIC == "processing.dossiers.v1"]
    others = [e for e in events if e.TOPIC != "processing.dossiers.v1"]
    store = MemoryStore()
    store.apply(others)  # every other topic first: the processing events all arrive "late"
    before = memory_table_digests(store)
    store.apply(processing)
    assert before != baseline()
    assert memory_table_digests(store) == baseline()
    known = defaultdict(list)
    for version in store.rows(DOSSIER_FACT_VERSIONS):
        known[version["dossier_id"]].append((version["revision"], version["known_at"]))
    for revisions in known.values():
        assert [k for _, k in sorted(revisions)] == sorted(k for _, k in revisions)


def test_replaying_everything_again_changes_nothing_even_without_the_inbox() -> None:
    events = list(stream())
    store = MemoryStore()
    store.apply(events)
    once = memory_digest(store)
    store.apply(events)
    store.apply_in_batches([[e] for e in reversed(events) if isinstance(e, DossierEvent)])
    assert memory_digest(store) == once
    assert len(store.rows(DOSSIER_JOURNAL)) == sum(isinstance(e, DossierEvent) for e in events)


def test_the_digest_sees_a_changed_fact() -> None:
    events = list(stream())
    received = next(e for e in events if e.event_type.endswith("dossier-received.v1"))
    moved = received.model_copy(update={"due_at": received.due_at + timedelta(hours=1)})  # type: ignore[attr-defined]
    store = MemoryStore()
    store.apply([moved if e is received else e for e in events])
    assert memory_digest(store) != combine_baseline()


def combine_baseline() -> str:
    store = MemoryStore()
    store.apply(list(stream()))
    return memory_digest(store)
