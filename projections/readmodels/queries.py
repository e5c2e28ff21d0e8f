"""Reading one dossier back: its fact row as known at a time, its history and its clock ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from .state import Row
from .tables import CLOCK_LEDGER, DOSSIER_FACT_VERSIONS, DOSSIER_FACTS, Layout


def _rows(conn: psycopg.Connection[Any], query: sql.Composed, params: tuple[Any, ...]) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return list(cur.fetchall())


def dossier_as_of(
    conn: psycopg.Connection[Any], layout: Layout, dossier_id: str, knowledge_time: datetime | None
) -> Row | None:
    """The dossier's fact row as the platform knew it at ``knowledge_time`` (None: as known now), or None
    when nothing about it had been recorded yet."""
    if knowledge_time is None:
        found = _rows(
            conn,
            sql.SQL("SELECT * FROM {} WHERE dossier_id = %s::uuid").format(layout.table(DOSSIER_FACTS)),
            (dossier_id,),
        )
    else:
        found = _rows(
            conn,
            sql.SQL(
                "SELECT * FROM {} WHERE dossier_id = %s::uuid AND known_at <= %s ORDER BY revision DESC LIMIT 1"
            ).format(layout.table(DOSSIER_FACT_VERSIONS)),
            (dossier_id, knowledge_time),
        )
    return found[0] if found else None


def dossier_history(conn: psycopg.Connection[Any], layout: Layout, dossier_id: str) -> list[Row]:
    """Every revision of the dossier's fact row, oldest first."""
    return _rows(
        conn,
        sql.SQL("SELECT * FROM {} WHERE dossier_id = %s::uuid ORDER BY revision").format(
            layout.table(DOSSIER_FACT_VERSIONS)
        ),
        (dossier_id,),
    )


def clock_ledger(conn: psycopg.Connection[Any], layout: Layout, dossier_id: str) -> list[Row]:
    """What moved the dossier's clock and due dates, in canonical event order."""
    return _rows(
        conn,
        sql.SQL("SELECT * FROM {} WHERE dossier_id = %s::uuid ORDER BY ordinal").format(
            layout.table(CLOCK_LEDGER)
        ),
        (dossier_id,),
    )
