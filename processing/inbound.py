"""The one place where public events of other contexts become changes to a case (architecture.md §4).

Processing consumes the desk's dossier events (``intake.dossiers.v1``) and payments (``payment.payments.v1``):

- ``DossierReceived`` opens the case, with the workflow the catalogue gives for the procedure;
- ``DossierTransferred`` closes the desk's RECEIVE step on the control sheet;
- ``SupplementSubmitted`` completes the open supplement request (the clock restarts or resumes);
- ``WithdrawalRequested`` puts the case in WITHDRAWAL_REQUESTED, waiting for the stop;
- ``DueDateCorrected`` corrects the receipt promise in the clock ledger (and the due time that follows it);
- ``PaymentReceived`` settles a financial obligation (or a receipt-time fee line).

Everything else the desk publishes (submission, intake supplements, refusal, digitisation) does not
concern processing and is ignored; so is a withdrawal of a dossier processing never received (a
cancellation before receipt) and a desk payment of receipt-time fee lines that overtook its DossierReceived
on the other topic (the desk checked it against its lines). The business time of each change is the public event's ``occurred_at``;
its causation is the public event, whose id the case keeps so a redelivered event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from contracts.enums import ActorKind, Channel
from contracts.envelope import Actor, DossierEvent
from contracts.intake import (
    DossierReceived,
    DossierTransferred,
    DueDateCorrected,
    SupplementSubmitted,
    WithdrawalRequested,
)
from contracts.payment import PaymentReceived
from processing.case import Act, Case
from processing.policy import ProcessingPolicy
from processing.ports import Deadlines
from processing.workflow import TimeLimit, Workflow

WORKER_ACTOR_ID = "system:processing-worker"

Change = Callable[[Case, Act, Deadlines], object]


def act_for(event: DossierEvent, unit_code: str | None, recorded_at: datetime) -> Act:
    """The act of the processing worker that applies ``event``: at the event's business time, in its flow."""
    return Act(
        actor=Actor(kind=ActorKind.SYSTEM, id=WORKER_ACTOR_ID, unit_code=unit_code),
        at=event.occurred_at,
        correlation_id=event.correlation_id,
        causation_id=event.event_id,
        recorded_at=recorded_at,
        upstream_event_id=event.event_id,
    )


def open_case(
    event: DossierReceived,
    *,
    workflow: Workflow,
    deadlines: Deadlines,
    policy: ProcessingPolicy,
    recorded_at: datetime,
) -> Case:
    """The case a received dossier opens (E5)."""
    return Case.open(
        dossier_id=event.dossier_id,
        act=act_for(event, event.processing_unit_code, recorded_at),
        dossier_code=event.dossier_code,
        procedure_code=event.procedure_code,
        channel=event.channel,
        receiving_unit_code=event.receiving_unit_code,
        processing_unit_code=event.processing_unit_code,
        legal_receipt_at=event.legal_receipt_at,
        clock_start_at=event.clock_start_at,
        due_at=event.due_at,
        statutory_duration=TimeLimit(
            Decimal(str(event.statutory_duration.value)), event.statutory_duration.unit
        ),
        immediate_result=event.immediate_result,
        fee_lines=event.fee_lines,
        workflow=workflow,
        deadlines=deadlines,
        policy=policy,
    )


def concerns_only_received_dossiers(event: DossierEvent) -> bool:
    """Whether ``event`` means nothing to processing when no case exists for its dossier."""
    if isinstance(event, WithdrawalRequested):
        return True
    return isinstance(event, PaymentReceived) and event.obligation_id is None


def change_for(event: DossierEvent) -> Change | None:
    """What ``event`` does to an open case, or None when it does not concern processing."""
    match event:
        case DossierTransferred():
            return lambda case, act, deadlines: case.record_transfer(
                act,
                from_unit_code=event.from_unit_code,
                to_unit_code=event.to_unit_code,
                mode=event.mode.value,
                transfer_slip_no=event.transfer_slip_no,
                deadlines=deadlines,
            )
        case SupplementSubmitted():
            return lambda case, act, deadlines: case.accept_supplement(
                act, request_no=event.request_no, deadlines=deadlines
            )
        case WithdrawalRequested():
            return lambda case, act, _deadlines: case.note_withdrawal(
                act, channel=Channel(event.channel), reason=event.reason
            )
        case DueDateCorrected():
            return lambda case, act, deadlines: case.apply_due_correction(
                act,
                old_due_at=event.old_due_at,
                new_due_at=event.new_due_at,
                reason=event.reason,
                approved_by=event.approved_by,
                deadlines=deadlines,
            )
        case PaymentReceived():
            return lambda case, act, deadlines: case.record_payment(
                act,
                obligation_id=event.obligation_id,
                amount_vnd=event.amount_vnd,
                method=event.method,
                transaction_ref=event.transaction_ref,
                receipt_no=event.receipt_no,
                deadlines=deadlines,
            )
        case _:
            return None
