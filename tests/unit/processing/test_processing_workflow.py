"""Workflows from the real catalogue, the ports' adapters, and the small values the context is built on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from processing_kit import COMMUNE, Journey, deadlines, document, reference, t, workflows

from contracts import codec
from contracts.enums import (
    Channel,
    ClockPauseReason,
    DurationUnit,
    StepKind,
    StepOutcome,
    SupplementClockPolicy,
)
from processing.case_state import CaseState, InterAgencyMode, TaskStatus
from processing.clock import SettableClock, SystemClock
from processing.errors import NotFound, ProcessingRuleViolation
from processing.policy import LateAction, PaymentClock, ProcessingPolicy
from processing.workflow import StepRole, TimeLimit, Workflow, WorkflowStep

PROCEDURES = sorted(procedure.code for procedure in reference().procedures)
DAY = TimeLimit(Decimal(1), DurationUnit.WORKING_DAY)


def _step(kind: StepKind, agency: str | None = None, allotted: TimeLimit = DAY) -> WorkflowStep:
    role = StepRole.PARTNER_AGENCY if kind is StepKind.INTER_AGENCY else StepRole.SPECIALIST
    return WorkflowStep(kind, kind.value.lower(), role, allotted, agency)


def _workflow(*middle: WorkflowStep) -> Workflow:
    return Workflow(
        procedure_code="9.999999",
        steps=(
            _step(StepKind.RECEIVE),
            *middle,
            _step(StepKind.RETURN_RESULT, allotted=TimeLimit(Decimal(0), DurationUnit.WORKING_DAY)),
        ),
        supplement_clock_policy=SupplementClockPolicy.RESTART,
    )


@pytest.mark.parametrize("channel", [Channel.COUNTER, Channel.ONLINE])
@pytest.mark.parametrize("code", PROCEDURES)
def test_every_catalogue_procedure_runs_from_receipt_to_its_result(code: str, channel: Channel) -> None:
    procedure = reference().procedures.get(code)
    unit = COMMUNE if procedure.handling_unit is None else "H44.18"
    j = Journey(code, "2026-03-02 09:00", channel=channel, receiving_unit=unit, name=channel.value)
    app, case = j.app, j.case
    assert case.workflow == workflows().workflow_for(code, case.processing_unit_code)
    j.assign("2026-03-02 09:30")

    def act() -> dict[str, object]:
        j.clock.advance(timedelta(hours=1))
        return j.by()

    if case.inter_agency_mode is InterAgencyMode.PARALLEL:
        app.hand_off_to_partners(j.id, **act())  # type: ignore[arg-type]
        for agency in case.partner_tasks:
            app.complete_partner_task(j.id, **act(), agency_code=agency, outcome=StepOutcome.SATISFACTORY)  # type: ignore[arg-type]
    while (stage := j.case.current_stage) is not None:
        if stage.partner:
            task = next(p for p in j.case.partner_tasks.values() if p.step_index == stage.index)
            if task.status is TaskStatus.WAITING:
                app.hand_off_to_partners(j.id, **act())  # type: ignore[arg-type]
            app.complete_partner_task(
                j.id, **act(), agency_code=task.agency_code, outcome=StepOutcome.SATISFACTORY
            )  # type: ignore[arg-type]
        else:
            app.complete_step(j.id, **act(), step=stage.kind, outcome=StepOutcome.SATISFACTORY)  # type: ignore[arg-type]
    j.clock.advance(timedelta(hours=1))
    app.issue_result(j.id, **j.by(j.lead), documents=[document(signed_at=j.clock.now())], e_result=True)
    assert j.case.state is CaseState.RESULT_READY
    for event in j.published():
        record = codec.encode(event)
        assert codec.decode(record.headers, record.value) == event
    assert [event.seq for event in j.published()] == list(range(1, len(j.published()) + 1))


def test_the_catalogue_adapter_names_partner_agencies_by_unit_code() -> None:
    birth = workflows().workflow_for("1.004884", "H44.100")
    assert [(s.kind, s.agency_code) for s in birth.partner_steps] == [
        (StepKind.INTER_AGENCY, "H44.15"),
        (StepKind.INTER_AGENCY, "H44.16"),
    ]
    assert birth.receipt_cutoff is not None and birth.receipt_cutoff.hour == 15
    karaoke = workflows().workflow_for("1.013240", "H44.107")
    assert [s.agency_code for s in karaoke.partner_steps] == ["H44.15", "H44.107.VHXH"]
    land = workflows().workflow_for("1.012780", "H44.06.01")
    assert ClockPauseReason.FINANCIAL_OBLIGATION in land.clock_exclusions
    assert Workflow.from_record(land.to_record()) == land


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ((_step(StepKind.INTER_AGENCY),), "names no agency code"),
        (
            (_step(StepKind.INTER_AGENCY, "H44.15", TimeLimit(Decimal(0), DurationUnit.WORKING_DAY)),),
            "no allotted time",
        ),
        ((_step(StepKind.INTER_AGENCY, "H44.15"), _step(StepKind.INTER_AGENCY, "H44.15")), "same agency"),
        ((_step(StepKind.RECEIVE),), "may only open or close"),
    ],
)
def test_an_unusable_workflow_is_refused(steps: tuple[WorkflowStep, ...], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        _workflow(*steps)


def test_a_workflow_must_open_with_receipt_and_close_with_return() -> None:
    with pytest.raises(ValueError, match="start with RECEIVE"):
        Workflow(
            "9.999999",
            (_step(StepKind.APPRAISAL), _step(StepKind.RETURN_RESULT)),
            SupplementClockPolicy.PAUSE,
        )
    assert _workflow(_step(StepKind.INTER_AGENCY, "H44.15")).problems(lead_agency_code="H44.15")


def test_time_limits_are_exact_and_not_negative() -> None:
    assert TimeLimit(0.5, DurationUnit.WORKING_DAY).value == Decimal("0.5")  # type: ignore[arg-type]
    assert TimeLimit(Decimal(0), DurationUnit.WORKING_HOUR).is_zero
    assert not TimeLimit(Decimal(0), DurationUnit.SAME_DAY).is_zero
    with pytest.raises(ValueError):
        TimeLimit(Decimal(-1), DurationUnit.WORKING_DAY)


def test_the_deadline_adapter_counts_on_the_unit_calendar() -> None:
    adapter = deadlines()
    # One working day before Mon 9/3/2026 10:00 is Fri 6/3 10:00 (the weekend does not count).
    assert adapter.one_working_day_before(COMMUNE, t("2026-03-09 10:00")) == t("2026-03-06 10:00")
    # Working days in (Tue 28/4/2026, Mon 4/5]: Wed 29/4 and Mon 4/5 (30/4, 1/5 and the weekend are off).
    assert adapter.working_days_between(COMMUNE, date(2026, 4, 28), date(2026, 5, 4)) == 2
    assert adapter.working_time_between(COMMUNE, t("2026-04-29 16:00"), t("2026-05-04 08:30")) == timedelta(
        hours=2
    )
    assert adapter.add_working_time(COMMUNE, t("2026-04-29 16:00"), timedelta(hours=2)) == t(
        "2026-05-04 08:30"
    )


def test_clocks_speak_business_time() -> None:
    assert SystemClock().now().utcoffset() == timedelta(hours=7)
    clock = SettableClock(t("2026-03-02 09:00"))
    assert clock.advance(timedelta(minutes=30)) == t("2026-03-02 09:30")
    with pytest.raises(ValueError):
        clock.advance(timedelta(minutes=-1))
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 3, 2, 9, 0))


def test_policy_values_from_settings_text_are_exact_enumerations() -> None:
    policy = ProcessingPolicy(
        electronic_channels=frozenset({"ONLINE", "COUNTER"}),  # type: ignore[arg-type]
        late_apology="REFUSE",  # type: ignore[arg-type]
        payment_clock="NEVER",  # type: ignore[arg-type]
    )
    assert policy.late_apology is LateAction.REFUSE and policy.payment_clock is PaymentClock.NEVER
    assert policy.electronic_channels == {Channel.ONLINE, Channel.COUNTER}
    with pytest.raises(ValueError):
        ProcessingPolicy(supplement_request_working_days=-1)


def test_refusals_carry_what_the_http_layer_needs() -> None:
    j = Journey("1.004200", "2026-03-02 09:00")
    with pytest.raises(ProcessingRuleViolation) as refused:
        j.complete("2026-03-02 10:00", StepKind.APPRAISAL)
    violation = refused.value
    assert (violation.rule, violation.status) == ("HANDLER_NOT_ASSIGNED", 409)
    assert "Điều 19" in violation.message_vi and str(violation).startswith("HANDLER_NOT_ASSIGNED")
    missing = NotFound("case", "abc")
    assert missing.not_found and "abc" in missing.message_vi
