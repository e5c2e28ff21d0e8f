"""The deadline watcher's due-index: for each case, when it can next have an alert (ADR 0510).

A projection of the event store: each entry is computed from one version of a case, and the index remembers
how far into the notification log it has read (``position``), so the watcher catches up on what other
processes recorded by reading only the new notifications. Entries only move forward in version, so two
writers (the API saving a command, the worker's watcher) never put an older answer over a newer one.

The in-memory index serves tests and single-process use; services wire one kept in PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class DueEntry:
    """Case ``case_id`` at ``version`` can next have an alert at ``next_alert_at`` (None: not until it
    changes)."""

    case_id: UUID
    version: int
    next_alert_at: datetime | None


class DueIndex(Protocol):
    def position(self) -> int:
        """The last notification id whose case the index has accounted for (0 before any)."""
        ...

    def versions(self, case_ids: Iterable[UUID]) -> dict[UUID, int]:
        """The version each known case was indexed at."""
        ...

    def record(self, entries: Sequence[DueEntry], position: int | None = None) -> None:
        """Keep ``entries`` (unless a newer version is indexed) and, if given, move the position forward."""
        ...

    def due(self, now: datetime, limit: int) -> list[UUID]:
        """Up to ``limit`` cases whose next alert time is at or before ``now``, earliest first."""
        ...

    def close(self) -> None:
        """Release what the index holds (connections)."""
        ...


class InMemoryDueIndex:
    """A ``DueIndex`` in a dict: lost with the process, rebuilt from the notification log by the first pass."""

    def __init__(self) -> None:
        self._entries: dict[UUID, DueEntry] = {}
        self._position = 0
        self._lock = threading.Lock()  # commands run in a thread pool

    def position(self) -> int:
        return self._position

    def versions(self, case_ids: Iterable[UUID]) -> dict[UUID, int]:
        with self._lock:
            return {i: self._entries[i].version for i in case_ids if i in self._entries}

    def record(self, entries: Sequence[DueEntry], position: int | None = None) -> None:
        with self._lock:
            for entry in entries:
                known = self._entries.get(entry.case_id)
                if known is None or known.version <= entry.version:
                    self._entries[entry.case_id] = entry
            if position is not None:
                self._position = max(self._position, position)

    def due(self, now: datetime, limit: int) -> list[UUID]:
        with self._lock:
            ready = [
                (e.next_alert_at, e.case_id)
                for e in self._entries.values()
                if e.next_alert_at is not None and e.next_alert_at <= now
            ]
        return [case_id for _at, case_id in sorted(ready)[:limit]]

    def close(self) -> None:
        pass
