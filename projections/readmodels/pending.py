"""Fold states as they will be once a batch still being written commits (replay pipelining, docs/adr/0376).

A rebuild plans batch k while batch k-1 is still being written. Every batch before k-1 is committed, so
the database answers for everything k-1 did not touch; the states k-1 wrote are taken from its planned
changes instead. Journals are read only after k-1 commits: a refold needs every journal row, and refolds
are rare in a replay that goes in knowledge-time order.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import orjson

from .batch import StateReader
from .changes import Changes
from .tables import DOSSIER_STATE, ENTITY_STATE


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    # The writer serialises the same dict at the same time: the planner gets its own copy, as it would get
    # from the database (a JSON text parsed anew).
    copied: dict[str, Any] = orjson.loads(orjson.dumps(state))
    return copied


class PendingReader:
    """A ``StateReader``: ``pending``'s states first, ``committed`` (the database) for the rest."""

    def __init__(self, committed: StateReader, pending: Changes, written: threading.Event) -> None:
        self.committed = committed
        self.written = written
        self._dossiers = {
            row["dossier_id"]: row["state"] for row in pending.rows.get(DOSSIER_STATE.stem, {}).values()
        }
        self._entities = {
            (row["kind"], row["key"]): row["state"]
            for row in pending.rows.get(ENTITY_STATE.stem, {}).values()
        }

    def dossier_states(self, dossier_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {i: _copy(self._dossiers[i]) for i in dossier_ids if i in self._dossiers}
        rest = [i for i in dossier_ids if i not in found]
        if rest:
            found.update(self.committed.dossier_states(rest))
        return found

    def dossier_journal(self, dossier_ids: Sequence[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        self.written.wait()
        return self.committed.dossier_journal(dossier_ids)

    def entity_states(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {k: _copy(self._entities[(kind, k)]) for k in keys if (kind, k) in self._entities}
        rest = [k for k in keys if k not in found]
        if rest:
            found.update(self.committed.entity_states(kind, rest))
        return found
