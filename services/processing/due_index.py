"""The watcher's due-index in PostgreSQL, beside the processing event store (ADR 0510).

Two tables in the processing schema: ``watch_due`` (case id, indexed version, next alert time; a partial
index on the time makes a pass one range scan) and ``watch_position`` (how far into the notification log the
index has read, and the watcher settings it was computed with). When the settings change (lead times,
whether steps are watched) the index is emptied and rebuilt from the log by the next pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from psycopg import sql
from psycopg_pool import ConnectionPool

from processing.due_index import DueEntry
from processing.watcher import WatcherConfig


def fingerprint(config: WatcherConfig) -> str:
    """The settings an entry depends on, as text stored with the index."""
    return f"due_soon={config.due_soon};apology_notice={config.apology_notice};steps={config.steps}"


class PostgresDueIndex:
    """``processing.due_index.DueIndex`` in tables of ``schema``; safe for several processes at once."""

    def __init__(self, url: str, schema: str, config: WatcherConfig, *, max_connections: int = 2) -> None:
        self._schema = sql.Identifier(schema)
        self._pool = ConnectionPool(url, min_size=1, max_size=max_connections, open=True)
        self._prepare(fingerprint(config))

    def _q(self, text: str) -> sql.Composed:
        return sql.SQL(text).format(schema=self._schema)

    def _prepare(self, settings: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(self._q("CREATE SCHEMA IF NOT EXISTS {schema}"))
            conn.execute(
                self._q(
                    "CREATE TABLE IF NOT EXISTS {schema}.watch_due (case_id uuid PRIMARY KEY, "
                    "version integer NOT NULL, next_alert_at timestamptz)"
                )
            )
            conn.execute(
                self._q(
                    "CREATE INDEX IF NOT EXISTS watch_due_next ON {schema}.watch_due (next_alert_at) "
                    "WHERE next_alert_at IS NOT NULL"
                )
            )
            conn.execute(
                self._q(
                    "CREATE TABLE IF NOT EXISTS {schema}.watch_position (one boolean PRIMARY KEY "
                    "DEFAULT true CHECK (one), position bigint NOT NULL, settings text NOT NULL)"
                )
            )
            # Serialise the settings check between processes starting together.
            conn.execute(self._q("LOCK TABLE {schema}.watch_position IN EXCLUSIVE MODE"))
            row = conn.execute(self._q("SELECT settings FROM {schema}.watch_position")).fetchone()
            if row is None or row[0] != settings:
                conn.execute(self._q("DELETE FROM {schema}.watch_due"))
                conn.execute(
                    self._q(
                        "INSERT INTO {schema}.watch_position (position, settings) VALUES (0, %s) "
                        "ON CONFLICT (one) DO UPDATE SET position = 0, settings = excluded.settings"
                    ),
                    (settings,),
                )

    def position(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(self._q("SELECT position FROM {schema}.watch_position")).fetchone()
        return int(row[0]) if row else 0

    def versions(self, case_ids: Iterable[UUID]) -> dict[UUID, int]:
        ids = list(case_ids)
        if not ids:
            return {}
        with self._pool.connection() as conn:
            rows = conn.execute(
                self._q("SELECT case_id, version FROM {schema}.watch_due WHERE case_id = ANY(%s)"), (ids,)
            ).fetchall()
        return {UUID(str(case_id)): int(version) for case_id, version in rows}

    def record(self, entries: Sequence[DueEntry], position: int | None = None) -> None:
        with self._pool.connection() as conn, conn.transaction():
            if entries:
                with conn.cursor() as cur:
                    cur.executemany(
                        self._q(
                            "INSERT INTO {schema}.watch_due AS w (case_id, version, next_alert_at) "
                            "VALUES (%s, %s, %s) ON CONFLICT (case_id) DO UPDATE SET "
                            "version = excluded.version, next_alert_at = excluded.next_alert_at "
                            "WHERE w.version <= excluded.version"
                        ),
                        [(e.case_id, e.version, e.next_alert_at) for e in entries],
                    )
            if position is not None:
                conn.execute(
                    self._q("UPDATE {schema}.watch_position SET position = GREATEST(position, %s)"),
                    (position,),
                )

    def due(self, now: datetime, limit: int) -> list[UUID]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                self._q(
                    "SELECT case_id FROM {schema}.watch_due WHERE next_alert_at <= %s "
                    "ORDER BY next_alert_at LIMIT %s"
                ),
                (now, limit),
            ).fetchall()
        return [UUID(str(case_id)) for (case_id,) in rows]

    def close(self) -> None:
        self._pool.close()
