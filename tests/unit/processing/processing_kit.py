"""Test kit for the processing context: the REAL intake deadline engine and catalogue behind processing's
ports, a desk that publishes intake's public events, and a journey driver on a simulated clock.

The two adapters (``IntakeDeadlines``, ``CatalogueWorkflows``) are the composition root's, imported from
``services.processing.adapters`` (tests may import ``intake`` and ``services``; ``processing`` may not).

Calendar facts used by the tests (shipped data, commune H44.100, office hours 07:30–11:30, 13:00–17:00):
- Giỗ Tổ 2026 falls on Sunday 26/4 → compensatory day off Monday 27/4; 30/4 (Thu) and 1/5 (Fri) are off.
  So in that stretch the working days are Tue 28/4, Wed 29/4, then Mon 4/5, Tue 5/5 …
- March 2026 has no holiday; 2/3/2026 is a Monday.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.enums import (
    ActorKind,
    Channel,
    FeeKind,
    PaymentMethod,
    Producer,
    StepKind,
    StepOutcome,
    TransferMode,
)
from contracts.envelope import Actor, PublicEvent
from contracts.identity import public_event_id
from contracts.intake import (
    DossierReceived,
    DossierSubmitted,
    DossierTransferred,
    DueDateCorrected,
    SupplementSubmitted,
    WithdrawalRequested,
)
from contracts.payment import PaymentReceived
from contracts.values import (
    Applicant,
    FeeLine,
    ProvidedItem,
    RequestedItem,
    ResultDocument,
    StatutoryDuration,
    SubmittedComponent,
)
from intake.calendar import VIETNAM_TZ
from intake.reference import ReferenceData, load_reference_data
from intake.reference.procedures import Procedure
from processing.application import Processing, Recorded
from processing.case import Case
from processing.clock import SettableClock
from processing.outbound import to_public
from processing.policy import ProcessingPolicy
from processing.watcher import WatcherConfig
from services.processing.adapters import CatalogueWorkflows, IntakeDeadlines

# --- the adapters live in the composition root (services/processing/adapters.py) ------------------------


@functools.cache
def reference() -> ReferenceData:
    return load_reference_data()


@functools.cache
def deadlines() -> IntakeDeadlines:
    return IntakeDeadlines(reference())


@functools.cache
def workflows() -> CatalogueWorkflows:
    return CatalogueWorkflows(reference())


# --- time, people ----------------------------------------------------------------------------------------


def t(text: str) -> datetime:
    """A business time written as 'YYYY-MM-DD HH:MM' (Asia/Ho_Chi_Minh)."""
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


COMMUNE = "H44.100"
DESK_OFFICER = Actor(kind=ActorKind.OFFICER, id="cb.h44100.motcua01", unit_code=COMMUNE)
SPECIALIST = Actor(kind=ActorKind.OFFICER, id="cv.h44100.tuphap02", unit_code=COMMUNE)
LEAD = Actor(kind=ActorKind.OFFICER, id="ld.h44100.chutich", unit_code=COMMUNE)
APPLICANT = Actor(kind=ActorKind.APPLICANT, id="vneid.025079001283")


def officer(unit: str, prefix: str, name: str) -> Actor:
    """An officer of ``unit`` (subject like ``cv.h44100.thuly01``)."""
    return Actor(
        kind=ActorKind.OFFICER, id=f"{prefix}.{unit.lower().replace('.', '')}.{name}", unit_code=unit
    )


PAYMENT_GATEWAY = Actor(kind=ActorKind.SYSTEM, id="system:payment-gateway")


def document(code: str = "KQ", *, signed_at: datetime, electronic: bool = True) -> ResultDocument:
    return ResultDocument(
        code=code,
        name="Giấy xác nhận kết quả giải quyết",
        number=f"{code}-0042/2026",
        signed_at=signed_at,
        signer="Nguyễn Văn An",
        e_file_ref=f"dms://h44.100/2026/{code}.pdf" if electronic else None,
        sha256=("ab" * 32) if electronic else None,
        digitally_signed=electronic,
    )


MISSING_ITEM = RequestedItem(component_code="GCS", name="Giấy chứng sinh (bản chính)", issue="MISSING")

# --- the desk: intake's public events for one dossier -------------------------------------------------------


class Desk:
    """Publishes the intake (and payment) events of one dossier, with deterministic ids and seqs."""

    def __init__(self, dossier_id: UUID, correlation_id: UUID) -> None:
        self.dossier_id = dossier_id
        self.correlation_id = correlation_id
        self.seq = 0
        self.payment_seq = 0

    def _envelope(self, at: datetime, actor: Actor, producer: Producer = Producer.INTAKE) -> dict[str, Any]:
        if producer is Producer.INTAKE:
            self.seq += 1
            seq = self.seq
        else:
            self.payment_seq += 1
            seq = self.payment_seq
        return {
            "event_id": public_event_id(producer, self.dossier_id, seq, at),
            "seq": seq,
            "occurred_at": at,
            "recorded_at": at,
            "producer": producer,
            "actor": actor,
            "correlation_id": self.correlation_id,
            "dossier_id": self.dossier_id,
        }

    def received(
        self,
        procedure: Procedure,
        at: datetime,
        *,
        channel: Channel,
        receiving_unit: str,
        processing_unit: str,
        fee_lines: Sequence[FeeLine] = (),
    ) -> DossierReceived:
        """As intake receives it: clock start and due time from the same engine and the procedure's cut-off."""
        computed = (
            deadlines()
            .engine(receiving_unit)
            .deadline(procedure.duration, at, cutoff=procedure.receipt_cutoff)
        )
        return DossierReceived(
            **self._envelope(at, DESK_OFFICER),
            dossier_code=f"000.00.00.H44-{at:%y%m%d}-{int(self.dossier_id) % 10_000:04d}",
            procedure_code=procedure.code,
            channel=channel,
            receiving_unit_code=receiving_unit,
            processing_unit_code=processing_unit,
            legal_receipt_at=at,
            clock_start_at=computed.clock_start_at,
            statutory_duration=StatutoryDuration(
                value=float(procedure.duration.value), unit=procedure.duration.unit.value
            ),
            due_at=computed.due_at,
            receipt_slip_no=f"{int(self.dossier_id) % 10_000:04d}/GTN",
            fee_lines=list(fee_lines),
        )

    def submitted(self, at: datetime) -> DossierSubmitted:
        return DossierSubmitted(
            **self._envelope(at, APPLICANT),
            channel=Channel.COUNTER,
            procedure_code="1.004200",
            receiving_unit_code=COMMUNE,
            applicant=Applicant(kind="CITIZEN", name="Trần Thị Bình", id_number="025079001283"),
            vneid_authenticated=True,
            components=[SubmittedComponent(code="TK", name="Tờ khai", form="DECLARATION_FORM", copies=1)],
            result_return_method="COUNTER",
        )

    def transferred(self, at: datetime, to_unit: str, from_unit: str = COMMUNE) -> DossierTransferred:
        return DossierTransferred(
            **self._envelope(at, DESK_OFFICER),
            from_unit_code=from_unit,
            to_unit_code=to_unit,
            mode=TransferMode.ELECTRONIC,
            transfer_slip_no="PC-0042",
        )

    def supplement_submitted(self, at: datetime, request_no: int = 1) -> SupplementSubmitted:
        return SupplementSubmitted(
            **self._envelope(at, APPLICANT),
            request_no=request_no,
            items=[ProvidedItem(component_code="GCS", name="Giấy chứng sinh (bản chính)")],
            channel=Channel.COUNTER,
        )

    def withdrawal(self, at: datetime) -> WithdrawalRequested:
        return WithdrawalRequested(
            **self._envelope(at, APPLICANT), channel=Channel.ONLINE, reason="Không còn nhu cầu"
        )

    def due_corrected(self, at: datetime, old: datetime, new: datetime) -> DueDateCorrected:
        return DueDateCorrected(
            **self._envelope(at, DESK_OFFICER),
            old_due_at=old,
            new_due_at=new,
            reason="Nhập sai thời hạn trên phiếu hẹn",
            approved_by="ld.h44100.phochutich",
        )

    def payment(
        self,
        at: datetime,
        amount: int,
        *,
        obligation_id: str | None,
        method: PaymentMethod = PaymentMethod.ONLINE_NATIONAL,
    ) -> PaymentReceived:
        return PaymentReceived(
            **self._envelope(at, PAYMENT_GATEWAY, Producer.PAYMENT),
            obligation_id=obligation_id,
            lines=[FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=amount)],
            amount_vnd=amount,
            method=method,
            transaction_ref="PAYGOV.260318.10321788" if method.needs_transaction_ref else None,
            receipt_no="BL-2026-0004417",
        )


# --- a journey on a simulated clock -------------------------------------------------------------------------


class Journey:
    """One dossier from the desk's receipt on: the processing application, its clock, and the desk."""

    def __init__(
        self,
        procedure_code: str,
        received_at: str,
        *,
        channel: Channel = Channel.COUNTER,
        receiving_unit: str = COMMUNE,
        processing_unit: str | None = None,
        policy: ProcessingPolicy | None = None,
        watcher: WatcherConfig | None = None,
        fee_lines: Sequence[FeeLine] = (),
        name: str = "",
    ) -> None:
        self.procedure = reference().procedures.get(procedure_code)
        self.clock = SettableClock(t(received_at))
        self.app = Processing(
            workflows=workflows(), deadlines=deadlines(), clock=self.clock, policy=policy, watcher=watcher
        )
        self.id = uuid5(NAMESPACE_URL, f"dossier:{procedure_code}:{received_at}:{name}")
        self.correlation_id = uuid5(NAMESPACE_URL, f"flow:{self.id}")
        self.desk = Desk(self.id, self.correlation_id)
        self.received = self.desk.received(
            self.procedure,
            t(received_at),
            channel=channel,
            receiving_unit=receiving_unit,
            processing_unit=processing_unit or self.procedure.handling_unit or receiving_unit,
            fee_lines=fee_lines,
        )
        self.app.apply_intake_event(self.received)

    def at(self, text: str) -> Journey:
        self.clock.set(t(text))
        return self

    @property
    def unit(self) -> str:
        """The case's processing unit: its officers are the ones who may act on it (ADR 0531)."""
        return self.received.processing_unit_code

    @property
    def specialist(self) -> Actor:
        return officer(self.unit, "cv", "thuly01")

    @property
    def lead(self) -> Actor:
        return officer(self.unit, "ld", "lanhdao")

    def by(self, actor: Actor | None = None) -> dict[str, Any]:
        """Who acts (by default a specialist of the case's processing unit) and in which flow."""
        return {"actor": actor or self.specialist, "correlation_id": self.correlation_id}

    @property
    def case(self) -> Case:
        return self.app.case(self.id)

    def deliver(self, event: PublicEvent) -> Recorded | None:
        return self.app.apply_intake_event(event)

    def event_count(self) -> int:
        return len(self.app.recorder.select_notifications(None, 10_000))

    def internal_events(self) -> list[Any]:
        return [
            self.app.mapper.to_domain_event(n) for n in self.app.recorder.select_notifications(None, 10_000)
        ]

    def published(self) -> list[PublicEvent]:
        """What the relay would publish for this dossier, in order."""
        return [public for event in self.internal_events() for public in to_public(event)]

    def published_types(self) -> list[str]:
        return [event.event_type.split(".")[-2] for event in self.published()]

    # The ordinary moves, with the usual actors.

    def assign(self, at: str, handler: str = "cv.h44100.tuphap02") -> Recorded:
        return self.at(at).app.assign_handler(
            self.id, **self.by(self.lead), handler_id=handler, department="Tư pháp"
        )

    def complete(
        self,
        at: str,
        step: StepKind,
        outcome: StepOutcome = StepOutcome.SATISFACTORY,
        actor: Actor | None = None,
    ) -> Recorded:
        return self.at(at).app.complete_step(self.id, **self.by(actor), step=step, outcome=outcome)

    def issue(self, at: str, *, electronic: bool = True) -> Recorded:
        self.at(at)
        return self.app.issue_result(
            self.id,
            **self.by(self.lead),
            documents=[document(signed_at=self.clock.now(), electronic=electronic)],
            e_result=electronic,
        )
