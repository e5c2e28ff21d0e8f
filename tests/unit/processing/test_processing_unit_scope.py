"""Each officer acts only on the cases of a unit that may act on them (ADR 0531): the case refuses a command
from another unit with NOT_YOUR_UNIT (403) and records nothing, whatever the entry point.

The dossier of most tests: 1.004200 received at the commune H44.100, which also handles it; the stranger is
an officer of the neighbouring commune H44.101.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from processing_kit import MISSING_ITEM, Journey, document, officer, t

from contracts.enums import (
    ActorKind,
    ClockPauseReason,
    FeeKind,
    PaymentMethod,
    StepKind,
    StepOutcome,
    StopCause,
)
from contracts.envelope import Actor
from contracts.values import FeeLine
from processing.case import DataStorePush, Digitisation
from processing.case_state import CaseState, TaskStatus
from processing.errors import ProcessingRuleViolation
from processing.policy import ProcessingPolicy

APPRAISAL, REVIEW, SIGNING = StepKind.APPRAISAL, StepKind.REVIEW, StepKind.SIGNING
STRANGER = officer("H44.101", "cv", "thuly01")
POLICE = officer("H44.15", "cb", "congan01")
SOCIAL_INSURANCE = officer("H44.16", "cb", "bhxh01")

Command = Callable[[Journey, Actor], object]


def refused_for(j: Journey, command: Command, actor: Actor) -> ProcessingRuleViolation:
    """``command`` by ``actor`` is refused with NOT_YOUR_UNIT and records nothing."""
    notifications, version = j.event_count(), j.case.version
    with pytest.raises(ProcessingRuleViolation) as info:
        command(j, actor)
    assert j.event_count() == notifications and j.case.version == version
    assert info.value.rule == "NOT_YOUR_UNIT" and info.value.status == 403, info.value
    return info.value


# --- every officer command: arranged so that the lead unit's officer may give it -----------------------------


def simple() -> Journey:
    j = Journey("1.004200", "2026-03-02 08:00", name="scope")
    j.assign("2026-03-02 08:30")
    return j


def decided() -> Journey:
    j = simple()
    j.complete("2026-03-02 10:00", APPRAISAL)
    j.complete("2026-03-02 11:00", REVIEW, actor=j.lead)
    j.complete("2026-03-02 14:00", SIGNING, actor=j.lead)
    j.issue("2026-03-02 15:00")
    return j


def paper_three_in_one() -> Journey:
    """1.004884 at the counter: the commune (lead), then the police H44.15, then social insurance H44.16."""
    j = Journey("1.004884", "2026-03-02 09:00", name="scope-3in1")
    j.assign("2026-03-02 09:10")
    j.complete("2026-03-02 10:00", APPRAISAL)
    return j


def handed_to_police(policy: ProcessingPolicy | None = None) -> Journey:
    j = Journey("1.004884", "2026-03-02 09:00", name="scope-3in1-police", policy=policy)
    j.assign("2026-03-02 09:10")
    j.complete("2026-03-02 10:00", APPRAISAL)
    j.at("2026-03-02 10:30").app.hand_off_to_partners(j.id, **j.by(j.lead), transfer_slip_no="PC-01")
    return j


def consulted() -> Journey:
    j = simple()
    for number, unit in (("YK-1", "H44.15"), ("YK-2", "H44.17")):
        j.at("2026-03-02 09:00").app.request_consultation(
            j.id,
            **j.by(),
            consultation_id=number,
            consulted_unit_code=unit,
            question="Xác minh nơi cư trú",
            reply_due_at=t("2026-03-03 17:00"),
        )
    return j


def paused() -> Journey:
    j = simple()
    j.at("2026-03-02 09:00").app.pause_clock(
        j.id, **j.by(), pause_id="P-1", reason=ClockPauseReason.OTHER_LEGAL, legal_basis="Luật chuyên ngành"
    )
    return j


def appraised_unsatisfactory() -> Journey:
    j = simple()
    j.complete("2026-03-02 10:00", APPRAISAL, outcome=StepOutcome.UNSATISFACTORY)
    return j


def signed() -> Journey:
    j = simple()
    j.complete("2026-03-02 10:00", APPRAISAL)
    j.complete("2026-03-02 11:00", REVIEW, actor=j.lead)
    j.complete("2026-03-02 14:00", SIGNING, actor=j.lead)
    return j


def opened() -> Journey:
    return Journey("1.004200", "2026-03-02 08:00", name="scope-open")


@dataclass(frozen=True)
class Scenario:
    name: str
    arrange: Callable[[], Journey]
    command: Command
    lead_gives_it: bool = False  # the agency lead (not the specialist) is the one who may


SCENARIOS = [
    Scenario(
        "assign_handler",
        opened,
        lambda j, a: j.at("2026-03-02 08:30").app.assign_handler(
            j.id, actor=a, correlation_id=j.correlation_id, handler_id="cv.x", department="Tư pháp"
        ),
        lead_gives_it=True,
    ),
    Scenario("complete_step", simple, lambda j, a: j.complete("2026-03-02 10:00", APPRAISAL, actor=a)),
    Scenario(
        "schedule_verification",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.schedule_verification(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            scheduled_for=t("2026-03-03 09:00"),
            place="Tổ dân phố 3",
            participants=["Công an phường"],
            content="Xác minh nơi ở",
        ),
    ),
    Scenario(
        "request_consultation",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.request_consultation(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            consultation_id="YK-9",
            consulted_unit_code="H44.15",
            question="?",
            reply_due_at=t("2026-03-03 17:00"),
        ),
    ),
    Scenario(
        "record_consultation_answer",
        consulted,
        lambda j, a: j.at("2026-03-02 15:00").app.record_consultation_answer(
            j.id, actor=a, correlation_id=j.correlation_id, consultation_id="YK-1", answer_ref="dms://yk1.pdf"
        ),
    ),
    Scenario(
        "hand_off_to_partners",
        paper_three_in_one,
        lambda j, a: j.at("2026-03-02 10:30").app.hand_off_to_partners(
            j.id, actor=a, correlation_id=j.correlation_id, transfer_slip_no="PC-01"
        ),
    ),
    Scenario(
        "complete_partner_task",
        handed_to_police,
        lambda j, a: j.at("2026-03-02 14:00").app.complete_partner_task(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            agency_code="H44.15",
            outcome=StepOutcome.SATISFACTORY,
        ),
    ),
    Scenario(
        "request_supplement",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.request_supplement(
            j.id, actor=a, correlation_id=j.correlation_id, reasons="Thiếu", items=[MISSING_ITEM]
        ),
    ),
    Scenario(
        "request_financial_obligation",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.request_financial_obligation(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            obligation_id="NVTC-1",
            lines=[FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=100_000)],
            allowed_methods=[PaymentMethod.ONLINE_NATIONAL],
        ),
    ),
    Scenario(
        "pause_clock",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.pause_clock(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            pause_id="P-9",
            reason=ClockPauseReason.OTHER_LEGAL,
            legal_basis="Luật chuyên ngành",
        ),
    ),
    Scenario(
        "resume_clock",
        paused,
        lambda j, a: j.at("2026-03-02 10:00").app.resume_clock(
            j.id, actor=a, correlation_id=j.correlation_id, pause_id="P-1"
        ),
    ),
    Scenario(
        "issue_apology",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.issue_apology(
            j.id, actor=a, correlation_id=j.correlation_id, reason="Quá tải", new_due_at=t("2026-03-10 17:00")
        ),
        lead_gives_it=True,
    ),
    Scenario(
        "stop",
        simple,
        lambda j, a: j.at("2026-03-02 09:00").app.stop(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            cause=StopCause.LEGAL_GROUND,
            notice_no="05/TB",
            reason="Có quyết định thu hồi",
        ),
        lead_gives_it=True,
    ),
    Scenario(
        "reject",
        appraised_unsatisfactory,
        lambda j, a: j.at("2026-03-02 11:00").app.reject(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            reasons="Không đủ",
            legal_basis="Luật",
            notice_no="TC",
        ),
        lead_gives_it=True,
    ),
    Scenario(
        "issue_result",
        signed,
        lambda j, a: j.at("2026-03-02 15:00").app.issue_result(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            documents=[document(signed_at=t("2026-03-02 14:30"))],
            e_result=True,
        ),
        lead_gives_it=True,
    ),
    Scenario(
        "record_result_digitized",
        decided,
        lambda j, a: j.at("2026-03-02 16:00").app.record_result_digitized(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            digitisation=Digitisation("KQ", "dms://h44.100/kq-scan.pdf", "ab" * 32, False),
        ),
    ),
    Scenario(
        "record_result_stored",
        decided,
        lambda j, a: j.at("2026-03-02 16:00").app.record_result_stored(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            push=DataStorePush("KQ", "dms://h44.100/kq.pdf", "KHO-1", False),
        ),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_an_officer_of_another_unit_is_refused_and_the_units_own_officer_is_not(scenario: Scenario) -> None:
    j = scenario.arrange()
    violation = refused_for(j, scenario.command, STRANGER)
    assert "H44.101" in violation.message_en and "H44.100" in violation.message_en
    assert "H44.101" in violation.message_vi
    before = j.case.version
    scenario.command(j, j.lead if scenario.lead_gives_it else j.specialist)
    assert j.case.version > before


def test_every_officer_command_of_the_application_has_a_scenario() -> None:
    from processing.application import Processing

    inbound_or_reading = {"apply_intake_event", "run_watcher", "case", "case_ids", "clock_ledger"}
    inbound_or_reading |= {"control_sheet", "close", "register_transcodings"}
    commands = {
        name
        for name, value in vars(Processing).items()
        if callable(value) and not name.startswith("_") and name not in inbound_or_reading
    }
    assert commands == {s.name for s in SCENARIOS}


def test_an_actor_without_a_unit_is_refused() -> None:
    j = simple()
    nobody = Actor(kind=ActorKind.OFFICER, id="cv.khongdonvi")
    violation = refused_for(j, lambda j, a: j.complete("2026-03-02 10:00", APPRAISAL, actor=a), nobody)
    assert "no unit" in violation.message_en


# --- partners, consulted bodies, the desk, a transfer ----------------------------------------------------------


def partner_answer(agency: str, at: str) -> Command:
    def command(j: Journey, a: Actor) -> object:
        return j.at(at).app.complete_partner_task(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            agency_code=agency,
            outcome=StepOutcome.SATISFACTORY,
        )

    return command


def test_a_partner_agency_acts_on_its_own_task_only() -> None:
    j = handed_to_police()
    police_task = partner_answer("H44.15", "2026-03-02 14:00")
    insurance_task = partner_answer("H44.16", "2026-03-02 16:00")
    # Not another partner's task, nor the lead's work, nor the hand-off.
    refused_for(j, police_task, SOCIAL_INSURANCE)
    refused_for(j, lambda j, a: j.complete("2026-03-02 14:00", REVIEW, actor=a), POLICE)
    refused_for(
        j,
        lambda j, a: j.at("2026-03-02 14:00").app.hand_off_to_partners(
            j.id, actor=a, correlation_id=j.correlation_id
        ),
        POLICE,
    )
    police_task(j, POLICE)  # its own: recorded, and the paper goes on to social insurance
    assert j.case.partner_tasks["H44.15"].status is TaskStatus.DONE
    assert j.case.partner_tasks["H44.16"].status is TaskStatus.IN_PROGRESS
    refused_for(j, insurance_task, POLICE)  # done with its own, it cannot answer for the next one
    insurance_task(j, SOCIAL_INSURANCE)
    assert j.case.partner_tasks["H44.16"].status is TaskStatus.DONE
    rows = [row for row in j.case.control_sheet if row.step is StepKind.INTER_AGENCY]
    assert [row.to_unit_code for row in rows] == ["H44.15", "H44.16"]


def test_the_lead_records_a_partners_answer_only_when_the_policy_lets_it() -> None:
    answer = partner_answer("H44.15", "2026-03-02 14:00")
    strict = handed_to_police(ProcessingPolicy(partner_answers_by_lead=False))
    refused_for(strict, answer, strict.specialist)
    answer(strict, POLICE)
    lenient = handed_to_police()  # the default: the paper slip comes back to the lead, who may record it
    answer(lenient, lenient.specialist)
    assert lenient.case.partner_tasks["H44.15"].status is TaskStatus.DONE


def consultation_answer(number: str) -> Command:
    def command(j: Journey, a: Actor) -> object:
        return j.at("2026-03-02 15:00").app.record_consultation_answer(
            j.id,
            actor=a,
            correlation_id=j.correlation_id,
            consultation_id=number,
            answer_ref=f"dms://{number}",
        )

    return command


def test_a_consulted_body_records_its_own_answer_only() -> None:
    j = consulted()
    refused_for(j, consultation_answer("YK-2"), POLICE)  # the tax office's consultation
    refused_for(j, lambda j, a: j.complete("2026-03-02 15:00", APPRAISAL, actor=a), POLICE)
    consultation_answer("YK-1")(j, POLICE)
    assert not j.case.consultations["YK-1"].pending and j.case.consultations["YK-2"].pending


def issue_result(j: Journey, a: Actor) -> object:
    return j.at("2026-03-02 15:00").app.issue_result(
        j.id,
        actor=a,
        correlation_id=j.correlation_id,
        documents=[document(signed_at=t("2026-03-02 14:30"))],
        e_result=True,
    )


def test_the_desk_files_the_result_but_does_not_decide() -> None:
    # 1.012780 received at the provincial centre H44.18, handled by the land registry H44.06.01.
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18", name="scope-desk")
    desk = officer("H44.18", "cb", "tiepnhan01")
    j.assign("2026-03-02 09:30")
    refused_for(j, lambda j, a: j.complete("2026-03-02 10:00", APPRAISAL, actor=a), desk)
    j.complete("2026-03-02 10:00", APPRAISAL)
    j.complete("2026-03-02 11:00", REVIEW, actor=j.lead)
    j.complete("2026-03-02 14:00", SIGNING, actor=j.lead)
    refused_for(j, issue_result, desk)
    issue_result(j, j.lead)
    j.at("2026-03-02 16:00").app.record_result_digitized(
        j.id, **j.by(desk), digitisation=Digitisation("KQ", "dms://h44.18/kq-scan.pdf", "ab" * 32, False)
    )
    j.at("2026-03-02 16:10").app.record_result_stored(
        j.id, **j.by(desk), push=DataStorePush("KQ", "dms://h44.18/kq.pdf", "KHO-1", False)
    )
    assert j.case.digitised_results and j.case.stored_results


def assign_handler(j: Journey, a: Actor) -> object:
    return j.at("2026-03-02 09:30").app.assign_handler(
        j.id, actor=a, correlation_id=j.correlation_id, handler_id="cv.cn01", department="Đăng ký"
    )


def test_the_unit_the_desk_transferred_the_dossier_to_acts_on_it() -> None:
    # The desk sent the land dossier to the registry's branch rather than to the registry itself (E7).
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18", name="scope-transfer")
    branch = officer("H44.06.01.01", "ld", "chinhanh")
    refused_for(j, assign_handler, branch)
    j.clock.set(t("2026-03-02 09:20"))
    j.deliver(j.desk.transferred(t("2026-03-02 09:20"), to_unit="H44.06.01.01", from_unit="H44.18"))
    assert j.case.lead_unit_codes == {"H44.06.01", "H44.06.01.01"}
    assign_handler(j, branch)
    assert j.case.handlers


def test_the_desks_events_and_the_watcher_are_not_officers_and_are_not_scoped() -> None:
    j = simple()
    j.clock.set(t("2026-03-02 09:00"))
    j.deliver(j.desk.withdrawal(t("2026-03-02 09:00")))  # the worker applies it for the processing unit
    assert j.case.state is CaseState.WITHDRAWAL_REQUESTED
    j.clock.set(t("2026-03-09 09:00"))
    assert j.app.run_watcher() == []  # a withdrawal stops the clock: nothing to raise, nothing refused
