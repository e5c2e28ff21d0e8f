"""The intake context's one mapper from internal events to the public v1 contracts (issue 4, item 6).

``outbound(domain_event)`` is what the relay calls for every notification of the intake event store:
dossier events become ``contracts.intake`` events (a payment at the desk becomes ``PaymentReceived`` on the
payment topic); code books and internal notes map to nothing. It is a pure function of the stored event:

- ``event_id`` comes from ``contracts.identity.public_event_id`` (producer, dossier id, internal version,
  recording time), so a page the relay sends twice carries the same ids;
- ``seq`` is the ``public_seq`` the aggregate stamped on the event when it decided it: 1, 2, 3 … over the
  intake-produced public events of the dossier, without gaps (ADR 0251);
- business times are rendered in +07:00; actor, correlation and causation ids are the command's.

The desk maps every pending event before it saves (a value the contract refuses is refused with the
command), so the relay never meets an event it cannot publish.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from contracts import intake as public
from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.identity import public_event_id
from contracts.payment import PaymentReceived
from intake.calendar import VIETNAM_TZ
from intake.dossier import Dossier

_Payload = tuple[type[PublicEvent], dict[str, Any]]


def outbound(domain_event: object) -> Sequence[PublicEvent]:
    """The public events for one internal event of the intake store (often exactly one, maybe none)."""
    if not isinstance(domain_event, Dossier.Event) or domain_event.public_seq is None:
        return ()
    build = _BUILDERS.get(type(domain_event))
    if build is None:
        # A published dossier event without a mapping is a bug; the relay must stop, not skip it.
        raise TypeError(f"no public mapping for {type(domain_event).__qualname__}")
    public_type, payload = build(domain_event)
    return (public_type.model_validate({**_envelope(domain_event), **payload}),)


def _envelope(event: Dossier.Event) -> dict[str, Any]:
    actor = event.actor
    return {
        "event_id": public_event_id(
            Producer.INTAKE, event.originator_id, event.originator_version, event.timestamp
        ),
        "seq": event.public_seq,
        "occurred_at": _business(event.occurred_at),
        "recorded_at": _business(event.timestamp),
        "producer": Producer.INTAKE,
        "actor": {"kind": actor.kind, "id": actor.id, "unit_code": actor.unit_code},
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "dossier_id": event.originator_id,
    }


def _business(at: datetime | None) -> datetime | None:
    return at.astimezone(VIETNAM_TZ) if at is not None else None


def _values(values: Sequence[Any]) -> list[dict[str, Any]]:
    return [asdict(value) for value in values]


def _submitted(event: Dossier.Submitted) -> _Payload:
    return public.DossierSubmitted, {
        "dossier_code": event.dossier_code,
        "channel": event.channel,
        "online_mode": event.online_mode,
        "procedure_code": event.procedure_code,
        "procedure_version": event.procedure_version,
        "receiving_unit_code": event.receiving_unit_code,
        "summary": event.summary,
        "applicant": asdict(event.applicant),
        "vneid_authenticated": event.vneid_authenticated,
        "components": _values(event.components),
        "result_return_method": event.result_return_method,
        "postal_return_address": asdict(event.postal_return_address) if event.postal_return_address else None,
    }


def _supplement_requested(event: Dossier.IntakeSupplementRequested) -> _Payload:
    return public.IntakeSupplementRequested, {
        "reasons": event.reasons,
        "items": _values(event.items),
        "notice_channel": event.notice_channel,
        "notice_no": event.notice_no,
        "applicant_deadline": _business(event.applicant_deadline),
    }


def _supplement_provided(event: Dossier.IntakeSupplementProvided) -> _Payload:
    return public.IntakeSupplementProvided, {"items": _values(event.items), "channel": event.channel}


def _supplement_submitted(event: Dossier.SupplementSubmitted) -> _Payload:
    return public.SupplementSubmitted, {
        "request_no": event.request_no,
        "items": _values(event.items),
        "channel": event.channel,
    }


def _refused(event: Dossier.Refused) -> _Payload:
    return public.DossierRefused, {
        "reason_code": event.reason_code,
        "reason_text": event.reason_text,
        "notice_no": event.notice_no,
    }


def _received(event: Dossier.Received) -> _Payload:
    return public.DossierReceived, {
        "dossier_code": event.dossier_code,
        "procedure_code": event.procedure_code,
        "channel": event.channel,
        "receiving_unit_code": event.receiving_unit_code,
        "processing_unit_code": event.processing_unit_code,
        "legal_receipt_at": _business(event.legal_receipt_at),
        "clock_start_at": _business(event.clock_start_at),
        "statutory_duration": {"value": float(event.duration_value), "unit": event.duration_unit},
        "due_at": _business(event.due_at),
        "immediate_result": event.immediate_result,
        "receipt_slip_no": event.receipt_slip_no,
        "workflow_id": event.workflow_id,
        "fee_lines": _values(event.fee_lines),
    }


def _digitized(event: Dossier.ComponentDigitized) -> _Payload:
    return public.ComponentDigitized, {
        "component_code": event.component_code,
        "file_ref": event.file_ref,
        "sha256": event.sha256,
        "source": event.source,
        "reused_from": event.reused_from,
        "digitally_signed": event.digitally_signed,
        "signer": event.signer,
        "stored_in_data_store": event.stored_in_data_store,
    }


def _transferred(event: Dossier.Transferred) -> _Payload:
    return public.DossierTransferred, {
        "from_unit_code": event.from_unit_code,
        "to_unit_code": event.to_unit_code,
        "mode": event.mode,
        "step_due_at": _business(event.step_due_at),
        "transfer_slip_no": event.transfer_slip_no,
    }


def _paid(event: Dossier.PaymentRecorded) -> _Payload:
    return PaymentReceived, {
        "obligation_id": None,  # receipt-time fee lines, not a processing obligation
        "lines": _values(event.lines),
        "amount_vnd": event.amount_vnd,
        "method": event.method,
        "transaction_ref": event.transaction_ref,
        "receipt_no": event.receipt_no,
    }


def _withdrawal(event: Dossier.WithdrawalRequested) -> _Payload:
    return public.WithdrawalRequested, {"channel": event.channel, "reason": event.reason}


def _due_corrected(event: Dossier.DueDateCorrected) -> _Payload:
    return public.DueDateCorrected, {
        "old_due_at": _business(event.old_due_at),
        "new_due_at": _business(event.new_due_at),
        "reason": event.reason,
        "approved_by": event.approved_by,
    }


_BUILDERS: dict[type[Dossier.Event], Callable[[Any], _Payload]] = {
    Dossier.Submitted: _submitted,
    Dossier.IntakeSupplementRequested: _supplement_requested,
    Dossier.IntakeSupplementProvided: _supplement_provided,
    Dossier.SupplementSubmitted: _supplement_submitted,
    Dossier.Refused: _refused,
    Dossier.Received: _received,
    Dossier.ComponentDigitized: _digitized,
    Dossier.Transferred: _transferred,
    Dossier.PaymentRecorded: _paid,
    Dossier.WithdrawalRequested: _withdrawal,
    Dossier.DueDateCorrected: _due_corrected,
}
