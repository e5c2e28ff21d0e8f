"""The delivery context's one mapper from internal events to the public v1 contracts (issue 6).

``outbound(domain_event)`` is what the relay calls for every notification of the delivery event store:
``NotificationSent`` becomes E24 ``ApplicantNotified`` (for kinds the v1 vocabulary has), the pick-up
request becomes ``PostalPickupRequested``, the return E25 ``ResultReturned`` and the rating E26
``SatisfactionRated``; everything else is internal and maps to nothing. A pure function of the stored event:

- ``event_id`` comes from ``contracts.identity.public_event_id`` (producer, dossier id, internal version,
  recording time), so a page the relay sends twice carries the same ids;
- ``seq`` is the ``public_seq`` the aggregate stamped on the event when it decided it: 1, 2, 3 … over the
  delivery-produced public events of the dossier, without gaps;
- business times are rendered in +07:00; actor, correlation and causation ids are the command's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from contracts import delivery as public
from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.identity import public_event_id
from delivery.clock import business_time
from delivery.notifications import MessageKind
from delivery.result_delivery import ResultDelivery

_Payload = tuple[type[PublicEvent], dict[str, Any]]


def outbound(domain_event: object) -> Sequence[PublicEvent]:
    """The public events for one internal event of the delivery store (none or exactly one)."""
    if not isinstance(domain_event, ResultDelivery.Event) or domain_event.public_seq is None:
        return ()
    build = _BUILDERS.get(type(domain_event))
    if build is None:
        # A published event without a mapping is a bug; the relay must stop, not skip it.
        raise TypeError(f"no public mapping for {type(domain_event).__qualname__}")
    public_type, payload = build(domain_event)
    return (public_type.model_validate({**_envelope(domain_event), **payload}),)


def _envelope(event: ResultDelivery.Event) -> dict[str, Any]:
    actor = event.actor
    return {
        "event_id": public_event_id(
            Producer.DELIVERY, event.originator_id, event.originator_version, event.timestamp
        ),
        "seq": event.public_seq,
        "occurred_at": business_time(event.occurred_at),
        "recorded_at": business_time(event.timestamp),
        "producer": Producer.DELIVERY,
        "actor": {"kind": actor.kind, "id": actor.id, "unit_code": actor.unit_code},
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "dossier_id": event.originator_id,
    }


def _notified(event: ResultDelivery.NotificationSent) -> _Payload:
    return public.ApplicantNotified, {
        "kind": MessageKind(event.kind).public_kind,
        "channel": event.channel,
        "message_ref": str(event.message_id),
    }


def _pickup(event: ResultDelivery.PostalPickupRequested) -> _Payload:
    return public.PostalPickupRequested, {
        "dossier_code": event.dossier_code,
        "pickup_unit_code": event.pickup_unit_code,
        "recipient": asdict(event.recipient),
        "delivery_address": asdict(event.delivery_address),
        "items": [asdict(item) for item in event.items],
        "cod_amount_vnd": event.cod_amount_vnd,
    }


def _returned(event: ResultDelivery.ResultReturned) -> _Payload:
    return public.ResultReturned, {
        "method": event.method,
        "recipient": asdict(event.recipient) if event.recipient is not None else None,
        "originals_returned": list(event.originals_returned),
        "fees_collected_vnd": event.fees_collected_vnd,
        "shipment_id": event.shipment_id,
    }


def _rated(event: ResultDelivery.Rated) -> _Payload:
    return public.SatisfactionRated, {
        "level": event.level,
        "criteria": [asdict(score) for score in event.criteria],
        "channel": event.channel,
    }


_BUILDERS: dict[type[ResultDelivery.Event], Callable[[Any], _Payload]] = {
    ResultDelivery.NotificationSent: _notified,
    ResultDelivery.PostalPickupRequested: _pickup,
    ResultDelivery.ResultReturned: _returned,
    ResultDelivery.Rated: _rated,
}
