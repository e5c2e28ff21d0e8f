"""The carrier port: what the one-stop side asks of a postal partner, so that a real VNPost adapter can
replace the simulated partner (ADR 0603).

The desk's side of the conversation is the public event ``PostalPickupRequested`` on
``delivery.dossiers.v1``; the postal-partner worker turns each one into a ``PickupOrder`` and hands it to a
``PostalCarrier``. The partner's side comes back as the public P-events on ``postal.shipments.v1``:

- ``SimulatedCarrier`` (here) records the order in this repository's own postal context, whose officers'
  and couriers' commands then produce P6–P11;
- a VNPost adapter (in ``services/``) would call the carrier's order API over the integration platform
  (LGSP: ``ItemCode`` = waybill, ``OrderNumber`` = MaHoSo, receiver, ``CODAmount``) and translate the
  carrier's tracking callbacks into the same P-events, keyed by the dossier id with its own gap-free seq.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from contracts.delivery import PostalPickupRequested
from delivery.values import Address, Contact, PostalItem

if TYPE_CHECKING:
    from delivery.postal.partner import PostalPartner


@dataclass(frozen=True)
class PickupOrder:
    """A ready result the agency asks the carrier to collect and deliver (YeuCauBuuDienLayKetQua)."""

    request_event_id: UUID
    dossier_id: UUID
    dossier_code: str
    pickup_unit_code: str
    recipient: Contact
    delivery_address: Address
    items: Sequence[PostalItem]
    cod_amount_vnd: int
    requested_at: datetime
    correlation_id: UUID

    @classmethod
    def from_request(cls, event: PostalPickupRequested) -> PickupOrder:
        r, a = event.recipient, event.delivery_address
        return cls(
            request_event_id=event.event_id,
            dossier_id=event.dossier_id,
            dossier_code=event.dossier_code,
            pickup_unit_code=event.pickup_unit_code,
            recipient=Contact(name=r.name, phone=r.phone, email=r.email),
            delivery_address=Address(
                street=a.street, commune=a.commune, province=a.province, district=a.district
            ),
            items=tuple(PostalItem(name=i.name, original=i.original, copies=i.copies) for i in event.items),
            cod_amount_vnd=event.cod_amount_vnd,
            requested_at=event.occurred_at,
            correlation_id=event.correlation_id,
        )


@dataclass(frozen=True)
class CarrierOrderAck:
    """The carrier took the order: which partner serves it and the shipment it opened."""

    partner_id: str
    shipment_id: UUID


class PostalCarrier(Protocol):
    def order_result_pickup(self, order: PickupOrder) -> CarrierOrderAck:
        """Take the order (idempotently: the same ``request_event_id`` twice opens one shipment)."""
        ...


class SimulatedCarrier:
    """The port served by this repository's own postal partner context."""

    def __init__(self, partner: PostalPartner) -> None:
        self.partner = partner

    def order_result_pickup(self, order: PickupOrder) -> CarrierOrderAck:
        return self.partner.order_result_pickup(order)
