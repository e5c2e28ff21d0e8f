"""portal-sync's own tables (in its schema): the dossier events it has seen, the pushes they call for, an
outbox of the events it publishes, and its positions.

- ``events``: every dossier event in arrival order. The portal view of a dossier is the fold of its events
  in that order (``DossierPortalView.apply``), so re-folding after a new event gives the same earlier pushes
  and appends the new ones: a push, once recorded, never changes number or content.
- ``pushes``: one row per transition to send, numbered 1, 2, 3 … per dossier; sent strictly in order.
- ``outbox``: E28 acknowledgements and what the portal originated (ratings, petitions), as encoded Kafka
  records, written in the same transaction as the fact they report and published afterwards, in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from contracts.codec import encode
from contracts.envelope import DossierEvent, PublicEvent
from contracts.registry import EVENT_TYPES
from projections.portal_view import DossierPortalView, PortalViewPolicy

TABLES = (
    "CREATE TABLE IF NOT EXISTS {schema}.events (row_id bigserial PRIMARY KEY, dossier_id uuid NOT NULL, "
    "event_id uuid NOT NULL UNIQUE, event_type text NOT NULL, body text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_by_dossier ON {schema}.events (dossier_id, row_id)",
    "CREATE TABLE IF NOT EXISTS {schema}.pushes (dossier_id uuid NOT NULL, number int NOT NULL, "
    "status int NOT NULL, status_changed boolean NOT NULL, state_changed_at timestamptz NOT NULL, "
    "cause_event_id uuid NOT NULL, cause_event_type text NOT NULL, correlation_id uuid NOT NULL, "
    "payload jsonb NOT NULL, attempts int NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL "
    "DEFAULT now(), done_at timestamptz, ack_status text, error_code text, last_error text, "
    "PRIMARY KEY (dossier_id, number))",
    "CREATE INDEX IF NOT EXISTS pushes_pending ON {schema}.pushes (dossier_id, number) WHERE done_at IS NULL",
    "CREATE TABLE IF NOT EXISTS {schema}.codes (dossier_code text PRIMARY KEY, dossier_id uuid NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.seqs (key text PRIMARY KEY, seq int NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.outbox (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, "
    "event_type text NOT NULL, topic text NOT NULL, key bytea NOT NULL, value bytea NOT NULL, "
    "header_names text[] NOT NULL, header_values bytea[] NOT NULL, published_at timestamptz)",
    "CREATE INDEX IF NOT EXISTS outbox_unpublished ON {schema}.outbox (id) WHERE published_at IS NULL",
    "CREATE TABLE IF NOT EXISTS {schema}.feed_position (id int PRIMARY KEY, after int NOT NULL)",
)


def create_tables(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    for statement in TABLES:
        conn.execute(sql.SQL(statement).format(schema=sql.Identifier(schema)))


@dataclass(frozen=True)
class Push:
    dossier_id: UUID
    number: int
    status: int
    state_changed_at: datetime
    cause_event_id: UUID
    correlation_id: UUID
    payload: dict[str, Any]
    attempts: int
    next_attempt_at: datetime


class PortalStore:
    def __init__(self, schema: str, policy: PortalViewPolicy) -> None:
        self.schema = schema
        self.policy = policy

    def _q(self, statement: str) -> sql.Composed:
        return sql.SQL(statement).format(schema=sql.Identifier(self.schema))

    # --- consumer side ------------------------------------------------------------------------------

    def record_events(self, conn: psycopg.Connection, events: list[DossierEvent]) -> set[UUID]:
        touched: set[UUID] = set()
        for event in events:
            cur = conn.execute(
                self._q(
                    "INSERT INTO {schema}.events (dossier_id, event_id, event_type, body) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING"
                ),
                (event.dossier_id, event.event_id, event.event_type, event.model_dump_json()),
            )
            if cur.rowcount:
                touched.add(event.dossier_id)
        return touched

    def refresh_pushes(self, conn: psycopg.Connection, dossier_id: UUID) -> int:
        """Fold the dossier's events in arrival order and record the pushes not recorded yet."""
        rows = conn.execute(
            self._q("SELECT event_type, body FROM {schema}.events WHERE dossier_id = %s ORDER BY row_id"),
            (dossier_id,),
        ).fetchall()
        view = DossierPortalView(dossier_id, self.policy)
        correlation: dict[UUID, UUID] = {}
        for event_type, body in rows:
            event = EVENT_TYPES[event_type].model_validate_json(body)
            correlation[event.event_id] = event.correlation_id
            view.apply(event)
        row = conn.execute(
            self._q("SELECT coalesce(max(number), 0) FROM {schema}.pushes WHERE dossier_id = %s"),
            (dossier_id,),
        ).fetchone()
        recorded = int(row[0]) if row else 0
        new = view.transitions[recorded:]
        for t in new:
            conn.execute(
                self._q(
                    "INSERT INTO {schema}.pushes (dossier_id, number, status, status_changed, state_changed_at, "
                    "cause_event_id, cause_event_type, correlation_id, payload) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                (
                    dossier_id,
                    t.number,
                    int(t.status),
                    t.status_changed,
                    t.state_changed_at,
                    t.cause_event_id,
                    t.cause_event_type,
                    correlation[t.cause_event_id],
                    json.dumps(dict(t.payload), ensure_ascii=False),
                ),
            )
        if code := view.payload.get("MaHoSo"):
            conn.execute(
                self._q(
                    "INSERT INTO {schema}.codes (dossier_code, dossier_id) VALUES (%s, %s) "
                    "ON CONFLICT (dossier_code) DO NOTHING"
                ),
                (code, dossier_id),
            )
        return len(new)

    # --- pusher side --------------------------------------------------------------------------------

    def pending_heads(self, conn: psycopg.Connection) -> list[UUID]:
        """Dossiers with a push waiting whose first pending push is due."""
        rows = conn.execute(
            self._q(
                "SELECT dossier_id FROM (SELECT DISTINCT ON (dossier_id) dossier_id, next_attempt_at "
                "FROM {schema}.pushes WHERE done_at IS NULL ORDER BY dossier_id, number) h "
                "WHERE next_attempt_at <= now() ORDER BY next_attempt_at"
            )
        ).fetchall()
        return [r[0] for r in rows]

    def next_push(self, conn: psycopg.Connection, dossier_id: UUID) -> Push | None:
        row = conn.execute(
            self._q(
                "SELECT dossier_id, number, status, state_changed_at, cause_event_id, correlation_id, payload, "
                "attempts, next_attempt_at FROM {schema}.pushes WHERE dossier_id = %s AND done_at IS NULL "
                "ORDER BY number LIMIT 1"
            ),
            (dossier_id,),
        ).fetchone()
        return Push(*row) if row else None

    def dossier_code(self, conn: psycopg.Connection, dossier_id: UUID) -> str | None:
        row = conn.execute(
            self._q(
                "SELECT payload->>'MaHoSo' FROM {schema}.pushes WHERE dossier_id = %s "
                "AND payload->>'MaHoSo' IS NOT NULL ORDER BY number DESC LIMIT 1"
            ),
            (dossier_id,),
        ).fetchone()
        return str(row[0]) if row else None

    def dossier_of_code(self, conn: psycopg.Connection, code: str) -> UUID | None:
        row = conn.execute(
            self._q("SELECT dossier_id FROM {schema}.codes WHERE dossier_code = %s"), (code,)
        ).fetchone()
        return UUID(str(row[0])) if row else None

    def retry_later(self, conn: psycopg.Connection, push: Push, error: str, delay_s: float) -> None:
        conn.execute(
            self._q(
                "UPDATE {schema}.pushes SET attempts = attempts + 1, last_error = %s, "
                "next_attempt_at = now() + make_interval(secs => %s) WHERE dossier_id = %s AND number = %s"
            ),
            (error[:500], delay_s, push.dossier_id, push.number),
        )

    def finish(self, conn: psycopg.Connection, push: Push, ack_status: str, error_code: str | None) -> None:
        conn.execute(
            self._q(
                "UPDATE {schema}.pushes SET attempts = attempts + 1, done_at = now(), ack_status = %s, "
                "error_code = %s WHERE dossier_id = %s AND number = %s"
            ),
            (ack_status, error_code, push.dossier_id, push.number),
        )

    # --- outbox -------------------------------------------------------------------------------------

    def next_seq(self, conn: psycopg.Connection, key: str) -> int:
        row = conn.execute(
            self._q(
                "INSERT INTO {schema}.seqs (key, seq) VALUES (%s, 1) "
                "ON CONFLICT (key) DO UPDATE SET seq = {schema}.seqs.seq + 1 RETURNING seq"
            ),
            (key,),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def enqueue(self, conn: psycopg.Connection, event: PublicEvent) -> None:
        record = encode(event)
        conn.execute(
            self._q(
                "INSERT INTO {schema}.outbox (event_id, event_type, topic, key, value, header_names, "
                "header_values) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING"
            ),
            (
                event.event_id,
                event.event_type,
                record.topic,
                record.key,
                record.value,
                [h for h, _ in record.headers],
                [v for _, v in record.headers],
            ),
        )

    def unpublished(
        self, conn: psycopg.Connection, limit: int = 500
    ) -> list[tuple[int, str, bytes, bytes, list[tuple[str, bytes]]]]:
        rows = conn.execute(
            self._q(
                "SELECT id, topic, key, value, header_names, header_values FROM {schema}.outbox "
                "WHERE published_at IS NULL ORDER BY id LIMIT %s"
            ),
            (limit,),
        ).fetchall()
        return [
            (r[0], r[1], bytes(r[2]), bytes(r[3]), list(zip(r[4], (bytes(v) for v in r[5]), strict=True)))
            for r in rows
        ]

    def mark_published(self, conn: psycopg.Connection, ids: list[int]) -> None:
        conn.execute(self._q("UPDATE {schema}.outbox SET published_at = now() WHERE id = ANY(%s)"), (ids,))

    # --- the portal's feed --------------------------------------------------------------------------

    def feed_position(self, conn: psycopg.Connection) -> int:
        row = conn.execute(self._q("SELECT after FROM {schema}.feed_position WHERE id = 1")).fetchone()
        return int(row[0]) if row else 0

    def advance_feed(self, conn: psycopg.Connection, after: int) -> None:
        conn.execute(
            self._q(
                "INSERT INTO {schema}.feed_position (id, after) VALUES (1, %s) "
                "ON CONFLICT (id) DO UPDATE SET after = EXCLUDED.after"
            ),
            (after,),
        )
