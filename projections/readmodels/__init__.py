"""Read models over every public topic (issue 7, item 1): dossier facts with as-of history, the clock ledger,
the procedure catalogue and unit hierarchy, petitions, ratings, portal syncs, postal shipments, calendars
and the dashboard views; the batch handler for the inbox consumer and a digest of canonical rows.

Design records: docs/adr/0350–0353.
"""

from __future__ import annotations

from .batch import StateReader, plan
from .changes import Changes
from .ddl import VIEW_STEMS, create_read_models, drop_read_models
from .digest import digest, memory_digest, memory_table_digests, table_digests
from .memory import MemoryStore
from .postgres import DEFAULT_SCHEMA, ProjectorHandler, apply_events, handle, read_models_exist, write
from .queries import clock_ledger, dossier_as_of, dossier_history
from .tables import READ_MODEL_VERSION, TABLES, Layout, Table

__all__ = [
    "DEFAULT_SCHEMA",
    "READ_MODEL_VERSION",
    "TABLES",
    "VIEW_STEMS",
    "Changes",
    "Layout",
    "MemoryStore",
    "ProjectorHandler",
    "StateReader",
    "Table",
    "apply_events",
    "clock_ledger",
    "create_read_models",
    "digest",
    "dossier_as_of",
    "dossier_history",
    "drop_read_models",
    "handle",
    "memory_digest",
    "memory_table_digests",
    "plan",
    "read_models_exist",
    "table_digests",
    "write",
]
