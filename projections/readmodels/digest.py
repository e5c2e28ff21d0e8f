"""A digest of a read model's canonical rows: equal digests mean equal read models.

Each row is rendered to JSON with stable forms (times in UTC, decimals normalised, ids as text, JSON keys
sorted), each table's lines are sorted, and SHA-256 runs over table name and lines in the fixed table order.
Database settings (time zone, collation) and the order rows were written in do not change it, so a rebuild
can be compared with the live model, and a memory store with a PostgreSQL schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg import sql

from .memory import MemoryStore
from .state import Row
from .tables import READ_MODEL_VERSION, TABLES, Layout, Table


def canonical(value: Any) -> Any:
    """A JSON-ready, representation-independent form of a column value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    raise TypeError(f"no canonical form for {type(value).__name__} {value!r}")


def render_row(table: Table, row: Row | tuple[Any, ...]) -> bytes:
    values = [row[c] for c in table.column_names] if isinstance(row, dict) else list(row)
    return orjson.dumps([canonical(v) for v in values], option=orjson.OPT_SORT_KEYS)


def table_digest(table: Table, rows: Iterable[Row | tuple[Any, ...]]) -> str:
    lines = sorted(render_row(table, row) for row in rows)
    hashed = hashlib.sha256(table.stem.encode() + b"\n")
    for line in lines:
        hashed.update(line + b"\n")
    return hashed.hexdigest()


def combine(per_table: dict[str, str]) -> str:
    hashed = hashlib.sha256()
    for table in TABLES:
        hashed.update(f"{table.stem} {per_table[table.stem]}\n".encode())
    return hashed.hexdigest()


def table_digests(conn: psycopg.Connection[Any], layout: Layout) -> dict[str, str]:
    out = {}
    for table in TABLES:
        cur = conn.execute(
            sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(map(sql.Identifier, table.column_names)), layout.table(table)
            )
        )
        out[table.stem] = table_digest(table, cur.fetchall())
    return out


def digest(conn: psycopg.Connection[Any], schema: str, version: int = READ_MODEL_VERSION) -> str:
    """SHA-256 of every read-model table of ``schema`` (this projection version), as canonical rows."""
    return combine(table_digests(conn, Layout(schema, version)))


def memory_table_digests(store: MemoryStore) -> dict[str, str]:
    return {table.stem: table_digest(table, store.rows(table)) for table in TABLES}


def memory_digest(store: MemoryStore) -> str:
    return combine(memory_table_digests(store))
