"""Folding one dossier's public events, in canonical order, into its state, history and clock ledger.

Pure: ``fold_dossier(state, events)`` returns the new state and the rows to write. Every event about the
dossier (intake, processing, payment, delivery, postal and portal topics) is accepted; a valid event that
the state machine would not expect (e.g. a payment before the receipt) is recorded, never refused, because
a read model reports what happened and a refusal here would stall the consumer on a good message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from contracts import delivery, intake, payment, portal, postal, processing
from contracts.envelope import DossierEvent
from contracts.values import FeeLine

from .dossier_state import (
    ApologyState,
    DossierState,
    Outcome,
    PauseState,
    PaymentState,
    ShipmentState,
    Status,
    SupplementState,
    fact_row,
)
from .state import Position, Row, business_time

E = TypeVar("E", bound=DossierEvent)


@dataclass
class DossierOutput:
    """What folding some events of one dossier produced."""

    state: DossierState
    versions: list[Row] = field(default_factory=list)
    ledger: list[Row] = field(default_factory=list)
    shipments: dict[str, Row] = field(default_factory=dict)
    ratings: list[Row] = field(default_factory=list)
    syncs: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)

    @property
    def current(self) -> Row | None:
        return self.versions[-1] if self.versions else None


@dataclass
class _Step:
    state: DossierState
    event: DossierEvent
    ordinal: int
    out: DossierOutput
    due_before: datetime | None

    def ledger(self, kind: str, note: str, *, wait: timedelta | None = None) -> None:
        self.out.ledger.append(
            {
                "dossier_id": self.state.dossier_id,
                "ordinal": self.ordinal,
                "event_id": str(self.event.event_id),
                "kind": kind,
                "at": business_time(self.event.occurred_at),
                "known_at": business_time(self.event.recorded_at),
                "due_before": self.due_before,
                "effective_due_at": self.state.effective_due_at,
                "original_due_at": self.state.original_due_at,
                "wait_seconds": int(wait.total_seconds()) if wait is not None else None,
                "note": note,
            }
        )


_Handler = Callable[[DossierState, Any, _Step], None]
_HANDLERS: dict[type[DossierEvent], _Handler] = {}


def _on(cls: type[E]) -> Callable[[Callable[[DossierState, E, _Step], None]], Callable[..., None]]:
    def register(handler: Callable[[DossierState, E, _Step], None]) -> Callable[..., None]:
        _HANDLERS[cls] = handler
        return handler

    return register


def _at(event: DossierEvent) -> datetime:
    return business_time(event.occurred_at)


def _first(current: str | None, value: str | None) -> str | None:
    return current if current is not None else value


def _fee_total(lines: Iterable[FeeLine]) -> int:
    return sum(line.amount_vnd for line in lines)


def _set_status(state: DossierState, status: Status) -> None:
    """Move the state machine unless the dossier already reached a terminal status."""
    if state.status is None or not state.status.terminal:
        state.status = status


def _finish(state: DossierState, outcome: Outcome, at: datetime) -> None:
    """The first terminal status wins (domain.md §1.3 2.1): later ones never move the end time."""
    if state.outcome is None:
        state.outcome = outcome
        state.finished_at = at


# -- intake ------------------------------------------------------------------------------------------------


@_on(intake.DossierSubmitted)
def _submitted(state: DossierState, e: intake.DossierSubmitted, step: _Step) -> None:
    state.dossier_code = _first(state.dossier_code, e.dossier_code)
    state.procedure_code = e.procedure_code
    state.receiving_unit_code = e.receiving_unit_code
    state.channel = e.channel.value
    state.online_mode = e.online_mode.value if e.online_mode is not None else None
    state.applicant_kind = e.applicant.kind.value
    state.submitted_at = _at(e)
    state.vneid_authenticated = state.vneid_authenticated or e.vneid_authenticated
    state.population_db_linked = state.population_db_linked or e.applicant.population_record_code is not None
    state.requested_return_method = e.result_return_method.value
    for submitted in e.components:
        component = state.component(submitted.code)
        if submitted.files:
            component.file_attached = True
            component.source = submitted.source.value if submitted.source is not None else component.source
    if state.status is None:
        state.status = Status.SUBMITTED


@_on(intake.IntakeSupplementRequested)
def _intake_supplement_requested(
    state: DossierState, e: intake.IntakeSupplementRequested, step: _Step
) -> None:
    if state.received_at is None:
        _set_status(state, Status.AWAITING_INTAKE_SUPPLEMENT)


@_on(intake.IntakeSupplementProvided)
def _intake_supplement_provided(state: DossierState, e: intake.IntakeSupplementProvided, step: _Step) -> None:
    for item in e.items:
        if item.component_code is not None and item.files:
            state.component(item.component_code).file_attached = True
    if state.status is Status.AWAITING_INTAKE_SUPPLEMENT:
        state.status = Status.SUBMITTED


@_on(intake.DossierRefused)
def _refused(state: DossierState, e: intake.DossierRefused, step: _Step) -> None:
    if state.received_at is None:
        state.refused_at = _at(e)
        _set_status(state, Status.REFUSED)
    step.ledger("REFUSED", f"Từ chối tiếp nhận ({e.reason_code.value})")


@_on(intake.DossierReceived)
def _received(state: DossierState, e: intake.DossierReceived, step: _Step) -> None:
    state.dossier_code = e.dossier_code
    state.procedure_code = e.procedure_code
    state.channel = e.channel.value
    state.receiving_unit_code = e.receiving_unit_code
    state.processing_unit_code = e.processing_unit_code
    state.received_at = _at(e)
    state.legal_receipt_at = business_time(e.legal_receipt_at)
    state.clock_start_at = business_time(e.clock_start_at)
    state.statutory_duration_value = Decimal(str(e.statutory_duration.value))
    state.statutory_duration_unit = e.statutory_duration.unit.value
    state.immediate_result = e.immediate_result
    state.original_due_at = business_time(e.due_at)
    state.effective_due_at = business_time(e.due_at)
    state.fee_lines_vnd = _fee_total(e.fee_lines)
    if state.status in (None, Status.SUBMITTED, Status.AWAITING_INTAKE_SUPPLEMENT):
        state.status = Status.RECEIVED
    step.ledger(
        "RECEIVED",
        f"Tiếp nhận; bắt đầu tính thời gian {state.clock_start_at.isoformat()}, hẹn trả "
        f"{state.original_due_at.isoformat()} ({e.statutory_duration.value:g} {e.statutory_duration.unit.value})",
    )


@_on(intake.ComponentDigitized)
def _digitized(state: DossierState, e: intake.ComponentDigitized, step: _Step) -> None:
    component = state.component(e.component_code)
    component.file_attached = True
    component.source = e.source.value
    component.stored_in_data_store = component.stored_in_data_store or e.stored_in_data_store


@_on(intake.DossierTransferred)
def _transferred(state: DossierState, e: intake.DossierTransferred, step: _Step) -> None:
    state.current_unit_code = e.to_unit_code
    if state.status is Status.RECEIVED:
        state.status = Status.IN_PROCESSING


@_on(intake.SupplementSubmitted)
def _supplement_submitted(state: DossierState, e: intake.SupplementSubmitted, step: _Step) -> None:
    request = state.supplement(e.request_no)
    if request is not None and request.submitted_at is None:
        request.submitted_at = _at(e)
    step.ledger("SUPPLEMENT_SUBMITTED", f"Công dân nộp bổ sung cho yêu cầu số {e.request_no}")


@_on(intake.WithdrawalRequested)
def _withdrawal(state: DossierState, e: intake.WithdrawalRequested, step: _Step) -> None:
    if state.received_at is None:
        _set_status(state, Status.CANCELLED)  # before receipt: a cancellation, not a 766 dossier
        return
    if state.outcome is None:
        _finish(state, Outcome.WITHDRAWN, _at(e))
        _set_status(state, Status.WITHDRAWAL_REQUESTED)
    step.ledger("WITHDRAWAL_REQUESTED", "Công dân yêu cầu rút hồ sơ (kết thúc tính thời gian)")


@_on(intake.DueDateCorrected)
def _due_corrected(state: DossierState, e: intake.DueDateCorrected, step: _Step) -> None:
    old, new = business_time(e.old_due_at), business_time(e.new_due_at)
    if state.original_due_at is None or state.original_due_at == old:
        state.original_due_at = new
    if state.effective_due_at is None or state.effective_due_at == old:
        state.effective_due_at = new
    step.ledger("DUE_CORRECTED", f"Điều chỉnh hạn trả có phê duyệt ({e.approved_by}): {e.reason}")


# -- processing --------------------------------------------------------------------------------------------


def _processing_started(state: DossierState, e: DossierEvent, step: _Step) -> None:
    if state.status is Status.RECEIVED:
        state.status = Status.IN_PROCESSING


for _cls in (
    processing.HandlerAssigned,
    processing.ProcessingStepCompleted,
    processing.VerificationScheduled,
    processing.ConsultationRequested,
    processing.ConsultationAnswered,
):
    _HANDLERS[_cls] = _processing_started


@_on(processing.InterAgencyHandoff)
def _handoff(state: DossierState, e: processing.InterAgencyHandoff, step: _Step) -> None:
    state.current_unit_code = e.to_agency_code
    _processing_started(state, e, step)


@_on(processing.SupplementRequested)
def _supplement_requested(state: DossierState, e: processing.SupplementRequested, step: _Step) -> None:
    if state.supplement(e.request_no) is None:
        state.supplements.append(
            SupplementState(
                request_no=e.request_no,
                requested_at=_at(e),
                clock_policy=e.clock_policy.value,
                sector_law_exception=e.sector_law_exception,
            )
        )
        state.supplements.sort(key=lambda s: (s.requested_at, s.request_no))
    if not state.finished:
        _set_status(state, Status.AWAITING_SUPPLEMENT)
    extra = " (ngoại lệ theo luật chuyên ngành: tính là quá hạn)" if e.request_no > 1 else ""
    step.ledger(
        "SUPPLEMENT_REQUESTED",
        f"Yêu cầu bổ sung số {e.request_no}, đồng hồ {e.clock_policy.value}{extra}",
    )


@_on(processing.SupplementAccepted)
def _supplement_accepted(state: DossierState, e: processing.SupplementAccepted, step: _Step) -> None:
    request = state.supplement(e.request_no)
    if request is None:
        # The request itself was never seen: the accepted wait still tells when it was made.
        request = SupplementState(request_no=e.request_no, requested_at=_at(e) - e.waited)
        state.supplements.append(request)
        state.supplements.sort(key=lambda s: (s.requested_at, s.request_no))
    if request.completed_at is None:
        request.completed_at = business_time(request.requested_at + e.waited)
        request.new_due_at = business_time(e.new_due_at)
    state.effective_due_at = business_time(e.new_due_at)
    if state.status is Status.AWAITING_SUPPLEMENT and not any(
        s.completed_at is None for s in state.supplements
    ):
        state.status = Status.IN_PROCESSING
    step.ledger(
        "SUPPLEMENT_ACCEPTED",
        f"Hoàn thành bổ sung số {e.request_no}; tính lại từ {business_time(e.new_clock_start_at).isoformat()}",
        wait=e.waited,
    )


@_on(processing.FinancialObligationRequested)
def _obligation(state: DossierState, e: processing.FinancialObligationRequested, step: _Step) -> None:
    state.obligations[e.obligation_id] = e.total_vnd
    if not state.finished:
        _set_status(state, Status.AWAITING_PAYMENT)
    step.ledger("OBLIGATION_REQUESTED", f"Yêu cầu thực hiện nghĩa vụ tài chính {e.total_vnd} đồng")


@_on(processing.DelayApologyIssued)
def _apology(state: DossierState, e: processing.DelayApologyIssued, step: _Step) -> None:
    if state.apology is None:
        state.apology = ApologyState(
            issued_at=_at(e),
            previous_due_at=business_time(e.previous_due_at),
            new_due_at=business_time(e.new_due_at),
            issued_late=e.issued_late,
        )
    state.effective_due_at = business_time(e.new_due_at)
    late = " (gửi muộn)" if e.issued_late else ""
    step.ledger("APOLOGY_ISSUED", f"Xin lỗi và hẹn lại ngày trả{late}: {e.reason}")


@_on(processing.ClockPaused)
def _paused(state: DossierState, e: processing.ClockPaused, step: _Step) -> None:
    if state.pause(e.pause_id) is None:
        state.pauses.append(PauseState(pause_id=e.pause_id, reason=e.reason.value, paused_at=_at(e)))
        state.pauses.sort(key=lambda p: (p.paused_at, p.pause_id))
    step.ledger("CLOCK_PAUSED", f"Tạm dừng tính thời gian ({e.reason.value}): {e.legal_basis}")


@_on(processing.ClockResumed)
def _resumed(state: DossierState, e: processing.ClockResumed, step: _Step) -> None:
    pause = state.pause(e.pause_id)
    if pause is None:
        pause = PauseState(pause_id=e.pause_id, reason=e.reason.value, paused_at=business_time(e.paused_at))
        state.pauses.append(pause)
        state.pauses.sort(key=lambda p: (p.paused_at, p.pause_id))
    if pause.resumed_at is None and _at(e) >= pause.paused_at:
        pause.resumed_at = _at(e)
    state.effective_due_at = business_time(e.new_effective_due_at)
    step.ledger(
        "CLOCK_RESUMED",
        f"Tiếp tục tính thời gian ({e.reason.value})",
        wait=_at(e) - pause.paused_at,
    )


@_on(processing.ProcessingStopped)
def _stopped(state: DossierState, e: processing.ProcessingStopped, step: _Step) -> None:
    withdrawal = e.cause.value == "APPLICANT_WITHDRAWAL"
    if state.received_at is not None:
        _finish(state, Outcome.WITHDRAWN if withdrawal else Outcome.STOPPED, _at(e))
    _set_status(state, Status.STOPPED)
    step.ledger("STOPPED", f"Dừng xử lý ({e.cause.value}), thông báo {e.notice_no}")


@_on(processing.DossierRejected)
def _rejected(state: DossierState, e: processing.DossierRejected, step: _Step) -> None:
    _finish(state, Outcome.REJECTED, _at(e))
    _set_status(state, Status.RESULT_READY)
    step.ledger("REJECTED", f"Từ chối giải quyết ({e.legal_basis})")


@_on(processing.ResultIssued)
def _result(state: DossierState, e: processing.ResultIssued, step: _Step) -> None:
    _finish(state, Outcome.APPROVED, _at(e))
    documents = sorted(e.documents, key=lambda d: d.code)
    state.result_code = _first(state.result_code, documents[0].code)
    state.result_file_linked = state.result_file_linked or any(d.e_file_ref for d in documents)
    state.e_result = state.e_result or e.e_result
    _set_status(state, Status.RESULT_READY)
    step.ledger("RESULT_ISSUED", "Đã xử lý xong, có kết quả" + (" điện tử" if e.e_result else ""))


@_on(processing.ResultDigitized)
def _result_digitized(state: DossierState, e: processing.ResultDigitized, step: _Step) -> None:
    state.result_code = _first(state.result_code, e.document_code)
    state.result_file_linked = True


@_on(processing.ResultStoredInDataStore)
def _result_stored(state: DossierState, e: processing.ResultStoredInDataStore, step: _Step) -> None:
    state.result_code = _first(state.result_code, e.document_code)
    state.result_file_linked = True
    state.result_in_data_store = True


# -- payment -----------------------------------------------------------------------------------------------


@_on(payment.PaymentReceived)
def _paid(state: DossierState, e: payment.PaymentReceived, step: _Step) -> None:
    if all(p.event_id != str(e.event_id) for p in state.payments):
        state.payments.append(
            PaymentState(
                event_id=str(e.event_id),
                method=e.method.value,
                amount_vnd=e.amount_vnd,
                paid_at=_at(e),
                obligation_id=e.obligation_id,
            )
        )
    owed = sum(state.obligations.values())
    if state.status is Status.AWAITING_PAYMENT and state.paid_total_vnd >= owed:
        state.status = Status.RESULT_READY if state.finished else Status.IN_PROCESSING
    step.ledger("PAYMENT_RECEIVED", f"Đã thanh toán {e.amount_vnd} đồng ({e.method.value})")


# -- delivery ----------------------------------------------------------------------------------------------


@_on(delivery.ApplicantNotified)
def _notified(state: DossierState, e: delivery.ApplicantNotified, step: _Step) -> None:
    return None  # informational: who was told what changes no fact


@_on(delivery.PostalPickupRequested)
def _pickup_requested(state: DossierState, e: delivery.PostalPickupRequested, step: _Step) -> None:
    state.dossier_code = _first(state.dossier_code, e.dossier_code)


@_on(delivery.ResultReturned)
def _returned(state: DossierState, e: delivery.ResultReturned, step: _Step) -> None:
    if state.returned_at is None:
        state.returned_at = _at(e)
        state.return_method = e.method.value
    _set_status(state, Status.RETURNED)
    step.ledger("RESULT_RETURNED", f"Đã trả kết quả ({e.method.value})")


def _rating_row(state: DossierState, e: DossierEvent, source: str, level: str, channel: str | None) -> Row:
    criteria = getattr(e, "criteria", [])
    return {
        "event_id": str(e.event_id),
        "dossier_id": state.dossier_id,
        "source": source,
        "level": level,
        "channel": channel,
        "criteria": [{"criterion": c.criterion, "score": c.score} for c in criteria],
        "rated_at": _at(e),
        "known_at": business_time(e.recorded_at),
    }


def _rate(state: DossierState, at: datetime, level: str) -> None:
    if state.rated_at is None or at >= state.rated_at:
        state.rated_at = at
        state.rating_level = level


@_on(delivery.SatisfactionRated)
def _rated(state: DossierState, e: delivery.SatisfactionRated, step: _Step) -> None:
    _rate(state, _at(e), e.level.value)
    step.out.ratings.append(_rating_row(state, e, "DELIVERY", e.level.value, e.channel.value))


# -- portal ------------------------------------------------------------------------------------------------


@_on(portal.StatusSyncedToNationalPortal)
def _synced(state: DossierState, e: portal.StatusSyncedToNationalPortal, step: _Step) -> None:
    state.dossier_code = _first(state.dossier_code, e.dossier_code)
    if e.ack_status.value == "ACCEPTED" and (state.last_synced_at is None or _at(e) >= state.last_synced_at):
        state.last_synced_at = _at(e)
        state.last_synced_status = int(e.status_code)
    step.out.syncs.append(
        {
            "event_id": str(e.event_id),
            "dossier_id": state.dossier_id,
            "dossier_code": e.dossier_code,
            "status_code": int(e.status_code),
            "ack_status": e.ack_status.value,
            "error_code": e.error_code,
            "state_changed_at": business_time(e.state_changed_at),
            "sent_at": business_time(e.sent_at),
            "acked_at": _at(e),
            "attempt": e.attempt,
            "latency_ms": e.latency_ms,
            "known_at": business_time(e.recorded_at),
        }
    )


@_on(portal.DossierRatedOnPortal)
def _rated_on_portal(state: DossierState, e: portal.DossierRatedOnPortal, step: _Step) -> None:
    state.dossier_code = _first(state.dossier_code, e.dossier_code)
    _rate(state, _at(e), e.level.value)
    step.out.ratings.append(_rating_row(state, e, "PORTAL", e.level.value, "ONLINE_PORTAL"))


@_on(portal.PetitionLinked)
def _petition_linked(state: DossierState, e: portal.PetitionLinked, step: _Step) -> None:
    if e.petition_id not in state.petitions:
        state.petitions.append(e.petition_id)
        state.petitions.sort()
    step.out.links.append(
        {
            "event_id": str(e.event_id),
            "petition_id": e.petition_id,
            "dossier_id": state.dossier_id,
            "classification": e.classification.value,
            "petition_received_at": business_time(e.petition_received_at),
            "linked_at": _at(e),
            "known_at": business_time(e.recorded_at),
        }
    )


# -- postal ------------------------------------------------------------------------------------------------


def _ship(state: DossierState, e: DossierEvent, shipment_id: Any) -> ShipmentState:
    shipment = state.shipment(str(shipment_id))
    shipment.known_at = business_time(e.recorded_at)
    return shipment


def _advance(shipment: ShipmentState, status: str) -> None:
    if shipment.completed_at is None and shipment.lost_at is None:
        shipment.status = status


@_on(postal.PostalServiceRequested)
def _postal_requested(state: DossierState, e: postal.PostalServiceRequested, step: _Step) -> None:
    state.postal_service_form = e.service_form.value
    state.dossier_code = _first(state.dossier_code, e.dossier_code)
    state.procedure_code = _first(state.procedure_code, e.procedure_code)
    state.receiving_unit_code = _first(state.receiving_unit_code, e.agency_unit_code)


@_on(postal.PostalItemAccepted)
def _postal_accepted(state: DossierState, e: postal.PostalItemAccepted, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.direction = shipment.direction or "DOSSIER_TO_AGENCY"
    shipment.waybill_no = e.waybill_no
    shipment.route_class = e.route_class.value
    shipment.started_at = shipment.started_at or _at(e)
    shipment.sla_due_at = business_time(e.sla_due_at)
    _advance(shipment, "ACCEPTED")


@_on(postal.PostalItemInTransit)
def _postal_transit(state: DossierState, e: postal.PostalItemInTransit, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.waybill_no = shipment.waybill_no or e.waybill_no
    _advance(shipment, "IN_TRANSIT")


@_on(postal.DossierHandedOverToAgency)
def _handed_over(state: DossierState, e: postal.DossierHandedOverToAgency, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.direction = shipment.direction or "DOSSIER_TO_AGENCY"
    shipment.waybill_no = shipment.waybill_no or e.waybill_no
    _advance(shipment, "HANDED_OVER")
    shipment.completed_at = shipment.completed_at or _at(e)
    state.receiving_unit_code = _first(state.receiving_unit_code, e.agency_unit_code)


@_on(postal.AppointmentInfoDelivered)
def _appointment_delivered(state: DossierState, e: postal.AppointmentInfoDelivered, step: _Step) -> None:
    state.dossier_code = _first(state.dossier_code, e.dossier_code)
    _ship(state, e, e.shipment_id)


@_on(postal.ResultPickedUpFromAgency)
def _picked_up(state: DossierState, e: postal.ResultPickedUpFromAgency, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.direction = "RESULT_TO_APPLICANT"
    shipment.waybill_no = e.waybill_no
    shipment.route_class = e.route_class.value
    shipment.started_at = shipment.started_at or _at(e)
    shipment.sla_due_at = business_time(e.sla_due_at)
    state.dossier_code = _first(state.dossier_code, e.dossier_code)
    _advance(shipment, "PICKED_UP")


@_on(postal.OutForDelivery)
def _out_for_delivery(state: DossierState, e: postal.OutForDelivery, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.direction = shipment.direction or "RESULT_TO_APPLICANT"
    shipment.attempts = max(shipment.attempts, e.attempt_no)
    _advance(shipment, "OUT_FOR_DELIVERY")


@_on(postal.DeliveryFailed)
def _delivery_failed(state: DossierState, e: postal.DeliveryFailed, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.attempts = max(shipment.attempts, e.attempt_no)
    shipment.failed_attempts += 1
    _advance(shipment, "DELIVERY_FAILED")


@_on(postal.Delivered)
def _delivered(state: DossierState, e: postal.Delivered, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.direction = shipment.direction or "RESULT_TO_APPLICANT"
    _advance(shipment, "DELIVERED")
    shipment.completed_at = shipment.completed_at or _at(e)


@_on(postal.ReturnedToAgency)
def _returned_to_agency(state: DossierState, e: postal.ReturnedToAgency, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    shipment.returned_to_agency_at = shipment.returned_to_agency_at or _at(e)
    _advance(shipment, "RETURNED_TO_AGENCY")


@_on(postal.ItemLostOrDamaged)
def _lost(state: DossierState, e: postal.ItemLostOrDamaged, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    if shipment.completed_at is None:
        shipment.status = e.kind.value
    shipment.lost_at = shipment.lost_at or _at(e)


@_on(postal.ComplaintFiled)
def _complaint(state: DossierState, e: postal.ComplaintFiled, step: _Step) -> None:
    shipment = _ship(state, e, e.shipment_id)
    if e.complaint_id not in state.complaint_shipments:
        state.complaint_shipments[e.complaint_id] = shipment.shipment_id
        shipment.complaints += 1


@_on(postal.ComplaintResolved)
def _complaint_resolved(state: DossierState, e: postal.ComplaintResolved, step: _Step) -> None:
    shipment_id = state.complaint_shipments.get(e.complaint_id)
    if shipment_id is not None:
        _ship(state, e, shipment_id).compensation_vnd += e.compensation_vnd


# -- the fold ----------------------------------------------------------------------------------------------


def handled_types() -> frozenset[type[DossierEvent]]:
    return frozenset(_HANDLERS)


def fold_dossier(state: DossierState, events: Iterable[DossierEvent]) -> DossierOutput:
    """Fold ``events`` (already in canonical order, all after ``state.last``) into ``state`` (mutated).

    A fact revision is appended when the fact row changes; shipments whose row changed are returned once.
    """
    out = DossierOutput(state)
    before = fact_row(state)
    shipments_before = {s.shipment_id: s.row(state.dossier_id) for s in state.shipments}
    for event in events:
        handler = _HANDLERS.get(type(event))
        step = _Step(state, event, state.folded, out, state.effective_due_at)
        if handler is not None:
            handler(state, event, step)
        state.folded += 1
        state.last = Position.of(event)
        after = fact_row(state)
        if after != before:
            state.revision += 1
            state.known_at = business_time(event.recorded_at)
            out.versions.append({**after, "revision": state.revision, "known_at": state.known_at})
            before = after
    for shipment in state.shipments:
        row = shipment.row(state.dossier_id)
        if shipments_before.get(shipment.shipment_id) != row:
            out.shipments[shipment.shipment_id] = row
    return out
