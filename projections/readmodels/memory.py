"""The read model held in memory: the same planner and tables as PostgreSQL, for tests and dry replays.

Rows are kept exactly as the folds produce them, keyed like the tables' primary keys, so the digest of a
memory store equals the digest of a PostgreSQL schema that applied the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from contracts.envelope import PublicEvent

from .batch import plan
from .changes import Changes
from .state import Row
from .tables import DOSSIER_JOURNAL, DOSSIER_STATE, ENTITY_STATE, TABLES, Table


class MemoryStore:
    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[object, ...], Row]] = {t.stem: {} for t in TABLES}

    # -- StateReader ---------------------------------------------------------------------------------------

    def dossier_states(self, dossier_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = self.tables[DOSSIER_STATE.stem]
        return {i: rows[(i,)]["state"] for i in dossier_ids if (i,) in rows}

    def dossier_journal(self, dossier_ids: Sequence[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        wanted = set(dossier_ids)
        journals: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for row in self.tables[DOSSIER_JOURNAL.stem].values():
            if row["dossier_id"] in wanted:
                journals.setdefault(row["dossier_id"], []).append((row["event_type"], row["payload"]))
        return journals

    def entity_states(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = self.tables[ENTITY_STATE.stem]
        return {k: rows[(kind, k)]["state"] for k in keys if (kind, k) in rows}

    # -- writing -------------------------------------------------------------------------------------------

    def write(self, changes: Changes) -> None:
        for table, entities in changes.purged():
            doomed = set(entities)
            rows = self.tables[table.stem]
            for key in [k for k, row in rows.items() if row[table.entity or ""] in doomed]:
                del rows[key]
        for table, new_rows in changes.tables():
            for row in new_rows:
                self.tables[table.stem][table.key_of(row)] = row

    def apply(self, events: Sequence[PublicEvent]) -> Changes:
        changes = plan(events, self)
        self.write(changes)
        return changes

    def apply_in_batches(self, batches: Iterable[Sequence[PublicEvent]]) -> None:
        for batch in batches:
            self.apply(batch)

    # -- reading -------------------------------------------------------------------------------------------

    def rows(self, table: Table) -> list[Row]:
        """Every row of ``table``, in primary-key order."""
        stored = self.tables[table.stem]
        return [stored[k] for k in sorted(stored, key=str)]
