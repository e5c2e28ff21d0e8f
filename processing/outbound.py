"""The one mapper from the case's internal events to the public v1 contracts (``processing.dossiers.v1``).

Each internal event maps to one public event or to none (the case's opening, the desk's facts it notes,
payments it records, watcher alerts). The public envelope is derived, never minted:

- ``event_id`` = ``contracts.identity.public_event_id(processing, dossier id, internal version, internal
  timestamp)``, so a relay that re-sends a page re-sends the same ids;
- ``seq`` = the ``public_seq`` the case stamped on the event when it recorded it: the case counts only the
  events that are published, so ``seq`` is 1, 2, 3 … without gaps per dossier (ADR 0503);
- ``occurred_at`` = the business time of the fact, ``recorded_at`` = the internal event's timestamp, both
  rendered +07:00 by the contracts.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import DomainEventProtocol

from contracts import processing as public
from contracts.enums import (
    ClockPauseReason,
    PaymentMethod,
    Producer,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)
from contracts.envelope import PublicEvent
from contracts.identity import public_event_id
from contracts.values import FeeLine, RequestedItem, ResultDocument
from processing import case_events as ev


def to_public(event: DomainEventProtocol[Any]) -> list[PublicEvent]:
    """The public events ``event`` maps to (none or one)."""
    if not isinstance(event, ev.CaseEvent) or event.public_seq is None:
        return []
    return [_map(event, _envelope(event))]


def _envelope(event: ev.CaseEvent) -> dict[str, Any]:
    assert event.public_seq is not None
    return {
        "event_id": public_event_id(
            Producer.PROCESSING, event.originator_id, event.originator_version, event.timestamp
        ),
        "seq": event.public_seq,
        "occurred_at": event.at,
        "recorded_at": event.timestamp,
        "producer": Producer.PROCESSING,
        "actor": event.actor,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "dossier_id": event.originator_id,
    }


def _map(event: ev.CaseEvent, envelope: dict[str, Any]) -> PublicEvent:
    match event:
        case ev.HandlerAssigned():
            due = event.step_due_at
            return public.HandlerAssigned(
                **envelope,
                handler_id=event.handler_id,
                unit_code=event.unit_code,
                department=event.department,
                step=StepKind(event.step),
                # The contract wants a future step deadline; an assignment to an overdue step carries none.
                step_due_at=due if due is not None and due > event.at else None,
            )
        case ev.StepCompleted():
            return public.ProcessingStepCompleted(
                **envelope,
                step=StepKind(event.step),
                unit_code=event.unit_code,
                started_at=event.started_at,
                step_due_at=event.step_due_at,
                outcome=StepOutcome(event.outcome),
                note=event.note,
            )
        case ev.PartnerTaskCompleted():
            return public.ProcessingStepCompleted(
                **envelope,
                step=StepKind.INTER_AGENCY,
                unit_code=event.agency_code,
                started_at=event.started_at,
                step_due_at=event.step_due_at,
                outcome=StepOutcome(event.outcome),
                note=event.note,
            )
        case ev.VerificationScheduled():
            return public.VerificationScheduled(
                **envelope,
                scheduled_for=event.scheduled_for,
                place=event.place,
                participants=event.participants,
                content=event.content,
                applicant_presence_required=event.applicant_presence_required,
            )
        case ev.ConsultationRequested():
            return public.ConsultationRequested(
                **envelope,
                consultation_id=event.consultation_id,
                consulted_unit_code=event.consulted_unit_code,
                question=event.question,
                reply_due_at=event.reply_due_at,
            )
        case ev.ConsultationAnswered():
            return public.ConsultationAnswered(
                **envelope,
                consultation_id=event.consultation_id,
                consulted_unit_code=event.consulted_unit_code,
                answer_ref=event.answer_ref,
                summary=event.summary,
            )
        case ev.HandedOff():
            return public.InterAgencyHandoff(
                **envelope,
                from_agency_code=event.from_agency_code,
                to_agency_code=event.to_agency_code,
                lead_agency_code=event.lead_agency_code,
                order_index=event.order_index,
                parallel=event.parallel,
                task=event.task,
                step_due_at=event.step_due_at,
                transfer_slip_no=event.transfer_slip_no,
                partial_result_refs=event.partial_result_refs,
            )
        case ev.SupplementRequested():
            return public.SupplementRequested(
                **envelope,
                request_no=event.request_no,
                sector_law_exception=event.sector_law_exception,
                exception_legal_basis=event.exception_legal_basis,
                reasons=event.reasons,
                items=[RequestedItem.model_validate(item) for item in event.items],
                one_stop_unit_code=event.one_stop_unit_code,
                within_three_working_days=event.within_window,
                clock_policy=SupplementClockPolicy(event.clock_policy),
            )
        case ev.SupplementAccepted():
            return public.SupplementAccepted(
                **envelope,
                request_no=event.request_no,
                new_clock_start_at=event.new_clock_start_at,
                previous_due_at=event.previous_due_at,
                new_due_at=event.new_due_at,
                waited=event.waited,
            )
        case ev.ObligationRequested():
            return public.FinancialObligationRequested(
                **envelope,
                obligation_id=event.obligation_id,
                lines=[FeeLine.model_validate(line) for line in event.lines],
                pay_by=event.pay_by,
                allowed_methods=[PaymentMethod(method) for method in event.allowed_methods],
            )
        case ev.ClockPaused():
            return public.ClockPaused(
                **envelope,
                pause_id=event.pause_id,
                reason=ClockPauseReason(event.reason),
                legal_basis=event.legal_basis,
            )
        case ev.ClockResumed():
            return public.ClockResumed(
                **envelope,
                pause_id=event.pause_id,
                reason=ClockPauseReason(event.reason),
                paused_at=event.paused_at,
                new_effective_due_at=event.new_effective_due_at,
            )
        case ev.ApologyIssued():
            return public.DelayApologyIssued(
                **envelope,
                reason=event.reason,
                letter_no=event.letter_no,
                previous_due_at=event.previous_due_at,
                new_due_at=event.new_due_at,
                issued_late=event.issued_late,
            )
        case ev.Stopped():
            return public.ProcessingStopped(
                **envelope,
                cause=StopCause(event.cause),
                notice_no=event.notice_no,
                reason=event.reason,
                legal_basis=event.legal_basis,
            )
        case ev.Rejected():
            return public.DossierRejected(
                **envelope, reasons=event.reasons, legal_basis=event.legal_basis, notice_no=event.notice_no
            )
        case ev.ResultIssued():
            return public.ResultIssued(
                **envelope,
                documents=[ResultDocument.model_validate(document) for document in event.documents],
                e_result=event.e_result,
            )
        case ev.ResultDigitized():
            return public.ResultDigitized(
                **envelope,
                document_code=event.document_code,
                file_ref=event.file_ref,
                sha256=event.sha256,
                digitally_signed=event.digitally_signed,
                signer=event.signer,
            )
        case ev.ResultStored():
            return public.ResultStoredInDataStore(
                **envelope,
                document_code=event.document_code,
                file_ref=event.file_ref,
                data_store_ref=event.data_store_ref,
                vneid_pushed=event.vneid_pushed,
            )
    raise TypeError(f"{type(event).__qualname__} is published but has no public mapping")
