"""The inbound side: the desk's and the payment platform's public events applied to cases, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from processing_kit import MISSING_ITEM, CatalogueWorkflows, Journey, deadlines, reference, t, workflows

from contracts import codec, golden
from contracts.enums import FeeKind, PaymentMethod, StepKind, StepOutcome
from contracts.envelope import DossierEvent, PublicEvent
from contracts.intake import DossierReceived
from contracts.registry import EVENT_TYPES
from contracts.values import FeeLine
from processing import inbound
from processing.application import Processing
from processing.case_state import CaseState
from processing.clock import SettableClock
from processing.errors import NotFound, ProcessingRuleViolation
from processing.ledger import DueRule
from processing.policy import ProcessingPolicy
from processing.workflow import Workflow

HANDLED = {
    "vn.one-stop.intake.dossier-received.v1",
    "vn.one-stop.intake.dossier-transferred.v1",
    "vn.one-stop.intake.supplement-submitted.v1",
    "vn.one-stop.intake.withdrawal-requested.v1",
    "vn.one-stop.intake.due-date-corrected.v1",
    "vn.one-stop.payment.payment-received.v1",
}
SUBSCRIBED = sorted(
    event_type
    for event_type, cls in EVENT_TYPES.items()
    if cls.TOPIC in ("intake.dossiers.v1", "payment.payments.v1")
)


def through_the_wire(event: PublicEvent) -> PublicEvent:
    record = codec.encode(event)
    return codec.decode(record.headers, record.value)


@pytest.mark.parametrize("event_type", SUBSCRIBED)
def test_every_golden_example_of_the_subscribed_topics_is_applied_or_ignored(event_type: str) -> None:
    app = Processing(workflows=workflows(), deadlines=deadlines(), clock=SettableClock(t("2026-03-12 12:00")))
    event = through_the_wire(golden.example_event(event_type))
    if event_type not in HANDLED:
        assert app.apply_intake_event(event) is None
        assert app.recorder.select_notifications(None, 10) == []
    elif isinstance(event, DossierReceived):
        recorded = app.apply_intake_event(event)
        assert recorded is not None and recorded.events == ("Opened",)
        case = app.case(event.dossier_id)
        assert case.procedure_code == "2.000575" and case.effective_due_at == event.due_at
    elif event_type.endswith("withdrawal-requested.v1"):
        assert app.apply_intake_event(event) is None  # before receipt a withdrawal is the desk's cancellation
    else:
        with pytest.raises(NotFound):  # processing events before DossierReceived: no case for that dossier
            app.apply_intake_event(event)
        assert app.recorder.select_notifications(None, 10) == []


def test_a_desk_fee_payment_overtaking_its_receipt_is_left_to_the_desk() -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    stranger = j.desk.payment(
        t("2026-03-02 09:05"), 50_000, obligation_id=None, method=PaymentMethod.CASH_COUNTER
    )
    unknown = stranger.model_copy(update={"dossier_id": uuid4()})
    assert j.deliver(unknown) is None
    with pytest.raises(NotFound):  # an obligation only processing could have asked for: a real error
        j.deliver(
            j.desk.payment(t("2026-03-02 09:05"), 50_000, obligation_id="X").model_copy(
                update={"dossier_id": uuid4()}
            )
        )


def test_a_redelivered_event_changes_nothing() -> None:
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18")
    assert j.deliver(j.received) is None  # the DossierReceived that opened the case, again
    j.assign("2026-03-02 09:30")
    j.at("2026-03-02 10:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    j.clock.set(t("2026-03-03 10:00"))
    events = [
        j.desk.transferred(t("2026-03-02 09:20"), to_unit="H44.06.01", from_unit="H44.18"),
        j.desk.supplement_submitted(t("2026-03-03 10:00")),
        j.desk.due_corrected(t("2026-03-03 11:00"), old=t("2026-03-17 10:00"), new=t("2026-03-18 10:00")),
    ]
    for event in events:
        first = j.deliver(event)
        assert first is not None
        version, count = j.case.version, j.event_count()
        for _ in range(2):
            assert j.deliver(event) is None
            assert j.deliver(through_the_wire(event)) is None  # as it comes off Kafka again
        assert (j.case.version, j.event_count()) == (version, count)
    assert [entry.rule for entry in j.case.clock.entries] == [
        DueRule.RECEIPT,
        DueRule.SUPPLEMENT_RESTART,
        DueRule.AUDITED_CORRECTION,
    ]


def test_a_redelivered_payment_is_not_counted_twice() -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    j.at("2026-03-02 10:00").app.request_financial_obligation(
        j.id,
        **j.by(),
        obligation_id="NVTC-1",
        lines=[FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=300_000)],
        allowed_methods=[PaymentMethod.ONLINE_NATIONAL],
    )
    payment = j.desk.payment(t("2026-03-02 11:00"), 150_000, obligation_id="NVTC-1")
    j.deliver(payment)
    j.deliver(payment)
    case = j.case
    assert case.obligations["NVTC-1"].paid_vnd == 150_000
    assert case.state is CaseState.AWAITING_PAYMENT
    j.deliver(j.desk.payment(t("2026-03-02 14:00"), 150_000, obligation_id="NVTC-1"))
    assert j.case.state is CaseState.IN_PROCESSING


def test_a_repeated_withdrawal_request_is_noted_once() -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    assert j.deliver(j.desk.withdrawal(t("2026-03-02 10:00"))) is not None
    count = j.event_count()
    assert j.deliver(j.desk.withdrawal(t("2026-03-02 11:00"))) is None  # another request, same effect
    assert j.event_count() == count and j.case.state is CaseState.WITHDRAWAL_REQUESTED


def test_the_case_id_is_the_dossier_id_so_a_second_case_cannot_be_saved() -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    assert j.case.id == j.received.dossier_id
    twin = inbound.open_case(
        j.received,
        workflow=workflows().workflow_for("1.004200", "H44.100"),
        deadlines=deadlines(),
        policy=ProcessingPolicy(),
        recorded_at=t("2026-03-02 09:00"),
    )
    with pytest.raises(IntegrityError):
        j.app.save(twin)


class RacingWorkflows:
    """Lets a rival worker open the case between the check and the save of the one under test."""

    def __init__(self, rival_event: DossierReceived) -> None:
        self.inner = CatalogueWorkflows(reference())
        self.rival_event = rival_event
        self.app: Processing | None = None

    def workflow_for(self, procedure_code: str, processing_unit_code: str) -> Workflow:
        workflow = self.inner.workflow_for(procedure_code, processing_unit_code)
        if self.app is not None:
            app, self.app = self.app, None
            rival = inbound.open_case(
                self.rival_event,
                workflow=workflow,
                deadlines=deadlines(),
                policy=ProcessingPolicy(),
                recorded_at=t("2026-03-02 09:00"),
            )
            app.save(rival)
        return workflow


@pytest.mark.parametrize("same_event", [True, False])
def test_two_workers_opening_one_dossier(same_event: bool) -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    event = j.received
    rival_event = (
        event
        if same_event
        else event.model_copy(update={"event_id": j.desk.submitted(t("2026-03-02 09:00")).event_id})
    )
    racing = RacingWorkflows(rival_event)
    app = Processing(workflows=racing, deadlines=deadlines(), clock=SettableClock(t("2026-03-02 09:00")))
    racing.app = app
    if same_event:
        assert app.apply_intake_event(event) is None  # the rival opened it from this very event
    else:
        with pytest.raises(ProcessingRuleViolation) as twice:
            app.apply_intake_event(event)
        assert twice.value.rule == "RECEIVE_TWICE"
    assert len(app.recorder.select_notifications(None, 10)) == 1


def test_events_that_are_not_dossier_events_are_ignored() -> None:
    app = Processing(workflows=workflows(), deadlines=deadlines(), clock=SettableClock(t("2026-03-02 09:00")))
    calendar_day = golden.example_event("vn.one-stop.reference.calendar-day-declared.v1")
    assert not isinstance(calendar_day, DossierEvent)
    assert app.apply_intake_event(calendar_day) is None
    own = golden.example_event("vn.one-stop.processing.result-issued.v1")
    assert app.apply_intake_event(own) is None
    assert app.recorder.select_notifications(None, 10) == []


class Interfering:
    """The real deadline adapter, but another officer saves a change to the case whenever a deadline is
    computed (i.e. in the middle of a command, between its load and its save)."""

    def __init__(self, times: int) -> None:
        self.inner = deadlines()
        self.times = times
        self.interfere: Callable[[], object] | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def deadline(self, *args: Any, **kwargs: Any) -> Any:
        if self.interfere is not None and self.times > 0:
            self.times -= 1
            self.interfere()
        return self.inner.deadline(*args, **kwargs)


@pytest.mark.parametrize("interferences", [1, 3])
def test_a_command_that_loses_a_race_runs_again_on_the_fresh_case(interferences: int) -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    racing = Interfering(interferences)
    app = Processing(workflows=workflows(), deadlines=racing, clock=j.clock)  # type: ignore[arg-type]
    app.apply_intake_event(j.received)
    app.assign_handler(j.id, **j.by(j.lead), handler_id="cv.1", department="Tư pháp")
    racing.interfere = lambda: app.assign_handler(
        j.id, **j.by(j.lead), handler_id="cv.2", department="Tư pháp"
    )
    j.clock.set(t("2026-03-02 10:00"))
    if interferences < 3:
        recorded = app.complete_step(
            j.id, **j.by(), step=StepKind.APPRAISAL, outcome=StepOutcome.SATISFACTORY
        )
        assert recorded.events == ("StepCompleted",) and recorded.version == 4
    else:
        with pytest.raises(ProcessingRuleViolation) as conflict:
            app.complete_step(j.id, **j.by(), step=StepKind.APPRAISAL, outcome=StepOutcome.SATISFACTORY)
        assert conflict.value.rule == "CONCURRENT_UPDATE"
        assert app.case(j.id).current.position == 0
