"""What every keyed, single-partition entity fold shares: sequence guard, revisions, changed-row emission.

Procedures, units, calendars and petitions are each keyed by their own code on their own topic, so one
entity's events arrive in ``seq`` order; the fold skips what it has already applied (``last_seq``), which
makes a replay of the same events a no-op even without the consumer's inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from contracts.envelope import PublicEvent

from .state import FoldState, Row, business_time
from .tables import Table


class KeyedState(FoldState):
    """Fold state of a keyed entity: the last sequence applied and the last revision appended."""

    last_seq: int = 0
    revision: int = -1


S = TypeVar("S", bound=KeyedState)
Ev = TypeVar("Ev", bound=PublicEvent)


@dataclass
class EntityOutput:
    """Rows to upsert, by table stem, in the order they were produced."""

    rows: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: Table, row: Row) -> None:
        self.rows.setdefault(table.stem, []).append(row)


@dataclass(frozen=True)
class Versioned:
    """A collection of the entity rendered as rows keyed by its primary key, current and history tables."""

    current: Table
    history: Table | None
    render: Callable[[], Mapping[tuple[object, ...], Row]]


def fold_entity(
    state: S,
    events: Iterable[Ev],
    apply: Callable[[S, Ev], None],
    collections: Callable[[S], Iterable[Versioned]],
) -> EntityOutput:
    """Apply the events not applied yet; after each, append one revision to every row that changed."""
    out = EntityOutput()
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq <= state.last_seq:
            continue
        before = {c.current.stem: dict(c.render()) for c in collections(state)}
        apply(state, event)
        state.last_seq = event.seq
        known_at = business_time(event.recorded_at)
        changed: list[tuple[Versioned, Row]] = []
        for collection in collections(state):
            previous = before.get(collection.current.stem, {})
            for key, row in sorted(collection.render().items(), key=lambda kv: str(kv[0])):
                if previous.get(key) != row:
                    changed.append((collection, row))
        if not changed:
            continue
        state.revision += 1
        revision = state.revision
        for collection, row in changed:
            stamped = _stamp(collection, row, revision, known_at)
            out.add(collection.current, stamped)
            if collection.history is not None:
                out.add(collection.history, stamped)
    return out


def _stamp(collection: Versioned, row: Row, revision: int, known_at: datetime) -> Row:
    if collection.history is None:
        return {**row, "known_at": known_at}
    return {**row, "revision": revision, "known_at": known_at}
