"""What the national portal originates, relayed as events: ratings given on the portal and petitions
(PAKN) with their lifecycle.

portal-sync reads the portal's feed from its stored position; each item becomes its public event(s) in
the outbox and the position moves in the same transaction, so an item is relayed once even across crashes.
A petition received about a known dossier code is also linked to that dossier (E27). An item that does not
make a valid event (unknown kind, a rating for a dossier code nobody knows, a field the contract refuses)
is skipped with a warning: the portal's feed is not ours to stop.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import psycopg
from pydantic import ValidationError

from contracts import portal
from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.identity import public_event_id
from delivery.clock import Clock, business_time
from services.portal_sync.pusher import ACTOR
from services.portal_sync.store import PortalStore
from services.runtime.logging import get_logger

log = get_logger(__name__)
FEED_NAMESPACE = uuid.UUID("3b0f3c7e-5d0c-5a4e-9f57-6c1d2f0a8e41")

PETITION_KINDS: dict[str, type[portal.PetitionEvent]] = {
    "petition-received": portal.PetitionReceived,
    "petition-supplement-requested": portal.PetitionSupplementRequested,
    "petition-refused": portal.PetitionRefused,
    "petition-handled": portal.PetitionHandled,
    "petition-published": portal.PetitionPublished,
    "petition-rated": portal.PetitionRated,
    "petition-re-raised": portal.PetitionReRaised,
}


class FeedReader:
    def __init__(self, store: PortalStore, database_url: str, portal_url: str, clock: Clock) -> None:
        self.store = store
        self.database_url = database_url
        self.endpoint = portal_url.rstrip("/") + "/api/v1/feed"
        self.clock = clock
        self.client = httpx.Client(timeout=10)

    def step(self) -> int:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            after = self.store.feed_position(conn)
            response = self.client.get(self.endpoint, params={"after": after, "limit": 200})
            response.raise_for_status()
            items: list[dict[str, Any]] = response.json()
            for item in items:
                with conn.transaction():
                    for event in self.events_of(conn, item):
                        self.store.enqueue(conn, event)
                    self.store.advance_feed(conn, int(item["n"]))
            return len(items)

    def events_of(self, conn: psycopg.Connection, item: dict[str, Any]) -> list[PublicEvent]:
        kind, data, n = str(item.get("kind")), dict(item.get("data") or {}), int(item["n"])
        now = business_time(self.clock.now())
        correlation = uuid.uuid5(FEED_NAMESPACE, f"feed:{n}")
        try:
            if kind == "dossier-rated":
                dossier_id = self.store.dossier_of_code(conn, str(data.get("dossier_code")))
                if dossier_id is None:
                    log.warning("portal rating for an unknown dossier code; skipped", item=n)
                    return []
                return [
                    self._dossier_event(conn, portal.DossierRatedOnPortal, dossier_id, data, now, correlation)
                ]
            cls = PETITION_KINDS.get(kind)
            if cls is None:
                log.warning("unknown portal feed item; skipped", item=n, kind=kind)
                return []
            petition_id = str(data["petition_id"])
            seq = self.store.next_seq(conn, f"petition:{petition_id}")
            occurred_at = datetime.fromisoformat(str(data.pop("occurred_at")))
            event: PublicEvent = cls.model_validate(
                {
                    **data,
                    "event_id": public_event_id(Producer.PORTAL_SYNC, f"petition:{petition_id}", seq, now),
                    "seq": seq,
                    "occurred_at": occurred_at,
                    "recorded_at": now,
                    "producer": Producer.PORTAL_SYNC,
                    "actor": ACTOR,
                    "correlation_id": correlation,
                }
            )
            events = [event]
            if isinstance(event, portal.PetitionReceived) and event.related_dossier_code:
                dossier_id = self.store.dossier_of_code(conn, event.related_dossier_code)
                if dossier_id is not None:
                    link = {
                        "petition_id": petition_id,
                        "classification": event.classification,
                        "petition_received_at": event.occurred_at,
                        "occurred_at": event.occurred_at.isoformat(),
                    }
                    events.append(
                        self._dossier_event(conn, portal.PetitionLinked, dossier_id, link, now, correlation)
                    )
            return events
        except (ValidationError, KeyError, ValueError) as error:
            log.warning(
                "portal feed item is not a valid event; skipped", item=n, kind=kind, error=str(error)[:300]
            )
            return []

    def _dossier_event(
        self,
        conn: psycopg.Connection,
        cls: type[portal.PortalDossierEvent],
        dossier_id: uuid.UUID,
        data: dict[str, Any],
        now: datetime,
        correlation: uuid.UUID,
    ) -> PublicEvent:
        fields = {k: v for k, v in data.items() if k != "occurred_at"}
        seq = self.store.next_seq(conn, str(dossier_id))
        return cls.model_validate(
            {
                **fields,
                "event_id": public_event_id(Producer.PORTAL_SYNC, dossier_id, seq, now),
                "seq": seq,
                "occurred_at": data.get("occurred_at") or now,
                "recorded_at": now,
                "producer": Producer.PORTAL_SYNC,
                "actor": ACTOR,
                "correlation_id": correlation,
                "dossier_id": dossier_id,
            }
        )

    def close(self) -> None:
        self.client.close()
