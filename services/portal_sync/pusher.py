"""Pushes each dossier's transitions to the national portal strictly in order, with retries and backoff,
and records an E28 acknowledgement (with its latency) for every answer.

Per dossier only the first unacknowledged push is ever in flight, so the portal sees a dossier's statuses
in order; a failing dossier waits with exponential backoff without holding up the others. A push is
claimed under the dossier's lock before it is sent, so the consumer never re-plans a push the portal may
already have (ADR 0643). Each pass first re-plans the dossiers whose missing event outlived the bounded
wait, so their held pushes go out without it. The push's
``Idempotency-Key`` (dossier id and transition number) lets the portal drop a resend after a crash between
its answer and our commit. A 4xx answer is the portal refusing the content: recorded as REJECTED (E28 with
the portal's error code) and not retried; 5xx, 429 and transport errors are retried.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import psycopg

from contracts.enums import AckStatus, ActorKind, DvcqgStatus, Producer
from contracts.envelope import Actor
from contracts.identity import public_event_id
from contracts.portal import StatusSyncedToNationalPortal
from delivery.clock import Clock, business_time
from projections.portal_view import payload_hash
from services.portal_sync import metrics
from services.portal_sync.store import PortalStore, Push
from services.runtime.logging import get_logger

ACTOR = Actor(kind=ActorKind.SYSTEM, id="system:portal-sync")
log = get_logger(__name__)


class Pusher:
    def __init__(
        self,
        store: PortalStore,
        database_url: str,
        portal_url: str,
        clock: Clock,
        *,
        base_backoff_s: float = 0.2,
        max_backoff_s: float = 30.0,
        timeout_s: float = 10.0,
    ) -> None:
        self.store = store
        self.database_url = database_url
        self.endpoint = portal_url.rstrip("/") + "/api/v1/dossier-status"
        self.clock = clock
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self.client = httpx.Client(timeout=timeout_s)
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.database_url, autocommit=True)
        return self._conn

    def step(self) -> int:
        """One pass: release overdue gaps, then push every dossier whose next push is due."""
        conn = self._connection()
        self.release_overdue(conn)
        answered = 0
        for dossier_id in self.store.pending_heads(conn):
            answered += self.push_dossier(conn, dossier_id)
        return answered

    def release_overdue(self, conn: psycopg.Connection) -> None:
        for dossier_id in self.store.overdue_dossiers(conn):
            with conn.transaction():
                self.store.replan(conn, dossier_id)
        metrics.HELD_DOSSIERS.set(self.store.held_dossiers(conn))

    def _take(self, conn: psycopg.Connection, dossier_id: UUID) -> tuple[Push, str] | None:
        """The dossier's next push and the code to send it under, claimed; None when nothing can go."""
        with conn.transaction():
            self.store.lock_dossier(conn, dossier_id)
            push = self.store.next_push(conn, dossier_id)
            if push is None:
                return None
            code = push.payload.get("MaHoSo") or self.store.dossier_code(conn, dossier_id)
            if code is None:
                return None  # the portal keys dossiers by MaHoSo: wait until the code is known
            self.store.claim(conn, push)
            return push, str(code)

    def push_dossier(self, conn: psycopg.Connection, dossier_id: UUID) -> int:
        answered = 0
        while (taken := self._take(conn, dossier_id)) is not None:
            push, code = taken
            payload = {**push.payload, "MaHoSo": code}
            sent_at = max(self._now(), push.state_changed_at)
            body = {**payload, "dossier_id": str(dossier_id), "SoThuTuDongBo": push.number}
            key = f"{dossier_id}:{push.number}"
            try:
                response = self.client.post(self.endpoint, json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError as error:
                self._retry(conn, push, f"{type(error).__name__}: {error}")
                return answered
            if response.status_code >= 500 or response.status_code == 429:
                self._retry(conn, push, f"portal answered {response.status_code}")
                return answered
            accepted = response.is_success
            error_code, error_message = None, None
            if not accepted:
                answer = _json(response)
                error_code = str(answer.get("error_code") or f"HTTP_{response.status_code}")
                error_message = str(answer.get("message") or response.text)[:200]
            self._acknowledge(conn, push, code, payload, sent_at, accepted, error_code, error_message)
            answered += 1
        return answered

    def _retry(self, conn: psycopg.Connection, push: Push, error: str) -> None:
        delay = min(self.max_backoff_s, self.base_backoff_s * 2**push.attempts) * random.uniform(0.5, 1.0)
        self.store.retry_later(conn, push, error, delay)

    def _acknowledge(
        self,
        conn: psycopg.Connection,
        push: Push,
        code: str,
        payload: dict[str, Any],
        sent_at: datetime,
        accepted: bool,
        error_code: str | None,
        error_message: str | None,
    ) -> None:
        answered_at = max(self._now(), sent_at)
        changed_at = business_time(push.state_changed_at)
        with conn.transaction():
            self.store.finish(conn, push, "ACCEPTED" if accepted else "REJECTED", error_code)
            seq = self.store.next_seq(conn, str(push.dossier_id))
            event = StatusSyncedToNationalPortal(
                event_id=public_event_id(Producer.PORTAL_SYNC, push.dossier_id, seq, answered_at),
                seq=seq,
                occurred_at=answered_at,
                recorded_at=answered_at,
                producer=Producer.PORTAL_SYNC,
                actor=ACTOR,
                correlation_id=push.correlation_id,
                causation_id=push.cause_event_id,
                dossier_id=push.dossier_id,
                dossier_code=code,
                status_code=DvcqgStatus(push.status),
                payload_hash=payload_hash(payload),
                state_changed_at=changed_at,
                sent_at=sent_at,
                attempt=push.attempts + 1,
                ack_status=AckStatus.ACCEPTED if accepted else AckStatus.REJECTED,
                error_code=error_code,
                error_message=error_message,
                latency_ms=(answered_at - changed_at) // timedelta(milliseconds=1),
            )
            self.store.enqueue(conn, event)

    def _now(self) -> datetime:
        return business_time(self.clock.now())

    def close(self) -> None:
        self.client.close()
        if self._conn is not None:
            self._conn.close()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
