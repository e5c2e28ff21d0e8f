"""The read model on PostgreSQL: reading fold states, writing a batch's changes, the consumer's handler.

The handler runs inside the inbox consumer's transaction (ADR 0003) and never commits. Per batch it reads
the fold states it needs (one query per kind), then writes one statement per table: a purge ``DELETE … =
ANY(…)`` for refolded dossiers and one upsert of all the table's rows, sent as a single JSON array that the
server turns into rows of the table's own type (``jsonb_populate_recordset``). One statement per table
instead of one per row is what lets a replay go faster than a few thousand events a second (docs/adr/0375);
orjson writes the array, and every column keeps the value it had as a parameter (times with their offset,
decimals as written, arrays and JSON as such).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from contracts.envelope import PublicEvent

from .batch import plan
from .changes import Changes
from .ddl import create_read_models
from .tables import DOSSIER_JOURNAL, DOSSIER_STATE, ENTITY_STATE, Layout, Table

DEFAULT_SCHEMA = "projections"


def _loads(text: str) -> Any:
    """A stored JSON column read as text and parsed by orjson (the driver's default is the slower ``json``).
    The one difference, integers past 64 bits coming back as floats, cannot arise: fold states hold
    sequences, counts and VND amounts that fit the tables' bigint columns."""
    return orjson.loads(text)


class PgReader:
    def __init__(self, conn: psycopg.Connection[Any], layout: Layout) -> None:
        self.conn = conn
        self.layout = layout

    def dossier_states(self, dossier_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        cur = self.conn.execute(
            sql.SQL("SELECT dossier_id::text, state::text FROM {} WHERE dossier_id = ANY(%s::uuid[])").format(
                self.layout.table(DOSSIER_STATE)
            ),
            (list(dossier_ids),),
        )
        return {row[0]: _loads(row[1]) for row in cur.fetchall()}

    def dossier_journal(self, dossier_ids: Sequence[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        cur = self.conn.execute(
            sql.SQL(
                "SELECT dossier_id::text, event_type, payload::text FROM {} WHERE dossier_id = ANY(%s::uuid[])"
            ).format(self.layout.table(DOSSIER_JOURNAL)),
            (list(dossier_ids),),
        )
        journals: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for dossier_id, event_type, payload in cur.fetchall():
            journals.setdefault(dossier_id, []).append((event_type, _loads(payload)))
        return journals

    def entity_states(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        cur = self.conn.execute(
            sql.SQL("SELECT key, state::text FROM {} WHERE kind = %s AND key = ANY(%s::text[])").format(
                self.layout.table(ENTITY_STATE)
            ),
            (kind, list(keys)),
        )
        return {row[0]: _loads(row[1]) for row in cur.fetchall()}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # numeric columns read the text as written: no float on the way
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _rows_json(rows: Any) -> bytes:
    try:
        return orjson.dumps(rows, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson refuses what the standard library accepts (integers past 64 bits): same JSON, slower.
        return json.dumps(rows, default=_json_default, separators=(",", ":")).encode()


def _upsert(layout: Layout, table: Table) -> sql.Composed:
    names = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    updates = [c for c in table.column_names if c not in table.primary_key]
    conflict = (
        sql.SQL("DO UPDATE SET {}").format(
            sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updates)
        )
        if updates
        else sql.SQL("DO NOTHING")
    )
    return sql.SQL(
        "INSERT INTO {0} ({1}) SELECT {1} FROM jsonb_populate_recordset(NULL::{0}, %s) ON CONFLICT ({2}) {3}"
    ).format(
        layout.table(table),
        names,
        sql.SQL(", ").join(map(sql.Identifier, table.primary_key)),
        conflict,
    )


def write(conn: psycopg.Connection[Any], layout: Layout, changes: Changes) -> None:
    """Apply ``changes``: purges first, then one upsert per table (its rows have distinct keys)."""
    for table, entities in changes.purged():
        entity = next(c for c in table.columns if c.name == table.entity)
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE {} = ANY(%s::{}[])").format(
                layout.table(table), sql.Identifier(entity.name), sql.SQL(entity.type)
            ),
            (entities,),
        )
    for table, rows in changes.tables():
        conn.execute(_upsert(layout, table), (Jsonb(rows, dumps=_rows_json),))


def apply_events(conn: psycopg.Connection[Any], layout: Layout, events: Sequence[PublicEvent]) -> Changes:
    """Fold ``events`` into the read model of ``layout`` on ``conn`` (inside the caller's transaction)."""
    changes = plan(events, PgReader(conn, layout))
    write(conn, layout, changes)
    return changes


def read_models_exist(conn: psycopg.Connection[Any], layout: Layout) -> bool:
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL",
        (sql.Identifier(layout.schema, layout.name(ENTITY_STATE.stem)).as_string(conn),),
    ).fetchone()
    return bool(row and row[0])


class Carrier(Protocol):
    """What the consumer hands over per message: the decoded event (``services.runtime.consumer.Delivered``)."""

    @property
    def event(self) -> PublicEvent: ...


class ProjectorHandler:
    """The inbox consumer's handler: ``handler(conn, batch)`` with the batch of new events in partition order."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._created = False

    def __call__(self, conn: psycopg.Connection[Any], batch: Sequence[Carrier | PublicEvent]) -> None:
        if not self._created:
            # Tables created in this transaction could still roll back with it: trust only committed ones.
            if read_models_exist(conn, self.layout):
                self._created = True
            else:
                create_read_models(conn, self.layout)
        events = [item if isinstance(item, PublicEvent) else item.event for item in batch]
        apply_events(conn, self.layout, events)


def handle(conn: psycopg.Connection[Any], events: Sequence[Carrier | PublicEvent]) -> None:
    """Project ``events`` into the default read model (schema ``projections``, current version)."""
    _DEFAULT_HANDLER(conn, events)


_DEFAULT_HANDLER = ProjectorHandler(Layout(DEFAULT_SCHEMA))
