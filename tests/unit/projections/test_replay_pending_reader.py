"""``PendingReader``: planning batch k over the planned changes of batch k-1 (not yet written) gives exactly the
changes that planning it after k-1 was written gives (docs/adr/0376, replay pipelining)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

import pytest

from contracts.envelope import DossierEvent, PublicEvent
from projections.readmodels import Changes, MemoryStore, plan
from projections.readmodels.pending import PendingReader
from projections.readmodels.sample_stream import sample_stream
from projections.readmodels.tables import DOSSIER_STATE, ENTITY_STATE


@cache
def stream() -> tuple[PublicEvent, ...]:
    return sample_stream(dossiers=40, seed=376).events


def batches(size: int) -> list[list[PublicEvent]]:
    events = list(stream())
    return [events[i : i + size] for i in range(0, len(events), size)]


def with_dossiers(size: int) -> tuple[list[PublicEvent], list[list[PublicEvent]]]:
    """The reference data the stream opens with, then batches of what follows (dossier events among them)."""
    events = list(stream())
    first = next(i for i, e in enumerate(events) if isinstance(e, DossierEvent))
    rest = events[first:]
    return events[:first], [rest[i : i + size] for i in range(0, len(rest), size)]


def as_data(changes: Changes) -> tuple[dict[str, set[str]], dict[str, dict[tuple[object, ...], Any]]]:
    return changes.purges, changes.rows


class RecordingEvent(threading.Event):
    """Remembers whether anyone waited on it before reading journals."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waited += 1
        return super().wait(timeout)


class JournalSpy(MemoryStore):
    def __init__(self, written: RecordingEvent) -> None:
        super().__init__()
        self.written = written
        self.journal_reads_before_written = 0

    def dossier_journal(self, dossier_ids: Sequence[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        if not self.written.is_set():
            self.journal_reads_before_written += 1
        return super().dossier_journal(dossier_ids)


@pytest.mark.parametrize("size", [7, 23, 101])
def test_planning_over_the_pending_batch_equals_planning_after_it_was_written(size: int) -> None:
    parts = batches(size)
    assert len(parts) > 3
    lagging = MemoryStore()  # holds every batch up to k-2: what the database has committed
    current = MemoryStore()  # holds every batch up to k-1: what the unpipelined replay reads
    pending: Changes | None = None
    compared = 0
    for part in parts:
        expected = plan(part, current)
        if pending is not None:
            written = threading.Event()
            written.set()  # journals of k-1 are read only once it committed: here, the lagging store catches up
            got = plan(
                part, PendingReader(current if _needs_journal(expected) else lagging, pending, written)
            )
            assert as_data(got) == as_data(expected)
            compared += 1
            lagging.write(pending)
        current.write(expected)
        pending = expected
    assert compared == len(parts) - 1


def _needs_journal(changes: Changes) -> bool:
    # A refold (purges) reads whole journals, which the pipeline reads only after batch k-1 has committed.
    return bool(changes.purges)


def test_pending_states_win_and_the_rest_come_from_the_committed_reader() -> None:
    reference, parts = with_dossiers(40)
    first, second = parts[:2]
    committed = MemoryStore()
    committed.apply([*reference, *first])
    pending = plan(second, committed)
    reader = PendingReader(committed, pending, threading.Event())
    touched = sorted(row["dossier_id"] for row in pending.rows[DOSSIER_STATE.stem].values())
    untouched = sorted(
        row["dossier_id"]
        for key, row in committed.tables[DOSSIER_STATE.stem].items()
        if row["dossier_id"] not in touched
    )
    assert touched and untouched
    states = reader.dossier_states([*touched, *untouched, "no-such-dossier"])
    assert set(states) == {*touched, *untouched}
    for dossier_id in touched:
        assert states[dossier_id] == pending.rows[DOSSIER_STATE.stem][(dossier_id,)]["state"]
        assert states[dossier_id] != committed.dossier_states([dossier_id]).get(dossier_id)
    for dossier_id in untouched:
        assert states[dossier_id] == committed.dossier_states([dossier_id])[dossier_id]


def test_entity_states_come_from_the_pending_batch_when_it_wrote_them() -> None:
    events = list(stream())
    committed = MemoryStore()
    pending = plan(events, committed)
    entity_rows = list(pending.rows[ENTITY_STATE.stem].values())
    assert entity_rows
    kind, key = entity_rows[0]["kind"], entity_rows[0]["key"]
    reader = PendingReader(committed, pending, threading.Event())
    assert reader.entity_states(kind, [key, "nothing-here"]) == {key: entity_rows[0]["state"]}
    assert committed.entity_states(kind, [key]) == {}


def test_a_pending_state_is_handed_out_as_a_copy() -> None:
    reference, parts = with_dossiers(40)
    pending = plan([*reference, *parts[0]], MemoryStore())
    reader = PendingReader(MemoryStore(), pending, threading.Event())
    dossier_id = next(iter(pending.rows[DOSSIER_STATE.stem]))[0]
    state = reader.dossier_states([dossier_id])[dossier_id]
    stored = pending.rows[DOSSIER_STATE.stem][(dossier_id,)]["state"]
    assert state == stored and state is not stored
    state["folded"] = -1  # the planner may mutate what it read; the writer's row must not change
    assert stored["folded"] != -1


def test_journals_are_read_only_after_the_batch_before_is_written() -> None:
    written = RecordingEvent()
    committed = JournalSpy(written)
    reference, parts = with_dossiers(40)
    committed.apply([*reference, *parts[0]])
    reader = PendingReader(committed, Changes(), written)
    dossier_id = next(iter(committed.tables[DOSSIER_STATE.stem]))[0]
    result: list[dict[str, list[tuple[str, dict[str, Any]]]]] = []
    worker = threading.Thread(target=lambda: result.append(reader.dossier_journal([dossier_id])))
    worker.start()
    written.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert written.waited == 1 and committed.journal_reads_before_written == 0
    assert result and result[0][dossier_id]
