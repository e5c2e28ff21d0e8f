"""The fold state of one dossier and the read-model rows derived from it.

The state holds everything the public events said about the dossier (domain.md §1.9's fields plus what is
needed to keep folding: open supplement requests, open pauses, payments, shipments). ``fact_row`` renders
the one row of ``dossier_facts``; a new revision is appended to ``dossier_fact_versions`` whenever that row
changes (docs/adr/0351).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from .state import FoldState, Position, Row
from .timeliness import SupplementSpan, merged_wait_seconds, settled_timeliness


class Status(StrEnum):
    """The dossier state machine of domain.md §2.15, with its DVCQG status code."""

    SUBMITTED = "SUBMITTED"
    AWAITING_INTAKE_SUPPLEMENT = "AWAITING_INTAKE_SUPPLEMENT"
    REFUSED = "REFUSED"
    CANCELLED = "CANCELLED"
    RECEIVED = "RECEIVED"
    IN_PROCESSING = "IN_PROCESSING"
    AWAITING_SUPPLEMENT = "AWAITING_SUPPLEMENT"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    WITHDRAWAL_REQUESTED = "WITHDRAWAL_REQUESTED"
    STOPPED = "STOPPED"
    RESULT_READY = "RESULT_READY"
    RETURNED = "RETURNED"

    @property
    def dvcqg(self) -> int | None:
        return _DVCQG[self]

    @property
    def terminal(self) -> bool:
        return self in {Status.REFUSED, Status.CANCELLED, Status.STOPPED, Status.RETURNED}


_DVCQG: dict[Status, int | None] = {
    Status.SUBMITTED: 1,
    Status.AWAITING_INTAKE_SUPPLEMENT: 1,
    Status.REFUSED: 3,
    Status.CANCELLED: None,  # withdrawn before receipt: not a DVCQG dossier status
    Status.RECEIVED: 2,
    Status.IN_PROCESSING: 4,
    Status.AWAITING_SUPPLEMENT: 5,
    Status.AWAITING_PAYMENT: 6,
    Status.WITHDRAWAL_REQUESTED: 7,
    Status.STOPPED: 8,
    Status.RESULT_READY: 9,
    Status.RETURNED: 10,
}


class Outcome(StrEnum):
    """First terminal status of a received dossier (domain.md §1.3 2.1), the 766 engine's vocabulary."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    STOPPED = "STOPPED"
    WITHDRAWN = "WITHDRAWN"


class SupplementState(FoldState):
    request_no: int
    requested_at: datetime
    clock_policy: str | None = None
    sector_law_exception: bool = False
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    new_due_at: datetime | None = None


class PauseState(FoldState):
    pause_id: str
    reason: str
    paused_at: datetime
    resumed_at: datetime | None = None


class ApologyState(FoldState):
    issued_at: datetime
    previous_due_at: datetime
    new_due_at: datetime
    issued_late: bool = False


class PaymentState(FoldState):
    event_id: str
    method: str
    amount_vnd: int
    paid_at: datetime
    obligation_id: str | None = None


class ComponentState(FoldState):
    code: str
    file_attached: bool = False
    source: str | None = None
    stored_in_data_store: bool = False


class ShipmentState(FoldState):
    shipment_id: str
    direction: str | None = None
    waybill_no: str | None = None
    route_class: str | None = None
    started_at: datetime | None = None
    sla_due_at: datetime | None = None
    completed_at: datetime | None = None
    status: str = "REGISTERED"
    attempts: int = 0
    failed_attempts: int = 0
    returned_to_agency_at: datetime | None = None
    lost_at: datetime | None = None
    complaints: int = 0
    compensation_vnd: int = 0
    known_at: datetime | None = None

    def row(self, dossier_id: str) -> Row:
        data = self.model_dump()
        return {**data, "shipment_id": self.shipment_id, "dossier_id": dossier_id}


class DossierState(FoldState):
    dossier_id: str
    folded: int = 0  # events folded so far: the next event's ordinal
    revision: int = -1  # revision of the last fact row appended to the history
    known_at: datetime | None = None  # knowledge time of that revision
    last: Position | None = None  # the last event folded, in canonical order

    dossier_code: str | None = None
    procedure_code: str | None = None
    processing_unit_code: str | None = None
    receiving_unit_code: str | None = None
    current_unit_code: str | None = None
    channel: str | None = None
    online_mode: str | None = None
    applicant_kind: str | None = None
    status: Status | None = None
    submitted_at: datetime | None = None
    refused_at: datetime | None = None
    received_at: datetime | None = None
    legal_receipt_at: datetime | None = None
    clock_start_at: datetime | None = None
    statutory_duration_value: Decimal | None = None
    statutory_duration_unit: str | None = None
    immediate_result: bool = False
    original_due_at: datetime | None = None
    effective_due_at: datetime | None = None
    apology: ApologyState | None = None
    supplements: list[SupplementState] = Field(default_factory=list)
    pauses: list[PauseState] = Field(default_factory=list)
    outcome: Outcome | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    return_method: str | None = None
    requested_return_method: str | None = None
    fee_lines_vnd: int = 0
    obligations: dict[str, int] = Field(default_factory=dict)
    payments: list[PaymentState] = Field(default_factory=list)
    components: list[ComponentState] = Field(default_factory=list)
    result_code: str | None = None
    result_file_linked: bool = False
    e_result: bool = False
    result_in_data_store: bool = False
    vneid_authenticated: bool = False
    population_db_linked: bool = False
    rating_level: str | None = None
    rated_at: datetime | None = None
    petitions: list[str] = Field(default_factory=list)
    last_synced_status: int | None = None
    last_synced_at: datetime | None = None
    postal_service_form: str | None = None
    shipments: list[ShipmentState] = Field(default_factory=list)
    complaint_shipments: dict[str, str] = Field(default_factory=dict)

    # -- lookups used by the fold -------------------------------------------------------------------------

    def supplement(self, request_no: int) -> SupplementState | None:
        return next((s for s in self.supplements if s.request_no == request_no), None)

    def pause(self, pause_id: str) -> PauseState | None:
        return next((p for p in self.pauses if p.pause_id == pause_id), None)

    def component(self, code: str) -> ComponentState:
        found = next((c for c in self.components if c.code == code), None)
        if found is None:
            found = ComponentState(code=code)
            self.components.append(found)
            self.components.sort(key=lambda c: c.code)
        return found

    def shipment(self, shipment_id: str) -> ShipmentState:
        found = next((s for s in self.shipments if s.shipment_id == shipment_id), None)
        if found is None:
            found = ShipmentState(shipment_id=shipment_id)
            self.shipments.append(found)
            self.shipments.sort(key=lambda s: s.shipment_id)
        return found

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def fee_total_vnd(self) -> int:
        return self.fee_lines_vnd + sum(self.obligations.values())

    @property
    def paid_total_vnd(self) -> int:
        return sum(p.amount_vnd for p in self.payments)

    def counted_payment(self) -> PaymentState | None:
        """The payment that decides ``DuocThanhToanTrucTuyen``: the first online one, else the first one."""
        ordered = sorted(self.payments, key=lambda p: (p.paid_at, p.event_id))
        online = [p for p in ordered if p.method in ("ONLINE_NATIONAL", "ONLINE_LOCAL")]
        chosen = online or ordered
        return chosen[0] if chosen else None


def _spans(state: DossierState) -> list[SupplementSpan]:
    return [SupplementSpan(s.requested_at, s.completed_at) for s in state.supplements]


def _json_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def fact_row(state: DossierState) -> Row:
    """The ``dossier_facts`` columns (without ``revision`` and ``known_at``) that the state implies."""
    spans = _spans(state)
    counted_end, timeliness = settled_timeliness(
        state.received_at, state.original_due_at, spans, state.finished_at, state.returned_at
    )
    payment = state.counted_payment()
    return {
        "dossier_id": state.dossier_id,
        "dossier_code": state.dossier_code,
        "procedure_code": state.procedure_code,
        "unit_code": state.processing_unit_code or state.receiving_unit_code,
        "receiving_unit_code": state.receiving_unit_code,
        "current_unit_code": state.current_unit_code
        or state.processing_unit_code
        or state.receiving_unit_code,
        "channel": state.channel,
        "online_mode": state.online_mode,
        "applicant_kind": state.applicant_kind,
        "status": state.status.value if state.status is not None else None,
        "dvcqg_status": state.status.dvcqg if state.status is not None else None,
        "submitted_at": state.submitted_at,
        "refused_at": state.refused_at,
        "received_at": state.received_at,
        "legal_receipt_at": state.legal_receipt_at,
        "clock_start_at": state.clock_start_at,
        "statutory_duration_value": state.statutory_duration_value,
        "statutory_duration_unit": state.statutory_duration_unit,
        "immediate_result": state.immediate_result,
        "original_due_at": state.original_due_at,
        "effective_due_at": state.effective_due_at,
        "apology_issued_at": state.apology.issued_at if state.apology else None,
        "apology_previous_due_at": state.apology.previous_due_at if state.apology else None,
        "apology_new_due_at": state.apology.new_due_at if state.apology else None,
        "apology_issued_late": state.apology.issued_late if state.apology else False,
        "supplements": [
            {
                "request_no": s.request_no,
                "requested_at": _json_time(s.requested_at),
                "submitted_at": _json_time(s.submitted_at),
                "completed_at": _json_time(s.completed_at),
                "clock_policy": s.clock_policy,
                "sector_law_exception": s.sector_law_exception,
            }
            for s in sorted(state.supplements, key=lambda s: (s.requested_at, s.request_no))
        ],
        "supplement_count": len(state.supplements),
        "supplement_wait_seconds": merged_wait_seconds(spans),
        "pauses": [
            {
                "pause_id": p.pause_id,
                "reason": p.reason,
                "paused_at": _json_time(p.paused_at),
                "resumed_at": _json_time(p.resumed_at),
            }
            for p in sorted(state.pauses, key=lambda p: (p.paused_at, p.pause_id))
        ],
        "outcome": state.outcome.value if state.outcome is not None else None,
        "finished_at": state.finished_at,
        "returned_at": state.returned_at,
        "return_method": state.return_method,
        "requested_return_method": state.requested_return_method,
        "counted_end_at": counted_end,
        "timeliness": timeliness,
        "fee_total_vnd": state.fee_total_vnd,
        "paid_total_vnd": state.paid_total_vnd,
        "payment_method": payment.method if payment else None,
        "paid_at": payment.paid_at if payment else None,
        "components": [
            {
                "code": c.code,
                "file_attached": c.file_attached,
                "source": c.source,
                "stored_in_data_store": c.stored_in_data_store,
            }
            for c in state.components
        ],
        "result_code": state.result_code,
        "result_file_linked": state.result_file_linked,
        "e_result": state.e_result,
        "result_in_data_store": state.result_in_data_store,
        "vneid_authenticated": state.vneid_authenticated,
        "population_db_linked": state.population_db_linked,
        "rating_level": state.rating_level,
        "rated_at": state.rated_at,
        "petition_count": len(state.petitions),
        "last_synced_status": state.last_synced_status,
        "last_synced_at": state.last_synced_at,
        "postal_shipments": len(state.shipments),
    }
