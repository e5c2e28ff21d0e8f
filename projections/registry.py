"""Which version of a projection readers use: one row per projection in ``<schema>.registry``.

A blue/green rebuild (docs/adr/0370) builds version N+1 beside the live version N, records its digest, and
swaps ``live_version`` in one transaction; readers look the live version up per query, so a swap is atomic
for them and the old version stays queryable until it is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from .readmodels.tables import READ_MODEL_VERSION

READ_MODELS = "readmodels"
"""The projection every public topic is folded into (the read models of docs/adr/0350)."""


@dataclass(frozen=True)
class RegistryRow:
    projection: str
    live_version: int
    building_version: int | None
    live_digest: str | None
    building_digest: str | None
    swapped_at: datetime | None
    updated_at: datetime


def _table(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "registry")


def ensure_registry(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (projection text PRIMARY KEY, live_version int NOT NULL, "
            "building_version int, live_digest text, building_digest text, swapped_at timestamptz, "
            "updated_at timestamptz NOT NULL DEFAULT now())"
        ).format(_table(schema))
    )


def registry_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (_table(schema).as_string(conn),)).fetchone()
    return bool(row and row[0])


def live_version(conn: psycopg.Connection[Any], schema: str, projection: str = READ_MODELS) -> int:
    """The version readers use; the first version when no rebuild has ever been swapped in."""
    if not registry_exists(conn, schema):
        return READ_MODEL_VERSION
    row = conn.execute(
        sql.SQL("SELECT live_version FROM {} WHERE projection = %s").format(_table(schema)), (projection,)
    ).fetchone()
    return int(row[0]) if row else READ_MODEL_VERSION


def registry_rows(conn: psycopg.Connection[Any], schema: str) -> list[RegistryRow]:
    if not registry_exists(conn, schema):
        return []
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql.SQL("SELECT * FROM {} ORDER BY projection").format(_table(schema)))
        return [RegistryRow(**row) for row in cur.fetchall()]


def begin_build(conn: psycopg.Connection[Any], schema: str, projection: str, version: int) -> None:
    """Record that ``version`` is being built (creates the row with the current live version if missing)."""
    ensure_registry(conn, schema)
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (projection, live_version, building_version) VALUES (%s, %s, %s) "
            "ON CONFLICT (projection) DO UPDATE SET building_version = EXCLUDED.building_version, "
            "building_digest = NULL, updated_at = now()"
        ).format(_table(schema)),
        (projection, READ_MODEL_VERSION, version),
    )


def record_digest(
    conn: psycopg.Connection[Any], schema: str, projection: str, version: int, digest: str
) -> None:
    """Keep the digest checked for ``version`` (live or being built) so that ``status`` can show it."""
    ensure_registry(conn, schema)
    conn.execute(
        sql.SQL(
            "INSERT INTO {0} (projection, live_version, live_digest) VALUES (%s, %s, NULL) "
            "ON CONFLICT (projection) DO NOTHING"
        ).format(_table(schema)),
        (projection, READ_MODEL_VERSION),
    )
    conn.execute(
        sql.SQL(
            "UPDATE {} SET live_digest = CASE WHEN live_version = %(v)s THEN %(d)s ELSE live_digest END, "
            "building_digest = CASE WHEN building_version = %(v)s THEN %(d)s ELSE building_digest END, "
            "updated_at = now() WHERE projection = %(p)s"
        ).format(_table(schema)),
        {"v": version, "d": digest, "p": projection},
    )


class SwapRefused(Exception):
    """The registry changed under the rebuild (another swap happened): nothing was swapped."""


def swap(
    conn: psycopg.Connection[Any], schema: str, projection: str, expected_live: int, new_version: int
) -> None:
    """Make ``new_version`` live, in the caller's transaction, only if ``expected_live`` is still live."""
    ensure_registry(conn, schema)
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (projection, live_version) VALUES (%s, %s) ON CONFLICT (projection) DO NOTHING"
        ).format(_table(schema)),
        (projection, READ_MODEL_VERSION),
    )
    row = conn.execute(
        sql.SQL("SELECT live_version FROM {} WHERE projection = %s FOR UPDATE").format(_table(schema)),
        (projection,),
    ).fetchone()
    if row is None or int(row[0]) != expected_live:
        raise SwapRefused(f"{projection}: live version is {row[0] if row else None}, not {expected_live}")
    conn.execute(
        sql.SQL(
            "UPDATE {} SET live_version = %(n)s, live_digest = building_digest, building_version = NULL, "
            "building_digest = NULL, swapped_at = now(), updated_at = now() WHERE projection = %(p)s"
        ).format(_table(schema)),
        {"n": new_version, "p": projection},
    )
