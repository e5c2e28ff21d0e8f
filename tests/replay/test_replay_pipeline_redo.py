"""The pipelined rebuild (docs/adr/0376) on the real broker and server when the log carries duplicates.

A relay that resends after a crash puts events into the log twice, the copies far behind the originals.
The rebuild plans each batch before the one ahead of it has committed, taking for new every event the batch
before did not carry; a copy of an older event makes the inbox disagree, and that batch is redone the
unpipelined way (and the batch after it replanned). The read model must be that of the events applied once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from replay_kit import drop_topics, produce

from contracts.envelope import PublicEvent
from projections.readmodels import MemoryStore, memory_digest
from projections.readmodels.sample_stream import sample_stream
from services.projections import projector, replay
from services.projections.replay import rebuild
from services.runtime.pipelines import declare_topics


@pytest.fixture
async def namespace(monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str) -> AsyncIterator[str]:
    ns = f"rp{uuid.uuid4().hex[:10]}."
    monkeypatch.setattr(projector, "NAME", f"projector-{ns}")  # never join a running demo's groups
    yield ns
    await drop_topics(kafka_bootstrap, ns)


async def test_copies_of_older_events_are_applied_once_and_the_digest_is_that_of_the_originals(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: tuple[PublicEvent, ...] = sample_stream(dossiers=30, seed=376).events
    copies = list(events[: len(events) // 2 : 7])
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, events)
    await produce(kafka_bootstrap, namespace, copies)  # at the ends of their partitions

    redone: list[int] = []
    unpipelined = replay._apply

    def counting_apply(*args: Any) -> int:
        redone.append(1)
        return unpipelined(*args)

    monkeypatch.setattr(replay, "_apply", counting_apply)
    report = await rebuild(
        bootstrap=kafka_bootstrap,
        database_url=database_url,
        schema=pg_schema,
        namespace=namespace,
        check="twice",
        do_swap=False,
        batch_size=29,
    )
    store = MemoryStore()
    store.apply(list(events))
    assert report.total == len(events) + len(copies)
    assert report.applied == len(events) and report.skipped == 0
    assert report.digest == memory_digest(store) == report.check_digest
    assert redone, "no batch met a copy of an event from two batches back: the redo path went untested"
