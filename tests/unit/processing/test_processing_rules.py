"""Every illegal transition of domain.md §2.15 that concerns processing, and every guard of the transition
table, is refused with its rule named and records nothing (one case per rule)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import uuid4

import pytest
from processing_kit import (
    MISSING_ITEM,
    Journey,
    deadlines,
    document,
    t,
)

from contracts.enums import (
    Channel,
    ClockPauseReason,
    DurationUnit,
    FeeKind,
    PaymentMethod,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)
from contracts.envelope import PublicEvent
from contracts.values import FeeLine
from processing.application import Processing
from processing.case import Digitisation
from processing.case_state import CaseState
from processing.clock import SettableClock
from processing.errors import NotFound, ProcessingRuleViolation
from processing.ledger import DueRule
from processing.ports import UnknownProcedure
from processing.workflow import StepRole, TimeLimit, Workflow, WorkflowStep

APPRAISAL, REVIEW, SIGNING = StepKind.APPRAISAL, StepKind.REVIEW, StepKind.SIGNING
Attempt = Callable[[], object]


def refusal(j: Journey, attempt: Attempt) -> ProcessingRuleViolation:
    """Run ``attempt``, expect a refusal, and check that nothing was recorded."""
    notifications, version = j.event_count(), j.case.version
    with pytest.raises(ProcessingRuleViolation) as info:
        attempt()
    assert j.event_count() == notifications
    assert j.case.version == version
    return info.value


# --- states to start from ---------------------------------------------------------------------------------


def simple(name: str = "") -> Journey:
    """1.004200 (3 WD, RESTART) received Mon 2/3/2026 08:00 → due Thu 5/3 08:00; a handler is assigned."""
    j = Journey("1.004200", "2026-03-02 08:00", name=name)
    j.assign("2026-03-02 08:30")
    return j


def all_steps_done(j: Journey) -> Journey:
    j.complete("2026-03-02 10:00", APPRAISAL)
    j.complete("2026-03-02 14:00", REVIEW, actor=j.lead)
    j.complete("2026-03-02 15:00", SIGNING, actor=j.lead)
    return j


def approved(j: Journey) -> Journey:
    all_steps_done(j).issue("2026-03-02 16:00")
    return j


def rejected(j: Journey) -> Journey:
    j.complete("2026-03-02 10:00", APPRAISAL, outcome=StepOutcome.UNSATISFACTORY)
    j.at("2026-03-02 11:00").app.reject(
        j.id, **j.by(j.lead), reasons="Không đủ", legal_basis="Luật", notice_no="TC"
    )
    return j


def stopped(j: Journey) -> Journey:
    j.at("2026-03-02 09:00").app.stop(
        j.id, **j.by(j.lead), cause=StopCause.LEGAL_GROUND, notice_no="05/TB", reason="Có quyết định thu hồi"
    )
    return j


def awaiting_supplement(j: Journey) -> Journey:
    j.at("2026-03-02 09:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    return j


def withdrawal_requested(j: Journey) -> Journey:
    j.clock.set(t("2026-03-02 09:00"))
    j.deliver(j.desk.withdrawal(t("2026-03-02 09:00")))
    return j


def obligation(
    j: Journey,
    *,
    before_result: bool = True,
    at: str = "2026-03-02 09:00",
    obligation_id: str = "NVTC-1",
    amount: int = 100_000,
    methods: tuple[PaymentMethod, ...] = (PaymentMethod.ONLINE_NATIONAL,),
) -> Journey:
    j.at(at).app.request_financial_obligation(
        j.id,
        **j.by(),
        obligation_id=obligation_id,
        lines=[FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=amount)],
        allowed_methods=list(methods),
        payment_before_result=before_result,
    )
    return j


def paused(j: Journey, at: str = "2026-03-02 09:00") -> Journey:
    j.at(at).app.pause_clock(
        j.id, **j.by(), pause_id="P-1", reason=ClockPauseReason.OTHER_LEGAL, legal_basis="Luật chuyên ngành"
    )
    return j


def three_in_one(channel: Channel = Channel.ONLINE) -> Journey:
    j = Journey("1.004884", "2026-03-02 09:00", channel=channel, name=channel.value)
    j.assign("2026-03-02 09:10")
    return j


# --- the attempts -----------------------------------------------------------------------------------------


def apology(j: Journey, new_due: str = "2026-03-09 17:00", at: str = "2026-03-03 09:00") -> Attempt:
    return lambda: j.at(at).app.issue_apology(j.id, **j.by(j.lead), reason="Chậm", new_due_at=t(new_due))


def supplement(j: Journey, at: str = "2026-03-03 09:00", **extra: object) -> Attempt:
    return lambda: j.at(at).app.request_supplement(
        j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM], **extra
    )


def result(j: Journey, at: str = "2026-03-03 10:00") -> Attempt:
    return lambda: j.issue(at)


def reject(j: Journey, at: str = "2026-03-03 10:00") -> Attempt:
    return lambda: j.at(at).app.reject(
        j.id, **j.by(j.lead), reasons="Không đủ", legal_basis="Luật", notice_no="TC-9"
    )


def step(j: Journey, kind: StepKind = APPRAISAL, at: str = "2026-03-03 10:00") -> Attempt:
    return lambda: j.complete(at, kind)


def stop(j: Journey, cause: StopCause, reason: str | None = None) -> Attempt:
    return lambda: j.at("2026-03-03 10:00").app.stop(
        j.id, **j.by(j.lead), cause=cause, notice_no="05/TB", reason=reason
    )


def resume(j: Journey, pause_id: str = "P-1", at: str = "2026-03-03 09:00") -> Attempt:
    return lambda: j.at(at).app.resume_clock(j.id, **j.by(), pause_id=pause_id)


def pause(
    j: Journey, reason: ClockPauseReason = ClockPauseReason.OTHER_LEGAL, basis: str = "Luật"
) -> Attempt:
    return lambda: j.at("2026-03-03 09:00").app.pause_clock(
        j.id, **j.by(), pause_id="P-2", reason=reason, legal_basis=basis
    )


def inbound(j: Journey, make: Callable[[Journey], object]) -> Attempt:
    def attempt() -> object:
        j.clock.set(t("2026-03-03 09:00"))
        event = make(j)
        return j.deliver(event)  # type: ignore[arg-type]

    return attempt


def hand_off(j: Journey, at: str = "2026-03-02 10:00") -> Attempt:
    return lambda: j.at(at).app.hand_off_to_partners(j.id, **j.by(j.lead))


def partner_done(j: Journey, agency: str, outcome: StepOutcome = StepOutcome.SATISFACTORY) -> Attempt:
    return lambda: j.at("2026-03-02 15:00").app.complete_partner_task(
        j.id, **j.by(), agency_code=agency, outcome=outcome
    )


@dataclass(frozen=True)
class Scenario:
    rule: str
    arrange: Callable[[], tuple[Journey, Attempt]]
    status: int = 409


Arrange = Callable[[], tuple[Journey, Attempt]]
SCENARIOS: list[Scenario] = []


def scenario(rule: str, status: int = 409) -> Callable[[Arrange], Arrange]:
    """Register an arrangement that ends with the attempt the rule ``rule`` must refuse."""

    def register(arrange: Arrange) -> Arrange:
        SCENARIOS.append(Scenario(rule, arrange, status))
        return arrange

    return register


def consult(j: Journey, consultation_id: str = "YK-1") -> Attempt:
    return lambda: j.at("2026-03-02 09:00").app.request_consultation(
        j.id,
        **j.by(),
        consultation_id=consultation_id,
        consulted_unit_code="H44.15",
        question="Xác nhận thông tin cư trú?",
        reply_due_at=t("2026-03-04 17:00"),
    )


def withdrawal(j: Journey) -> PublicEvent:
    return j.desk.withdrawal(t("2026-03-03 09:00"))


# --- domain.md §2.15 "Illegal transitions", the ones that concern processing --------------------------------


@scenario("CASE_STOPPED")
def command_on_a_stopped_case() -> tuple[Journey, Attempt]:
    j = stopped(simple())
    return j, step(j)


@scenario("CASE_STOPPED")
def desk_event_on_a_stopped_case() -> tuple[Journey, Attempt]:
    j = stopped(simple())
    return j, inbound(j, withdrawal)


@scenario("RECEIVE_TWICE")
def dossier_received_twice() -> tuple[Journey, Attempt]:
    j = simple()
    again = j.desk.received(
        j.procedure,
        t("2026-03-02 09:00"),
        channel=Channel.COUNTER,
        receiving_unit="H44.100",
        processing_unit="H44.100",
    )
    return j, lambda: j.deliver(again)


@scenario("APOLOGY_ONCE")
def second_apology() -> tuple[Journey, Attempt]:
    j = simple()
    apology(j)()
    return j, apology(j, "2026-03-12 17:00")


@scenario("APOLOGY_NEW_DATE_NOT_LATER")
def apology_to_the_same_date() -> tuple[Journey, Attempt]:
    j = simple()
    return j, apology(j, new_due="2026-03-05 08:00")  # the current due time itself


@scenario("APOLOGY_AFTER_FINISH")
def apology_after_the_result() -> tuple[Journey, Attempt]:
    j = approved(simple())
    return j, apology(j)


@scenario("APOLOGY_AFTER_FINISH")
def apology_after_the_stop() -> tuple[Journey, Attempt]:
    j = stopped(simple())
    return j, apology(j)


@scenario("SUPPLEMENT_ONCE")
def second_supplement_request() -> tuple[Journey, Attempt]:
    j = simple()
    supplement(j)()
    j.deliver(j.desk.supplement_submitted(t("2026-03-03 10:00")))
    return j, supplement(j, "2026-03-03 11:00")


@scenario("SUPPLEMENT_NOT_VIA_ONE_STOP")
def supplement_request_through_another_desk() -> tuple[Journey, Attempt]:
    j = simple()
    return j, supplement(j, one_stop_unit_code="H44.18")


@scenario("WITHDRAWAL_AFTER_RESULT")
def withdrawal_after_the_result() -> tuple[Journey, Attempt]:
    j = approved(simple())
    return j, inbound(j, withdrawal)


@scenario("OUTCOME_ALREADY_DECIDED")
def rejection_after_the_result() -> tuple[Journey, Attempt]:
    j = approved(simple())
    return j, reject(j)


@scenario("OUTCOME_ALREADY_DECIDED")
def result_after_the_rejection() -> tuple[Journey, Attempt]:
    j = rejected(simple())
    return j, result(j)


@scenario("PAYMENT_MATCHES_NOTHING")
def payment_for_another_obligation() -> tuple[Journey, Attempt]:
    j = obligation(simple())
    return j, inbound(j, lambda j: j.desk.payment(t("2026-03-03 09:00"), 100_000, obligation_id="NVTC-9"))


@scenario("PAYMENT_MATCHES_NOTHING")
def fee_payment_without_receipt_fee_lines() -> tuple[Journey, Attempt]:
    j = simple()
    return j, inbound(j, lambda j: j.desk.payment(t("2026-03-03 09:00"), 100_000, obligation_id=None))


@scenario("PAYMENT_MATCHES_NOTHING")
def second_payment_of_a_settled_obligation() -> tuple[Journey, Attempt]:
    j = obligation(simple())
    j.clock.set(t("2026-03-02 10:00"))
    j.deliver(j.desk.payment(t("2026-03-02 10:00"), 100_000, obligation_id="NVTC-1"))
    return j, inbound(j, lambda j: j.desk.payment(t("2026-03-03 09:00"), 100_000, obligation_id="NVTC-1"))


@scenario("LEAD_DECIDES_BEFORE_PARTNERS")
def result_before_any_partner_received_the_dossier() -> tuple[Journey, Attempt]:
    j = three_in_one()
    j.complete("2026-03-02 10:00", APPRAISAL)
    return j, result(j)


@scenario("LEAD_DECIDES_BEFORE_PARTNERS")
def result_with_one_partner_still_working() -> tuple[Journey, Attempt]:
    j = three_in_one()
    hand_off(j)()
    j.complete("2026-03-02 11:00", APPRAISAL)
    partner_done(j, "H44.15")()
    return j, result(j)


@scenario("LEAD_DECIDES_BEFORE_PARTNERS")
def rejection_while_partners_work() -> tuple[Journey, Attempt]:
    j = three_in_one()
    hand_off(j)()
    j.complete("2026-03-02 11:00", APPRAISAL)
    return j, reject(j)


# --- the guards of the transition table ---------------------------------------------------------------------


@scenario("PAUSE_WITHOUT_LEGAL_BASIS", 422)
def pause_without_legal_basis() -> tuple[Journey, Attempt]:
    j = simple()
    return j, pause(j, basis="  ")


@scenario("PAUSE_ALREADY_OPEN")
def second_open_pause() -> tuple[Journey, Attempt]:
    j = paused(simple())
    return j, pause(j)


@scenario("PAUSE_REASON_NOT_ALLOWED")
def pause_for_an_exclusion_the_procedure_does_not_have() -> tuple[Journey, Attempt]:
    j = simple()  # 1.004200 excludes nothing
    return j, pause(j, ClockPauseReason.PUBLIC_POSTING)


@scenario("NO_OPEN_PAUSE")
def resume_without_pause() -> tuple[Journey, Attempt]:
    j = simple()
    return j, resume(j)


@scenario("NO_OPEN_PAUSE")
def resume_another_pause() -> tuple[Journey, Attempt]:
    j = paused(simple())
    return j, resume(j, "P-9")


@scenario("RESUME_BEFORE_PAUSE", 422)
def resume_before_the_pause_began() -> tuple[Journey, Attempt]:
    j = paused(simple())
    return j, resume(j, at="2026-03-02 08:45")


@scenario("CLOCK_PAUSED_AT_DECISION")
def result_while_paused() -> tuple[Journey, Attempt]:
    j = paused(all_steps_done(simple()), "2026-03-02 15:30")
    return j, result(j)


@scenario("CLOCK_PAUSED_AT_DECISION")
def rejection_while_paused() -> tuple[Journey, Attempt]:
    j = paused(simple())
    j.complete("2026-03-02 10:00", APPRAISAL)
    return j, reject(j)


@scenario("PAUSE_OPEN")
def supplement_request_while_paused() -> tuple[Journey, Attempt]:
    j = paused(simple())
    return j, supplement(j)


@scenario("MANDATORY_STEPS_PENDING")
def result_before_signing() -> tuple[Journey, Attempt]:
    j = simple()
    j.complete("2026-03-02 10:00", APPRAISAL)
    return j, result(j)


@scenario("FEES_NOT_SETTLED")
def result_before_payment() -> tuple[Journey, Attempt]:
    j = obligation(all_steps_done(simple()), at="2026-03-02 15:30")
    return j, result(j)


@scenario("STEP_OUT_OF_ORDER")
def signing_before_appraisal() -> tuple[Journey, Attempt]:
    j = simple()
    return j, step(j, SIGNING)


@scenario("STEP_OUT_OF_ORDER")
def lead_step_while_a_partner_holds_the_paper_dossier() -> tuple[Journey, Attempt]:
    j = three_in_one(Channel.COUNTER)
    j.complete("2026-03-02 10:00", APPRAISAL)
    return j, step(j, SIGNING)


@scenario("HANDLER_NOT_ASSIGNED")
def step_before_assignment() -> tuple[Journey, Attempt]:
    j = Journey("1.004200", "2026-03-02 08:00")
    return j, step(j)


@scenario("SEND_BACK_NOT_POSSIBLE")
def sending_back_the_first_step() -> tuple[Journey, Attempt]:
    j = simple()
    return j, lambda: j.complete("2026-03-02 10:00", APPRAISAL, StepOutcome.SENT_BACK)


@scenario("STOP_WITHOUT_WITHDRAWAL_REQUEST")
def withdrawal_stop_without_request() -> tuple[Journey, Attempt]:
    j = simple()
    return j, stop(j, StopCause.APPLICANT_WITHDRAWAL)


@scenario("STOP_TIMEOUT_WITHOUT_SUPPLEMENT_REQUEST")
def timeout_stop_without_supplement_request() -> tuple[Journey, Attempt]:
    j = simple()
    return j, stop(j, StopCause.SUPPLEMENT_TIMEOUT)


@scenario("STOP_REASON_REQUIRED", 422)
def legal_stop_without_reason() -> tuple[Journey, Attempt]:
    j = simple()
    return j, stop(j, StopCause.LEGAL_GROUND)


@scenario("REJECTION_BEFORE_APPRAISAL")
def rejection_before_appraisal() -> tuple[Journey, Attempt]:
    j = simple()
    return j, reject(j)


@scenario("AWAITING_SUPPLEMENT")
def step_while_awaiting_supplement() -> tuple[Journey, Attempt]:
    j = awaiting_supplement(simple())
    return j, step(j)


@scenario("AWAITING_SUPPLEMENT")
def apology_while_awaiting_supplement() -> tuple[Journey, Attempt]:
    j = awaiting_supplement(simple())
    return j, apology(j)


@scenario("AWAITING_PAYMENT")
def step_while_awaiting_payment() -> tuple[Journey, Attempt]:
    j = obligation(simple())
    return j, step(j)


@scenario("WITHDRAWAL_PENDING")
def supplement_request_after_withdrawal_request() -> tuple[Journey, Attempt]:
    j = withdrawal_requested(simple())
    return j, supplement(j)


@scenario("CASE_DECIDED")
def assignment_after_the_result() -> tuple[Journey, Attempt]:
    j = approved(simple())
    return j, lambda: j.at("2026-03-03 09:00").app.assign_handler(
        j.id, **j.by(j.lead), handler_id="cv.h44100.khac", department="Tư pháp"
    )


@scenario("SUPPLEMENT_NOT_REQUESTED")
def supplement_nobody_asked_for() -> tuple[Journey, Attempt]:
    j = simple()
    return j, inbound(j, lambda j: j.desk.supplement_submitted(t("2026-03-03 09:00")))


@scenario("SUPPLEMENT_NOT_REQUESTED")
def supplement_for_another_request() -> tuple[Journey, Attempt]:
    j = awaiting_supplement(simple())
    return j, inbound(j, lambda j: j.desk.supplement_submitted(t("2026-03-03 09:00"), request_no=2))


@scenario("SUPPLEMENT_EXCEPTION_WITHOUT_BASIS", 422)
def sector_law_exception_without_basis() -> tuple[Journey, Attempt]:
    j = simple()
    return j, supplement(j, sector_law_exception=True)


@scenario("SUPPLEMENT_ITEMS_REQUIRED", 422)
def supplement_request_naming_nothing() -> tuple[Journey, Attempt]:
    j = simple()
    return j, lambda: j.at("2026-03-02 09:00").app.request_supplement(j.id, **j.by(), reasons="?", items=[])


@scenario("OBLIGATION_ALREADY_OPEN")
def second_open_obligation() -> tuple[Journey, Attempt]:
    j = obligation(simple(), before_result=False)
    return j, lambda: obligation(j, at="2026-03-02 10:00", obligation_id="NVTC-2")


@scenario("OBLIGATION_EMPTY", 422)
def obligation_of_nothing() -> tuple[Journey, Attempt]:
    j = simple()
    return j, lambda: obligation(j, amount=0)


@scenario("PAYMENT_METHODS_INVALID", 422)
def payment_method_listed_twice() -> tuple[Journey, Attempt]:
    j = simple()
    return j, lambda: obligation(j, methods=(PaymentMethod.CASH_COUNTER, PaymentMethod.CASH_COUNTER))


@scenario("VERIFICATION_NOT_SCHEDULED")
def verification_step_without_schedule() -> tuple[Journey, Attempt]:
    j = simple()
    return j, step(j, StepKind.VERIFICATION)


@scenario("VERIFICATION_PENDING")
def result_before_the_scheduled_verification() -> tuple[Journey, Attempt]:
    j = all_steps_done(simple())
    verify(j, at="2026-03-02 15:30", scheduled_for="2026-03-03 09:00")()
    return j, result(j)


@scenario("CONSULTATION_NOT_REQUESTED")
def consultation_step_without_consultation() -> tuple[Journey, Attempt]:
    j = simple()
    return j, step(j, StepKind.CONSULTATION)


@scenario("CONSULTATION_DUPLICATE")
def consultation_id_used_twice() -> tuple[Journey, Attempt]:
    j = simple()
    consult(j)()
    return j, consult(j)


@scenario("CONSULTATION_UNKNOWN", 422)
def answer_to_no_consultation() -> tuple[Journey, Attempt]:
    j = simple()
    return j, lambda: j.app.record_consultation_answer(
        j.id, **j.by(), consultation_id="YK-9", answer_ref="dms://x"
    )


@scenario("TIME_NOT_IN_FUTURE", 422)
def verification_scheduled_for_now() -> tuple[Journey, Attempt]:
    j = simple()
    return j, verify(j, at="2026-03-02 10:00", scheduled_for="2026-03-02 10:00")


@scenario("PARTICIPANTS_REQUIRED", 422)
def verification_without_participants() -> tuple[Journey, Attempt]:
    j = simple()
    return j, verify(j, at="2026-03-02 10:00", scheduled_for="2026-03-03 10:00", participants=())


@scenario("NOT_INTER_AGENCY")
def hand_off_without_partners() -> tuple[Journey, Attempt]:
    j = simple()
    return j, hand_off(j)


@scenario("PARTNERS_ALREADY_HANDED_OFF")
def second_parallel_hand_off() -> tuple[Journey, Attempt]:
    j = three_in_one()
    hand_off(j)()
    return j, hand_off(j, "2026-03-02 11:00")


@scenario("PARTNER_NOT_NEXT")
def paper_hand_off_before_the_lead_appraised() -> tuple[Journey, Attempt]:
    j = three_in_one(Channel.COUNTER)
    return j, hand_off(j)


@scenario("PARTNER_TASK_NOT_IN_PROGRESS")
def partner_answer_before_it_got_the_dossier() -> tuple[Journey, Attempt]:
    j = three_in_one()
    return j, partner_done(j, "H44.15")


@scenario("PARTNER_UNKNOWN", 422)
def answer_of_an_agency_outside_the_flow() -> tuple[Journey, Attempt]:
    j = three_in_one()
    return j, partner_done(j, "H44.99")


@scenario("PARTNER_OUTCOME_INVALID", 422)
def partner_sending_back() -> tuple[Journey, Attempt]:
    j = three_in_one()
    hand_off(j)()
    return j, partner_done(j, "H44.15", StepOutcome.SENT_BACK)


@scenario("RESULT_NOT_ISSUED")
def digitising_the_result_of_a_rejection() -> tuple[Journey, Attempt]:
    j = rejected(simple())
    return j, digitise(j, "KQ")


@scenario("RESULT_DOCUMENT_UNKNOWN", 422)
def digitising_a_document_the_result_does_not_have() -> tuple[Journey, Attempt]:
    j = approved(simple())
    return j, digitise(j, "KHONG-CO")


@scenario("RESULT_DOCUMENTS_INVALID", 422)
def electronic_result_without_a_file() -> tuple[Journey, Attempt]:
    j = all_steps_done(simple())
    paper = document(signed_at=t("2026-03-02 15:00"), electronic=False)
    return j, lambda: j.at("2026-03-02 16:00").app.issue_result(
        j.id, **j.by(j.lead), documents=[paper], e_result=True
    )


@scenario("CONTRACT_INVALID", 422)
def handler_id_the_public_contract_refuses() -> tuple[Journey, Attempt]:
    j = simple()
    return j, lambda: j.app.assign_handler(j.id, **j.by(j.lead), handler_id="cv h44100", department="Tư pháp")


@scenario("CONTRACT_INVALID", 422)
def result_followed_by_a_scan_with_a_bad_hash() -> tuple[Journey, Attempt]:
    j = all_steps_done(simple())
    scan = Digitisation("KQ", "dms://h44.100/scan.pdf", "not-a-sha256", False)
    paper = document(signed_at=t("2026-03-02 15:00"), electronic=False)
    return j, lambda: j.at("2026-03-02 16:00").app.issue_result(
        j.id, **j.by(j.lead), documents=[paper], e_result=False, digitised=[scan]
    )


def verify(
    j: Journey, *, at: str, scheduled_for: str, participants: tuple[str, ...] = ("Tổ công tác",)
) -> Attempt:
    return lambda: j.at(at).app.schedule_verification(
        j.id,
        **j.by(),
        scheduled_for=t(scheduled_for),
        place="Số 12 đường Lê Lợi",
        participants=list(participants),
        content="Xác minh nơi ở",
    )


def digitise(j: Journey, code: str) -> Attempt:
    scan = Digitisation(code, "dms://h44.100/scan.pdf", "ab" * 32, False)
    return lambda: j.at("2026-03-02 17:00").app.record_result_digitized(j.id, **j.by(), digitisation=scan)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.arrange.__name__ for s in SCENARIOS])
def test_refused_with_the_rule_named_and_nothing_recorded(scenario: Scenario) -> None:
    j, attempt = scenario.arrange()
    violation = refusal(j, attempt)
    assert violation.rule == scenario.rule
    assert violation.status == scenario.status
    assert violation.message_vi and violation.message_en


def test_every_rule_code_has_a_scenario() -> None:
    # The codes the case can raise, read from its source, each covered above (or in the tests named here).
    import re
    from pathlib import Path

    import processing.application as application
    import processing.case as case

    source = Path(case.__file__).read_text(encoding="utf-8") + Path(application.__file__).read_text(
        encoding="utf-8"
    )
    raised = set(re.findall(r'\b(?:refused|invalid)\(\s*"([A-Z_]+)"', source))
    state_rules = {
        "CASE_STOPPED",
        "CASE_DECIDED",
        "WITHDRAWAL_PENDING",
        "AWAITING_SUPPLEMENT",
        "AWAITING_PAYMENT",
    }
    elsewhere = {
        "APOLOGY_LATE",  # test_processing_journeys: the policy REFUSE
        "REJECTION_LATE",  # test_processing_journeys: the policy REFUSE
        "UNKNOWN_PROCEDURE",  # below
        "WORKFLOW_INVALID",  # below
        "REJECTION_INCOMPLETE",  # below
        "NOTICE_NO_REQUIRED",  # below
        "OBLIGATION_ID_USED",  # below
        "PAUSE_ID_USED",  # below
        "CONSULTATION_ALREADY_ANSWERED",  # below
        "CONSULTATION_PENDING",  # test_processing_journeys
    }
    covered = {s.rule for s in SCENARIOS} | elsewhere
    assert raised - covered == set()
    assert state_rules <= covered


def test_processing_events_before_the_dossier_was_received_are_not_found() -> None:
    j = simple()
    unknown = uuid4()
    with pytest.raises(NotFound) as missing:
        j.app.assign_handler(unknown, **j.by(j.lead), handler_id="x", department="y")
    assert missing.value.not_found
    stranger = j.desk.supplement_submitted(t("2026-03-02 10:00")).model_copy(update={"dossier_id": unknown})
    before = j.event_count()
    with pytest.raises(NotFound):
        j.deliver(stranger)
    assert j.event_count() == before


def test_the_due_time_moves_only_through_the_rules_of_the_ledger() -> None:
    # A journey through every kind of event: the effective due time changes exactly at the events that name a
    # rule in the ledger (receipt, supplement, pause/resume, apology, audited correction) and nowhere else.
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18")
    j.assign("2026-03-02 09:30")
    j.at("2026-03-02 10:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    j.clock.set(t("2026-03-03 10:00"))
    j.deliver(j.desk.supplement_submitted(t("2026-03-03 10:00")))
    j.complete("2026-03-04 09:00", APPRAISAL)
    j.at("2026-03-04 10:00").app.pause_clock(
        j.id, **j.by(), pause_id="TD-1", reason=ClockPauseReason.EXPERT_APPRAISAL, legal_basis="NĐ 101/2024"
    )
    j.at("2026-03-05 10:00").app.resume_clock(j.id, **j.by(), pause_id="TD-1")
    j.at("2026-03-05 11:00").app.issue_apology(
        j.id, **j.by(j.lead), reason="Chậm", new_due_at=t("2026-03-31 17:00")
    )
    j.clock.set(t("2026-03-05 14:00"))
    j.deliver(
        j.desk.due_corrected(t("2026-03-05 14:00"), old=t("2026-03-31 17:00"), new=t("2026-04-01 17:00"))
    )
    obligation(j, at="2026-03-06 09:00")
    j.clock.set(t("2026-03-09 09:00"))
    j.deliver(j.desk.payment(t("2026-03-09 09:00"), 100_000, obligation_id="NVTC-1"))
    j.complete("2026-03-09 10:00", REVIEW, actor=j.lead)
    j.complete("2026-03-09 11:00", SIGNING, actor=j.lead)
    j.issue("2026-03-09 14:00")

    replayed = None
    changes: list[tuple[str, str]] = []
    from processing.case import Case

    for event in j.internal_events():
        before = replayed.effective_due_at if replayed is not None else None
        entries = len(replayed.clock.entries) if replayed is not None else 0
        replayed = event.mutate(replayed)
        assert isinstance(replayed, Case)
        if replayed.effective_due_at != before or len(replayed.clock.entries) != entries:
            changes.append((type(event).__name__, replayed.clock.entries[-1].rule.value))
    assert changes == [
        ("Opened", DueRule.RECEIPT.value),
        ("SupplementAccepted", DueRule.SUPPLEMENT_RESTART.value),
        ("ClockResumed", DueRule.CLOCK_PAUSE.value),
        ("ApologyIssued", DueRule.APOLOGY.value),
        ("DueDateCorrectionApplied", DueRule.AUDITED_CORRECTION.value),
        ("ClockResumed", DueRule.CLOCK_PAUSE.value),
    ]
    assert replayed is not None and replayed.state is CaseState.RESULT_READY


def test_other_refusals() -> None:
    # An answered consultation is not answered twice.
    j = simple()
    consult(j)()
    j.app.record_consultation_answer(j.id, **j.by(), consultation_id="YK-1", answer_ref="dms://yk.pdf")
    assert (
        refusal(
            j,
            lambda: j.app.record_consultation_answer(
                j.id, **j.by(), consultation_id="YK-1", answer_ref="dms://yk.pdf"
            ),
        ).rule
        == "CONSULTATION_ALREADY_ANSWERED"
    )
    # Ids of pauses and obligations are not reused.
    paused(j)
    resume(j, at="2026-03-02 10:00")()
    assert (
        refusal(
            j,
            lambda: j.at("2026-03-02 10:30").app.pause_clock(
                j.id, **j.by(), pause_id="P-1", reason=ClockPauseReason.OTHER_LEGAL, legal_basis="Luật"
            ),
        ).rule
        == "PAUSE_ID_USED"
    )
    obligation(j, before_result=False, at="2026-03-02 10:45")
    j.clock.set(t("2026-03-02 11:00"))
    j.deliver(j.desk.payment(t("2026-03-02 11:00"), 100_000, obligation_id="NVTC-1"))
    assert refusal(j, lambda: obligation(j, at="2026-03-02 11:30")).rule == "OBLIGATION_ID_USED"
    # A stop notice has its number; a rejection its reasons.
    assert (
        refusal(
            j,
            lambda: j.app.stop(
                j.id, **j.by(j.lead), cause=StopCause.LEGAL_GROUND, notice_no=" ", reason="Lý do"
            ),
        ).status
        == 422
    )
    j.complete("2026-03-02 14:00", APPRAISAL)
    violation = refusal(
        j, lambda: j.app.reject(j.id, **j.by(j.lead), reasons=" ", legal_basis="Luật", notice_no="TC")
    )
    assert violation.rule == "REJECTION_INCOMPLETE" and violation.status == 422


class _Workflows:
    def __init__(self, workflow: Workflow | None) -> None:
        self.workflow = workflow

    def workflow_for(self, procedure_code: str, processing_unit_code: str) -> Workflow:
        if self.workflow is None:
            raise UnknownProcedure(procedure_code)
        return self.workflow


def test_a_dossier_of_an_unknown_procedure_or_an_unusable_workflow_opens_no_case() -> None:
    j = simple()
    app = Processing(
        workflows=_Workflows(None), deadlines=deadlines(), clock=SettableClock(t("2026-03-02 08:00"))
    )
    with pytest.raises(ProcessingRuleViolation) as unknown:
        app.apply_intake_event(j.received)
    assert unknown.value.rule == "UNKNOWN_PROCEDURE" and unknown.value.status == 422
    allotted = TimeLimit(1, DurationUnit.WORKING_DAY)
    lead_as_partner = Workflow(
        procedure_code="1.004200",
        steps=(
            WorkflowStep(StepKind.RECEIVE, "Tiếp nhận", StepRole.ONE_STOP, allotted),
            WorkflowStep(StepKind.INTER_AGENCY, "Chính mình", StepRole.PARTNER_AGENCY, allotted, "H44.100"),
            WorkflowStep(
                StepKind.RETURN_RESULT, "Trả", StepRole.ONE_STOP, TimeLimit(0, DurationUnit.WORKING_DAY)
            ),
        ),
        supplement_clock_policy=SupplementClockPolicy.RESTART,
    )
    app = Processing(
        workflows=_Workflows(lead_as_partner),
        deadlines=deadlines(),
        clock=SettableClock(t("2026-03-02 08:00")),
    )
    with pytest.raises(ProcessingRuleViolation) as unusable:
        app.apply_intake_event(j.received)
    assert unusable.value.rule == "WORKFLOW_INVALID" and "lead agency itself" in unusable.value.message_en
    assert app.recorder.select_notifications(None, 10) == []
