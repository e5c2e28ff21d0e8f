"""The postal context's one mapper from internal events to the public v1 contracts (P1–P12, issue 6).

A pure function of the stored event, like the desk's: ``event_id`` from ``public_event_id`` (producer
``postal``, dossier id, internal version, recording time), ``seq`` = the ``public_seq`` stamped when the
event was decided (gap-free over the postal events of the dossier), business times in +07:00. Internal
events (the file opening, facts learned from intake, pick-up orders, SLA breaches) map to nothing; the
waybill register is not a dossier and maps to nothing either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from contracts import postal as public
from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.identity import public_event_id
from delivery.clock import business_time
from delivery.postal.postal_file import PostalFile

_Payload = tuple[type[PublicEvent], dict[str, Any]]


def outbound(domain_event: object) -> Sequence[PublicEvent]:
    """The public events for one internal event of the postal store (none or exactly one)."""
    if not isinstance(domain_event, PostalFile.Event) or domain_event.public_seq is None:
        return ()
    build = _BUILDERS.get(type(domain_event))
    if build is None:
        raise TypeError(f"no public mapping for {type(domain_event).__qualname__}")
    public_type, payload = build(domain_event)
    return (public_type.model_validate({**_envelope(domain_event), **payload}),)


def _envelope(event: PostalFile.Event) -> dict[str, Any]:
    actor = event.actor
    return {
        "event_id": public_event_id(
            Producer.POSTAL, event.originator_id, event.originator_version, event.timestamp
        ),
        "seq": event.public_seq,
        "occurred_at": business_time(event.occurred_at),
        "recorded_at": business_time(event.timestamp),
        "producer": Producer.POSTAL,
        "actor": {"kind": actor.kind, "id": actor.id, "unit_code": actor.unit_code},
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "dossier_id": event.originator_id,
    }


def _opt(value: Any) -> Any:
    return asdict(value) if value is not None else None


def _items(items: Sequence[Any]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]


def _requested(e: PostalFile.ServiceRequested) -> _Payload:
    return public.PostalServiceRequested, {
        "service_form": e.service_form,
        "requested_via": e.requested_via,
        "dossier_code": e.dossier_code,
        "procedure_code": e.procedure_code,
        "agency_unit_code": e.agency_unit_code,
        "contact": asdict(e.contact),
        "pickup_address": _opt(e.pickup_address),
        "delivery_address": _opt(e.delivery_address),
    }


def _accepted(e: PostalFile.ItemAccepted) -> _Payload:
    return public.PostalItemAccepted, {
        "shipment_id": e.shipment_id,
        "waybill_no": e.waybill_no,
        "consignment_note_no": e.consignment_note_no,
        "items": _items(e.items),
        "tthc_fee_collected_vnd": e.tthc_fee_collected_vnd,
        "postage_vnd": e.postage_vnd,
        "fee_receipt_no": e.fee_receipt_no,
        "post_office_code": e.post_office_code,
        "route_class": e.route_class,
        "slip_returned_to_applicant": e.slip_required,
        "sla_due_at": business_time(e.sla_due_at),
    }


def _transit(e: PostalFile.InTransit) -> _Payload:
    return public.PostalItemInTransit, {
        "shipment_id": e.shipment_id,
        "waybill_no": e.waybill_no,
        "movement": e.movement,
        "office_code": e.office_code,
        "next_office_code": e.next_office_code,
    }


def _handed_over(e: PostalFile.HandedOver) -> _Payload:
    return public.DossierHandedOverToAgency, {
        "shipment_id": e.shipment_id,
        "waybill_no": e.waybill_no,
        "handover_record_no": e.handover_record_no,
        "batch_size": e.batch_size,
        "agency_unit_code": e.agency_unit_code,
        "agency_officer_id": e.agency_officer_id,
        "complete": e.complete,
        "missing_items": list(e.missing_items),
        "fees_remitted_vnd": e.fees_remitted_vnd,
    }


def _appointment(e: PostalFile.AppointmentDelivered) -> _Payload:
    return public.AppointmentInfoDelivered, {
        "shipment_id": e.shipment_id,
        "dossier_code": e.dossier_code,
        "channel": e.channel,
        "due_at": business_time(e.due_at) if e.due_at else None,
    }


def _picked_up(e: PostalFile.ResultPickedUp) -> _Payload:
    return public.ResultPickedUpFromAgency, {
        "shipment_id": e.shipment_id,
        "waybill_no": e.waybill_no,
        "consignment_note_no": e.consignment_note_no,
        "dossier_code": e.dossier_code,
        "items": _items(e.items),
        "originals_returned": list(e.originals_returned),
        "bulk_sealed_by_agency": e.bulk_sealed_by_agency,
        "agency_officer_id": e.agency_officer_id,
        "route_class": e.route_class,
        "cod_amount_vnd": e.cod_amount_vnd,
        "sla_due_at": business_time(e.sla_due_at),
    }


def _out(e: PostalFile.OutForDelivery) -> _Payload:
    return public.OutForDelivery, {
        "shipment_id": e.shipment_id,
        "attempt_no": e.attempt_no,
        "courier_id": e.courier_id,
    }


def _failed(e: PostalFile.DeliveryFailed) -> _Payload:
    return public.DeliveryFailed, {
        "shipment_id": e.shipment_id,
        "attempt_no": e.attempt_no,
        "reason": e.reason,
        "invitation_issued": e.invitation_issued,
        "next_attempt_at": business_time(e.next_attempt_at) if e.next_attempt_at else None,
    }


def _delivered(e: PostalFile.Delivered) -> _Payload:
    return public.Delivered, {
        "shipment_id": e.shipment_id,
        "recipient": asdict(e.recipient),
        "recovered_documents": list(e.recovered_documents),
        "fees_collected_vnd": e.fees_collected_vnd,
        "signature_ref": e.signature_ref,
    }


def _returned(e: PostalFile.ReturnedToAgency) -> _Payload:
    return public.ReturnedToAgency, {
        "shipment_id": e.shipment_id,
        "reason": e.reason,
        "invitations": e.invitations,
        "last_invitation_at": business_time(e.last_invitation_at) if e.last_invitation_at else None,
    }


def _lost(e: PostalFile.LostOrDamaged) -> _Payload:
    return public.ItemLostOrDamaged, {
        "shipment_id": e.shipment_id,
        "kind": e.kind,
        "description": e.description,
        "damage_record_no": e.damage_record_no,
        "liability": e.liability,
    }


def _complaint(e: PostalFile.ComplaintFiled) -> _Payload:
    return public.ComplaintFiled, {
        "complaint_id": e.complaint_id,
        "shipment_id": e.shipment_id,
        "scope": e.scope,
        "content": e.content,
        "resolution_due_at": business_time(e.resolution_due_at),
    }


def _resolved(e: PostalFile.ComplaintResolved) -> _Payload:
    return public.ComplaintResolved, {
        "complaint_id": e.complaint_id,
        "resolution": e.resolution,
        "compensation_vnd": e.compensation_vnd,
    }


_BUILDERS: dict[type[PostalFile.Event], Callable[[Any], _Payload]] = {
    PostalFile.ServiceRequested: _requested,
    PostalFile.ItemAccepted: _accepted,
    PostalFile.InTransit: _transit,
    PostalFile.HandedOver: _handed_over,
    PostalFile.AppointmentDelivered: _appointment,
    PostalFile.ResultPickedUp: _picked_up,
    PostalFile.OutForDelivery: _out,
    PostalFile.DeliveryFailed: _failed,
    PostalFile.Delivered: _delivered,
    PostalFile.ReturnedToAgency: _returned,
    PostalFile.LostOrDamaged: _lost,
    PostalFile.ComplaintFiled: _complaint,
    PostalFile.ComplaintResolved: _resolved,
}
