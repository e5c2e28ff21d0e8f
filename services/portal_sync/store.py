"""portal-sync's own tables (in its schema): the dossier events it has seen, the pushes they call for, an
outbox of the events it publishes, and its positions.

- ``events``: every dossier event with the time it arrived. A dossier's portal view is planned from the
  set of its events in canonical order (``services.portal_sync.planner``, ADR 0643), never from arrival
  order, so a late older event re-plans the pushes not sent yet.
- ``dossiers``: one row per dossier, locked (``FOR UPDATE``) by whoever re-plans or takes a push, so the
  consumer never replaces a push the pusher is sending; it also keeps the dossier code (MaHoSo).
- ``pushes``: one row per transition to send, numbered 1, 2, 3 … per dossier; sent strictly in order. A push
  the pusher has claimed (or answered) is history and never changes; only unclaimed ones are re-planned.
- ``gaps``: events waiting for a missing predecessor (bounded wait) and when they were released past it;
  ``missed``: canonical transitions the portal could no longer get in order.
- ``outbox``: E28 acknowledgements and what the portal originated (ratings, petitions), as encoded Kafka
  records, written in the same transaction as the fact they report and published afterwards, in order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from contracts.codec import encode
from contracts.enums import DvcqgStatus
from contracts.envelope import DossierEvent, PublicEvent
from contracts.registry import EVENT_TYPES
from projections.portal_view import PortalTransition, PortalViewPolicy, payload_hash
from services.portal_sync import metrics
from services.portal_sync.planner import Arrived, Plan, Sent, plan_pushes
from services.runtime.logging import get_logger

log = get_logger(__name__)

# A push is history once the pusher claimed it, tried it, or the portal answered it.
_SENT = "(claimed_at IS NOT NULL OR done_at IS NOT NULL OR attempts > 0)"

TABLES = (
    "CREATE TABLE IF NOT EXISTS {schema}.events (row_id bigserial PRIMARY KEY, dossier_id uuid NOT NULL, "
    "event_id uuid NOT NULL UNIQUE, event_type text NOT NULL, body text NOT NULL, "
    "arrived_at timestamptz NOT NULL DEFAULT now())",
    "ALTER TABLE {schema}.events ADD COLUMN IF NOT EXISTS arrived_at timestamptz NOT NULL DEFAULT now()",
    "CREATE INDEX IF NOT EXISTS events_by_dossier ON {schema}.events (dossier_id, row_id)",
    "CREATE TABLE IF NOT EXISTS {schema}.dossiers (dossier_id uuid PRIMARY KEY, dossier_code text)",
    "CREATE TABLE IF NOT EXISTS {schema}.pushes (dossier_id uuid NOT NULL, number int NOT NULL, "
    "status int NOT NULL, status_changed boolean NOT NULL, state_changed_at timestamptz NOT NULL, "
    "cause_event_id uuid NOT NULL, cause_event_type text NOT NULL, correlation_id uuid NOT NULL, "
    "payload jsonb NOT NULL, attempts int NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL "
    "DEFAULT now(), done_at timestamptz, ack_status text, error_code text, last_error text, "
    "claimed_at timestamptz, PRIMARY KEY (dossier_id, number))",
    "ALTER TABLE {schema}.pushes ADD COLUMN IF NOT EXISTS claimed_at timestamptz",
    "CREATE INDEX IF NOT EXISTS pushes_pending ON {schema}.pushes (dossier_id, number) WHERE done_at IS NULL",
    "CREATE TABLE IF NOT EXISTS {schema}.gaps (dossier_id uuid NOT NULL, event_id uuid NOT NULL, "
    "event_type text NOT NULL, missing text NOT NULL, since timestamptz NOT NULL, released_at timestamptz, "
    "PRIMARY KEY (dossier_id, event_id))",
    "CREATE INDEX IF NOT EXISTS gaps_open ON {schema}.gaps (since) WHERE released_at IS NULL",
    "CREATE TABLE IF NOT EXISTS {schema}.missed (dossier_id uuid NOT NULL, cause_event_id uuid NOT NULL, "
    "status int NOT NULL, noted_at timestamptz NOT NULL DEFAULT now(), "
    "PRIMARY KEY (dossier_id, cause_event_id))",
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
    def __init__(
        self, schema: str, policy: PortalViewPolicy, max_hold: timedelta = timedelta(seconds=30)
    ) -> None:
        self.schema = schema
        self.policy = policy
        self.max_hold = max_hold

    def _q(self, statement: str) -> sql.Composed:
        return sql.SQL(statement).format(schema=sql.Identifier(self.schema))

    # --- consumer side ------------------------------------------------------------------------------

    def record_events(self, conn: psycopg.Connection, events: Sequence[DossierEvent]) -> set[UUID]:
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

    def lock_dossier(self, conn: psycopg.Connection, dossier_id: UUID) -> None:
        """Serialises re-planning and taking a push of one dossier (call inside a transaction)."""
        conn.execute(
            self._q("INSERT INTO {schema}.dossiers (dossier_id) VALUES (%s) ON CONFLICT DO NOTHING"),
            (dossier_id,),
        )
        conn.execute(
            self._q("SELECT 1 FROM {schema}.dossiers WHERE dossier_id = %s FOR UPDATE"), (dossier_id,)
        )

    def replan(self, conn: psycopg.Connection, dossier_id: UUID) -> Plan:
        """Re-plan the dossier's unsent pushes from all its events (call inside a transaction)."""
        self.lock_dossier(conn, dossier_id)
        row = conn.execute("SELECT now()").fetchone()
        assert row is not None
        now: datetime = row[0]
        arrived: list[Arrived] = []
        correlation: dict[UUID, UUID] = {}
        for event_type, body, arrived_at in conn.execute(
            self._q(
                "SELECT event_type, body, arrived_at FROM {schema}.events WHERE dossier_id = %s ORDER BY row_id"
            ),
            (dossier_id,),
        ).fetchall():
            event = EVENT_TYPES[event_type].model_validate_json(body)
            assert isinstance(event, DossierEvent)
            correlation[event.event_id] = event.correlation_id
            arrived.append(Arrived(event, arrived_at))
        sent = [
            Sent(int(number), DvcqgStatus(status), cause, payload_hash(payload))
            for number, status, cause, payload in conn.execute(
                self._q(
                    "SELECT number, status, cause_event_id, payload FROM {schema}.pushes "
                    f"WHERE dossier_id = %s AND {_SENT} ORDER BY number"
                ),
                (dossier_id,),
            ).fetchall()
        ]
        plan = plan_pushes(dossier_id, arrived, sent, now=now, max_hold=self.max_hold, policy=self.policy)
        self._replace_unsent(conn, dossier_id, plan.pending, correlation)
        self._note_gaps(conn, dossier_id, plan)
        self._note_missed(conn, dossier_id, plan.missed)
        if plan.dossier_code is not None:
            conn.execute(
                self._q("UPDATE {schema}.dossiers SET dossier_code = %s WHERE dossier_id = %s"),
                (plan.dossier_code, dossier_id),
            )
            conn.execute(
                self._q(
                    "INSERT INTO {schema}.codes (dossier_code, dossier_id) VALUES (%s, %s) "
                    "ON CONFLICT (dossier_code) DO NOTHING"
                ),
                (plan.dossier_code, dossier_id),
            )
        return plan

    def _replace_unsent(
        self,
        conn: psycopg.Connection,
        dossier_id: UUID,
        pending: Sequence[PortalTransition],
        correlation: dict[UUID, UUID],
    ) -> None:
        unsent = conn.execute(
            self._q(
                "SELECT number, cause_event_id, status, payload FROM {schema}.pushes "
                f"WHERE dossier_id = %s AND NOT {_SENT} ORDER BY number"
            ),
            (dossier_id,),
        ).fetchall()
        planned = [(t.number, t.cause_event_id, int(t.status), t.payload_hash) for t in pending]
        if [(n, c, s, payload_hash(p)) for n, c, s, p in unsent] == planned:
            return  # unchanged: keep the rows (and their retry schedule)
        if unsent:
            metrics.REPLANS.inc()
            conn.execute(
                self._q(f"DELETE FROM {{schema}}.pushes WHERE dossier_id = %s AND NOT {_SENT}"), (dossier_id,)
            )
        for t in pending:
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

    def _note_gaps(self, conn: psycopg.Connection, dossier_id: UUID, plan: Plan) -> None:
        for gap in plan.held:
            cur = conn.execute(
                self._q(
                    "INSERT INTO {schema}.gaps (dossier_id, event_id, event_type, missing, since) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (dossier_id, event_id) "
                    "DO UPDATE SET missing = EXCLUDED.missing WHERE {schema}.gaps.missing <> EXCLUDED.missing"
                ),
                (dossier_id, gap.event_id, gap.event_type, gap.missing, gap.since),
            )
            if cur.rowcount:
                log.info(
                    "portal pushes held: an earlier event of the dossier is missing",
                    dossier_id=str(dossier_id),
                    waiting_event=gap.event_type,
                    missing=gap.missing,
                )
        for gap in plan.released:
            cur = conn.execute(
                self._q(
                    "INSERT INTO {schema}.gaps (dossier_id, event_id, event_type, missing, since, released_at) "
                    "VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (dossier_id, event_id) "
                    "DO UPDATE SET released_at = now() WHERE {schema}.gaps.released_at IS NULL"
                ),
                (dossier_id, gap.event_id, gap.event_type, gap.missing, gap.since),
            )
            if cur.rowcount:
                metrics.GAPS_RELEASED.inc()
                log.warning(
                    "a gap outlived the bounded wait: pushing without the missing event",
                    dossier_id=str(dossier_id),
                    waiting_event=gap.event_type,
                    missing=gap.missing,
                    waited_s=round(self.max_hold.total_seconds()),
                )
        # A gap that is neither held nor released any more was filled: forget it (released ones stay).
        conn.execute(
            self._q(
                "DELETE FROM {schema}.gaps WHERE dossier_id = %s AND released_at IS NULL "
                "AND NOT (event_id = ANY(%s))"
            ),
            (dossier_id, [g.event_id for g in plan.held]),
        )

    def _note_missed(
        self, conn: psycopg.Connection, dossier_id: UUID, missed: Sequence[PortalTransition]
    ) -> None:
        for t in missed:
            cur = conn.execute(
                self._q(
                    "INSERT INTO {schema}.missed (dossier_id, cause_event_id, status) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING"
                ),
                (dossier_id, t.cause_event_id, int(t.status)),
            )
            if cur.rowcount:
                metrics.MISSED.labels(status=str(int(t.status))).inc()
                log.warning(
                    "an older event arrived after a newer status reached the portal: not sent out of order",
                    dossier_id=str(dossier_id),
                    cause_event=t.cause_event_type,
                    status=int(t.status),
                )

    def overdue_dossiers(self, conn: psycopg.Connection) -> list[UUID]:
        """Dossiers held by a gap that has waited the bounded time: their next re-plan releases it."""
        rows = conn.execute(
            self._q(
                "SELECT DISTINCT dossier_id FROM {schema}.gaps WHERE released_at IS NULL "
                "AND since <= now() - make_interval(secs => %s)"
            ),
            (self.max_hold.total_seconds(),),
        ).fetchall()
        return [r[0] for r in rows]

    def held_dossiers(self, conn: psycopg.Connection) -> int:
        row = conn.execute(
            self._q("SELECT count(DISTINCT dossier_id) FROM {schema}.gaps WHERE released_at IS NULL")
        ).fetchone()
        return int(row[0]) if row else 0

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

    def claim(self, conn: psycopg.Connection, push: Push) -> None:
        """From now on the portal may have this push: it is history, never re-planned."""
        conn.execute(
            self._q(
                "UPDATE {schema}.pushes SET claimed_at = coalesce(claimed_at, now()) "
                "WHERE dossier_id = %s AND number = %s"
            ),
            (push.dossier_id, push.number),
        )

    def dossier_code(self, conn: psycopg.Connection, dossier_id: UUID) -> str | None:
        row = conn.execute(
            self._q("SELECT dossier_code FROM {schema}.dossiers WHERE dossier_id = %s"), (dossier_id,)
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None

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
