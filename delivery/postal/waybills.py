"""The waybill register: which dossier and shipment a waybill number (VNPost item code) belongs to.

Partners report most steps by waybill, so the number must lead to exactly one shipment. One tiny
aggregate per waybill, with an id derived from the number, is the event store's unique index: a second
shipment with the same number would create the same aggregate and lose the optimistic-concurrency race,
and it is refused before that by a lookup. An unknown number is a ``NotFound`` (ADR 0603).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

WAYBILL_NAMESPACE = UUID("5c3f2e19-77d4-5a0b-8f6e-2d9a1b4c6e80")


def normalise_waybill(number: str) -> str:
    return "".join(number.split()).upper()


def waybill_key(number: str) -> UUID:
    return uuid.uuid5(WAYBILL_NAMESPACE, normalise_waybill(number))


class Waybill(Aggregate):
    """Registered when a shipment gets its number (P2 or P6)."""

    class Registered(Aggregate.Created):
        waybill_no: str
        dossier_id: UUID
        shipment_id: UUID
        partner_id: str

    @classmethod
    def register(
        cls, waybill_no: str, *, dossier_id: UUID, shipment_id: UUID, partner_id: str, at: datetime
    ) -> Waybill:
        return cls._create(
            cls.Registered,
            id=waybill_key(waybill_no),
            timestamp=at,
            waybill_no=normalise_waybill(waybill_no),
            dossier_id=dossier_id,
            shipment_id=shipment_id,
            partner_id=partner_id,
        )

    def __init__(self, waybill_no: str, dossier_id: UUID, shipment_id: UUID, partner_id: str) -> None:
        self.waybill_no = waybill_no
        self.dossier_id = dossier_id
        self.shipment_id = shipment_id
        self.partner_id = partner_id
