"""Journeys of a case at the domain level, on the real calendar, with due times checked by hand.

Arithmetic conventions (ADR 0201, the default HOURS model): office hours 07:30–11:30 and 13:00–17:00,
1 working day (WD) = 8 working hours (h). Calendar facts are listed in processing_kit's docstring.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from processing_kit import MISSING_ITEM, Journey, document, t

from contracts import processing as public
from contracts.enums import (
    Channel,
    ClockPauseReason,
    FeeKind,
    Outcome,
    PaymentMethod,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
)
from contracts.values import FeeLine
from processing.case import DataStorePush, Digitisation
from processing.case_state import CaseState, InterAgencyMode, TaskStatus, Timeliness
from processing.errors import ProcessingRuleViolation
from processing.ledger import DueRule
from processing.policy import PaymentClock, ProcessingPolicy

APPRAISAL, REVIEW, SIGNING = StepKind.APPRAISAL, StepKind.REVIEW, StepKind.SIGNING


def through_signing(j: Journey, appraisal: str, review: str, signing: str) -> None:
    j.complete(appraisal, APPRAISAL)
    j.complete(review, REVIEW, actor=j.lead)
    j.complete(signing, SIGNING, actor=j.lead)


def test_simple_approval_on_time() -> None:
    # 1.004200 Đăng ký tạm trú, 3 WD = 24 h, received Tue 28/4/2026 10:00 at the commune desk.
    # Tue 10:00–11:30 + 13:00–17:00 = 5.5 h; Wed 29/4 8 h (13.5); Thu 30/4, Fri 1/5 holidays, Sat, Sun;
    # Mon 4/5 8 h (21.5); Tue 5/5 07:30 + 2.5 h → due Tue 5/5/2026 10:00.
    j = Journey("1.004200", "2026-04-28 10:00")
    assert j.case.effective_due_at == t("2026-05-05 10:00")
    assert j.case.state is CaseState.IN_PROCESSING
    # First stage: the desk's 0.5 WD (Tue 10:00 + 4 h = 15:30) then APPRAISAL 1.5 WD = 12 h:
    # Tue 15:30–17:00 1.5 h, Wed 8 h (9.5), Mon 4/5 07:30 + 2.5 h → Mon 4/5 10:00.
    assert j.case.current.due_at == t("2026-05-04 10:00")

    j.assign("2026-04-28 10:30")
    j.complete("2026-04-28 14:00", APPRAISAL)
    # REVIEW 0.5 WD from Tue 14:00: 14:00–17:00 3 h, Wed 07:30 + 1 h → Wed 29/4 08:30.
    assert j.case.current.due_at == t("2026-04-29 08:30")
    j.complete("2026-04-29 09:00", REVIEW, actor=j.lead)  # half an hour late for its step
    j.complete("2026-04-29 10:00", SIGNING, actor=j.lead)
    recorded = j.issue("2026-05-04 16:00")

    case = j.case
    assert case.state is CaseState.RESULT_READY
    assert case.decision is not None and case.decision.outcome is Outcome.APPROVED
    assert not case.decision.late and recorded.notices == ()
    assert case.timeliness(t("2026-06-01 08:00")) is Timeliness.ON_TIME
    assert [entry.rule for entry in case.clock.entries] == [DueRule.RECEIPT]
    assert [row.on_time for row in case.control_sheet] == [True, False, True]
    assert j.published_types() == [
        "handler-assigned",
        "processing-step-completed",
        "processing-step-completed",
        "processing-step-completed",
        "result-issued",
    ]
    assert [event.seq for event in j.published()] == [1, 2, 3, 4, 5]


def test_supplement_with_restart_counts_the_limit_again_from_the_complete_dossier() -> None:
    # 1.004873 Xác nhận tình trạng hôn nhân, 3 WD, RESTART. Received Mon 2/3/2026 08:00:
    # Mon 3.5 + 4 = 7.5 h, Tue 8 (15.5), Wed 8 (23.5), Thu 07:30 + 0.5 h → due Thu 5/3 08:00.
    j = Journey("1.004873", "2026-03-02 08:00")
    assert j.case.original_due_at == t("2026-03-05 08:00")
    j.assign("2026-03-02 08:30")
    j.complete("2026-03-03 08:30", APPRAISAL, outcome=StepOutcome.NEEDS_SUPPLEMENT)
    recorded = j.at("2026-03-03 09:00").app.request_supplement(
        j.id, **j.by(), reasons="Thiếu giấy tờ", items=[MISSING_ITEM]
    )
    assert recorded.notices == ()  # 1 working day after receipt: within the 3 days of NĐ61 Art 19(4)
    assert j.case.state is CaseState.AWAITING_SUPPLEMENT and not j.case.clock.running

    j.clock.set(t("2026-03-10 14:00"))
    j.deliver(j.desk.supplement_submitted(t("2026-03-10 14:00")))

    # RESTART: 24 h from Tue 10/3 14:00: Tue 3 h, Wed 8 (11), Thu 8 (19), Fri 13/3 07:30–11:30 4 (23),
    # 13:00 + 1 h → new due Fri 13/3 14:00; the clock starts again at the acceptance, Tue 10/3 14:00.
    case = j.case
    assert case.state is CaseState.IN_PROCESSING and case.clock.running
    assert case.effective_due_at == t("2026-03-13 14:00")
    assert case.original_due_at == t("2026-03-05 08:00")
    restart = case.clock.entries[-1]
    assert restart.rule is DueRule.SUPPLEMENT_RESTART
    assert restart.previous_due_at == t("2026-03-05 08:00")
    assert restart.clock_start_at == t("2026-03-10 14:00")
    # Waited Tue 3/3 09:00 → Tue 10/3 14:00 = 7 days 5 h; in office time: Tue 6.5 h, Wed–Fri 24 h, Mon 8 h,
    # Tue 10/3 4 + 1 h = 43.5 h.
    assert restart.waited == timedelta(days=7, hours=5)
    assert restart.waited_working == timedelta(hours=43, minutes=30)
    assert "Điều 19 khoản 4" in restart.legal_basis
    # The appraisal stage starts over with its 1.5 WD from the new clock start: Tue 3 h, Wed 8 h, Thu 07:30 + 1 h.
    assert case.current.due_at == t("2026-03-12 08:30")

    accepted = j.published()[-1]
    assert isinstance(accepted, public.SupplementAccepted)
    assert accepted.new_due_at == t("2026-03-13 14:00") and accepted.waited == timedelta(days=7, hours=5)

    j.complete("2026-03-11 10:00", APPRAISAL)
    j.complete("2026-03-11 15:00", REVIEW, actor=j.lead)
    j.complete("2026-03-12 09:00", SIGNING, actor=j.lead)
    j.issue("2026-03-12 10:00")
    # Late against the slip's promise, on time against the restarted limit: the law's restart applies.
    decision = j.case.decision
    assert decision is not None and not decision.late


def test_supplement_with_pause_adds_the_office_time_waited() -> None:
    # 1.012790 Công nhận sáng kiến cấp tỉnh: 3 MONTHS, PAUSE, handled by H44.08, received at the provincial
    # service centre H44.18 on Mon 2/3/2026 09:00 → same day three months on, closing time: Tue 2/6/2026 17:00.
    j = Journey("1.012790", "2026-03-02 09:00", receiving_unit="H44.18")
    assert j.case.processing_unit_code == "H44.08"
    assert j.case.effective_due_at == t("2026-06-02 17:00")
    j.assign("2026-03-02 10:00")
    j.at("2026-03-04 10:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    j.clock.set(t("2026-03-06 14:00"))
    j.deliver(j.desk.supplement_submitted(t("2026-03-06 14:00")))

    # Waited Wed 4/3 10:00 → Fri 6/3 14:00: Wed 1.5 + 4 = 5.5 h, Thu 8 h (13.5), Fri 4 + 1 h → 18.5 h.
    # New due = Tue 2/6 17:00 + 18.5 h: Wed 3/6 8 h, Thu 4/6 8 h (16), Fri 5/6 07:30 + 2.5 h → Fri 5/6 10:00.
    # The clock start moves by the same office time: Mon 2/3 09:00 + 18.5 h = Mon 6.5, Tue 8 (14.5),
    # Wed 4/3 07:30 + 4 h → Wed 4/3 11:30.
    case = j.case
    entry = case.clock.entries[-1]
    assert entry.rule is DueRule.SUPPLEMENT_PAUSE
    assert entry.waited_working == timedelta(hours=18, minutes=30)
    assert entry.waited == timedelta(days=2, hours=4)
    assert case.effective_due_at == t("2026-06-05 10:00")
    assert case.clock.clock_start_at == t("2026-03-04 11:30")
    assert case.original_due_at == t("2026-06-02 17:00")
    requested = next(e for e in j.published() if isinstance(e, public.SupplementRequested))
    assert requested.clock_policy is SupplementClockPolicy.PAUSE
    accepted = j.published()[-1]
    assert isinstance(accepted, public.SupplementAccepted)
    assert accepted.new_clock_start_at == t("2026-03-04 11:30")


def test_apology_then_result_after_the_new_date() -> None:
    # 1.004200 received Tue 28/4/2026 10:00 → due Tue 5/5 10:00 (see the simple journey).
    # One working day (8 h) before the due time: Tue 5/5 07:30–10:00 2.5 h, Mon 4/5 13:00–17:00 4 h (6.5),
    # Mon 11:30 back 1.5 h → the apology may come until Mon 4/5 10:00.
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    recorded = j.at("2026-04-29 15:00").app.issue_apology(
        j.id,
        **j.by(j.lead),
        reason="Chờ xác minh nơi cư trú",
        new_due_at=t("2026-05-08 17:00"),
        letter_no="04/XL",
    )
    assert recorded.notices == ()
    case = j.case
    assert case.extension_count == 1 and not case.apology_late
    assert case.effective_due_at == t("2026-05-08 17:00")
    assert case.original_due_at == t("2026-05-05 10:00")
    assert [entry.rule for entry in case.clock.entries] == [DueRule.RECEIPT, DueRule.APOLOGY]
    apology = j.published()[-1]
    assert isinstance(apology, public.DelayApologyIssued)
    assert apology.previous_due_at == t("2026-05-05 10:00") and not apology.issued_late

    # Pending: in time until the new date, overdue after it.
    assert j.case.timeliness(t("2026-05-08 17:00")) is Timeliness.IN_TIME
    assert j.case.timeliness(t("2026-05-08 17:01")) is Timeliness.OVERDUE
    through_signing(j, "2026-05-06 09:00", "2026-05-07 09:00", "2026-05-08 16:00")
    recorded = j.issue("2026-05-11 09:00")  # after Fri 8/5 17:00, the new date
    decision = j.case.decision
    assert decision is not None and decision.late
    assert [notice.code for notice in recorded.notices] == ["RESULT_LATE"]
    assert j.case.timeliness(t("2026-05-11 09:00")) is Timeliness.LATE


def test_an_apology_after_the_last_working_day_is_flagged_or_refused_by_policy() -> None:
    # Latest apology Mon 4/5/2026 10:00 (see above); at 10:30 it is half an hour late.
    j = Journey("1.004200", "2026-04-28 10:00")
    recorded = j.at("2026-05-04 10:30").app.issue_apology(
        j.id, **j.by(j.lead), reason="Quá tải", new_due_at=t("2026-05-07 17:00")
    )
    assert [notice.code for notice in recorded.notices] == ["APOLOGY_LATE"]
    assert j.case.apology_late
    apology = j.published()[-1]
    assert isinstance(apology, public.DelayApologyIssued) and apology.issued_late

    strict = Journey("1.004200", "2026-04-28 10:00", policy=ProcessingPolicy(late_apology="REFUSE"), name="s")
    before = strict.event_count()
    with pytest.raises(ProcessingRuleViolation) as refused:
        strict.at("2026-05-04 10:30").app.issue_apology(
            strict.id, **strict.by(strict.lead), reason="Quá tải", new_due_at=t("2026-05-07 17:00")
        )
    assert refused.value.rule == "APOLOGY_LATE" and strict.event_count() == before
    # At exactly the last moment it is in time.
    assert (
        strict.at("2026-05-04 10:00")
        .app.issue_apology(
            strict.id, **strict.by(strict.lead), reason="Quá tải", new_due_at=t("2026-05-07 17:00")
        )
        .notices
        == ()
    )


def test_three_agency_parallel_flow_waits_for_every_partner() -> None:
    # 1.013240 (Decree 297 group) 13 WD, submitted online: an electronic dossier goes to every partner at once.
    # Received Mon 2/3/2026 09:00; March 2026 has no holiday, so 13 WD later at the same hour: Thu 19/3 09:00.
    j = Journey("1.013240", "2026-03-02 09:00", channel=Channel.ONLINE)
    case = j.case
    assert case.inter_agency_mode is InterAgencyMode.PARALLEL
    assert case.effective_due_at == t("2026-03-19 09:00")
    assert [stage.kind for stage in case.stages] == [APPRAISAL]  # partners are not in the lead's sequence
    j.assign("2026-03-02 10:00")
    handed = j.at("2026-03-02 10:30").app.hand_off_to_partners(
        j.id, **j.by(j.lead), transfer_slip_no="PCXL-07"
    )
    assert handed.events == ("HandedOff", "HandedOff")
    handoffs = [e for e in j.published() if isinstance(e, public.InterAgencyHandoff)]
    # Each partner has 5 WD on its slip: Mon 2/3 10:30 + 40 h = Mon 9/3 10:30.
    assert {(h.to_agency_code, h.order_index, h.parallel) for h in handoffs} == {
        ("H44.15", 1, True),
        ("H44.100.VHXH", 1, True),
    }
    assert {h.step_due_at for h in handoffs} == {t("2026-03-09 10:30")}
    assert {h.lead_agency_code for h in handoffs} == {"H44.100"}

    j.complete("2026-03-04 16:00", APPRAISAL)
    j.at("2026-03-06 10:00").app.complete_partner_task(
        j.id,
        **j.by(),
        agency_code="H44.15",
        outcome=StepOutcome.SATISFACTORY,
        partial_result_refs=["dms://anninh.pdf"],
    )
    with pytest.raises(ProcessingRuleViolation) as waiting:
        j.issue("2026-03-06 11:00")
    assert waiting.value.rule == "LEAD_DECIDES_BEFORE_PARTNERS" and "H44.100.VHXH" in waiting.value.message_en

    j.at("2026-03-10 11:00").app.complete_partner_task(
        j.id, **j.by(), agency_code="H44.100.VHXH", outcome=StepOutcome.SATISFACTORY
    )
    j.issue("2026-03-11 09:00")
    case = j.case
    assert case.state is CaseState.RESULT_READY
    assert all(task.status is TaskStatus.DONE for task in case.partner_tasks.values())
    partner_rows = {
        row.to_unit_code: row.on_time for row in case.control_sheet if row.step is StepKind.INTER_AGENCY
    }
    assert partner_rows == {"H44.15": True, "H44.100.VHXH": False}  # culture answered after Mon 9/3 10:30


def test_three_in_one_birth_group_online() -> None:
    # 1.004884 "3 trong 1" (Decree 63/2024): birth registration (commune justice officer, the lead), permanent
    # residence (police H44.15), child's health-insurance card (social insurance H44.16); 3 WD; cut-off 15:00.
    # Received online Mon 2/3/2026 16:00, after the cut-off → counting starts Tue 3/3 07:30; 24 h → Thu 5/3 17:00.
    j = Journey("1.004884", "2026-03-02 16:00", channel=Channel.ONLINE)
    case = j.case
    assert case.workflow.inter_agency_group == "BIRTH_3_IN_1"
    assert case.inter_agency_mode is InterAgencyMode.PARALLEL
    assert case.clock.clock_start_at == t("2026-03-03 07:30")
    assert case.effective_due_at == t("2026-03-05 17:00")
    # Lead's first stage: the desk's 2 h then the birth registration's 6 h from Tue 07:30 → Tue 3/3 17:00.
    assert case.current.due_at == t("2026-03-03 17:00")

    j.assign("2026-03-03 07:45")
    j.at("2026-03-03 08:00").app.hand_off_to_partners(j.id, **j.by(j.lead))
    # Each partner gets 1 WD from Tue 08:00 → Wed 4/3 08:00.
    assert {task.due_at for task in j.case.partner_tasks.values()} == {t("2026-03-04 08:00")}
    j.complete("2026-03-03 10:00", APPRAISAL)
    j.at("2026-03-03 15:00").app.complete_partner_task(
        j.id, **j.by(), agency_code="H44.15", outcome=StepOutcome.SATISFACTORY
    )
    j.at("2026-03-04 09:00").app.complete_partner_task(
        j.id, **j.by(), agency_code="H44.16", outcome=StepOutcome.SATISFACTORY
    )
    j.at("2026-03-04 10:00")
    birth_certificate = document("KQ-KS", signed_at=t("2026-03-04 09:50"))
    recorded = j.app.issue_result(
        j.id,
        **j.by(j.lead),
        documents=[birth_certificate, document("KQ-BHYT", signed_at=t("2026-03-04 09:55"))],
        e_result=True,
        digitised=[
            Digitisation("KQ-KS", "dms://h44.100/KQ-KS-scan.pdf", "cd" * 32, True, "UBND phường Sơn Hà")
        ],
        pushed=[DataStorePush("KQ-KS", "dms://h44.100/2026/KQ-KS.pdf", "KHO-025079001283-0001", True)],
    )
    assert recorded.events == ("ResultIssued", "ResultDigitized", "ResultStored")
    assert j.published_types()[-3:] == ["result-issued", "result-digitized", "result-stored-in-data-store"]
    stored = j.published()[-1]
    assert isinstance(stored, public.ResultStoredInDataStore) and stored.vneid_pushed
    decision = j.case.decision
    assert decision is not None and not decision.late
    assert j.case.stored_results == {"KQ-KS": "KHO-025079001283-0001"}


def test_three_in_one_on_paper_goes_agency_after_agency() -> None:
    # The same group received at the counter (a paper dossier): police, then social insurance, each handing
    # the dossier on with its transfer slip and partial results. Received Mon 2/3/2026 09:00 (before 15:00).
    j = Journey("1.004884", "2026-03-02 09:00")
    assert j.case.inter_agency_mode is InterAgencyMode.SEQUENTIAL
    assert [stage.partner for stage in j.case.stages] == [False, True, True]
    j.assign("2026-03-02 09:30")
    j.complete("2026-03-02 14:00", APPRAISAL)
    j.at("2026-03-02 14:30").app.hand_off_to_partners(j.id, **j.by(j.lead), transfer_slip_no="PC-01")
    j.at("2026-03-03 10:00").app.complete_partner_task(
        j.id,
        **j.by(),
        agency_code="H44.15",
        outcome=StepOutcome.SATISFACTORY,
        partial_result_refs=["dms://h44.15/thuong-tru.pdf"],
        transfer_slip_no="PC-02",
    )
    handoffs = [e for e in j.published() if isinstance(e, public.InterAgencyHandoff)]
    assert [(h.from_agency_code, h.to_agency_code, h.order_index, h.parallel) for h in handoffs] == [
        ("H44.100", "H44.15", 1, False),
        ("H44.15", "H44.16", 2, False),
    ]
    # Police's slip: 1 WD from Mon 14:30 → Tue 3/3 14:30; social insurance: 1 WD from Tue 10:00 → Wed 4/3 10:00.
    assert [h.step_due_at for h in handoffs] == [t("2026-03-03 14:30"), t("2026-03-04 10:00")]
    assert handoffs[1].partial_result_refs == ["dms://h44.15/thuong-tru.pdf"]
    with pytest.raises(ProcessingRuleViolation) as early:
        j.issue("2026-03-03 11:00")
    assert early.value.rule == "LEAD_DECIDES_BEFORE_PARTNERS"
    j.at("2026-03-03 16:00").app.complete_partner_task(
        j.id, **j.by(), agency_code="H44.16", outcome=StepOutcome.SATISFACTORY
    )
    assert j.case.steps_done
    j.issue("2026-03-04 08:00")
    assert j.case.state is CaseState.RESULT_READY


def test_financial_obligation_then_payment_then_result() -> None:
    # 1.012780 Đăng ký biến động đất đai: 10 WD, land law excludes the time to pay financial obligations.
    # Handled by H44.06.01, received at the provincial centre H44.18 on Mon 2/3/2026 09:00 → Mon 16/3 09:00.
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18")
    assert j.case.effective_due_at == t("2026-03-16 09:00")
    j.assign("2026-03-02 10:00")
    j.complete("2026-03-04 09:00", APPRAISAL)
    lines = [
        FeeLine(kind=FeeKind.TAX, name="Thuế thu nhập cá nhân", amount_vnd=24_000_000),
        FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí trước bạ", amount_vnd=6_000_000),
    ]
    recorded = j.at("2026-03-04 10:00").app.request_financial_obligation(
        j.id,
        **j.by(),
        obligation_id="NVTC-2026-00871",
        lines=lines,
        allowed_methods=[
            PaymentMethod.ONLINE_NATIONAL,
            PaymentMethod.ONLINE_LOCAL,
            PaymentMethod.BANK_TRANSFER,
        ],
        pay_by=t("2026-03-20 17:00"),
    )
    assert recorded.events == ("ObligationRequested", "ClockPaused")
    assert j.case.state is CaseState.AWAITING_PAYMENT and j.case.paused

    j.clock.set(t("2026-03-05 08:00"))
    j.deliver(j.desk.payment(t("2026-03-05 08:00"), 10_000_000, obligation_id="NVTC-2026-00871"))
    assert j.case.state is CaseState.AWAITING_PAYMENT  # 10 of 30 million paid: still waiting

    j.clock.set(t("2026-03-06 14:00"))
    j.deliver(
        j.desk.payment(
            t("2026-03-06 14:00"),
            20_000_000,
            obligation_id="NVTC-2026-00871",
            method=PaymentMethod.ONLINE_LOCAL,
        )
    )
    # Paused Wed 4/3 10:00 → resumed Fri 6/3 14:00: Wed 5.5 h, Thu 8 h, Fri 5 h = 18.5 h of office time.
    # New due = Mon 16/3 09:00 + 18.5 h: Mon 6.5 h, Tue 17/3 8 h (14.5), Wed 18/3 07:30 + 4 h → Wed 18/3 11:30.
    case = j.case
    assert case.state is CaseState.IN_PROCESSING and not case.paused
    assert case.effective_due_at == t("2026-03-18 11:30")
    assert case.clock.entries[-1].rule is DueRule.CLOCK_PAUSE
    assert [p.online_payment_code for p in case.payments] == [1, 2]  # national platform, local gateway
    resumed = j.published()[-1]
    assert isinstance(resumed, public.ClockResumed)
    assert resumed.reason is ClockPauseReason.FINANCIAL_OBLIGATION
    assert resumed.paused_at == t("2026-03-04 10:00") and resumed.new_effective_due_at == t(
        "2026-03-18 11:30"
    )

    j.complete("2026-03-09 09:00", REVIEW, actor=j.lead)
    j.complete("2026-03-09 15:00", SIGNING, actor=j.lead)
    j.issue("2026-03-10 09:00", electronic=False)
    assert j.case.state is CaseState.RESULT_READY
    assert j.published_types()[-5:] == [
        "clock-paused",
        "clock-resumed",
        "processing-step-completed",
        "processing-step-completed",
        "result-issued",
    ]


def test_payment_wait_runs_the_clock_unless_the_procedure_or_policy_excludes_it() -> None:
    # 1.004200 lists no exclusion: the wait for payment counts (default PER_PROCEDURE policy) …
    j = Journey("1.004200", "2026-03-02 09:00")
    j.at("2026-03-02 10:00").app.request_financial_obligation(
        j.id,
        **j.by(),
        obligation_id="PHI-1",
        lines=[FeeLine(kind=FeeKind.PHI, name="Phí", amount_vnd=50_000)],
        allowed_methods=[PaymentMethod.CASH_COUNTER],
    )
    assert j.case.state is CaseState.AWAITING_PAYMENT and not j.case.paused
    # … unless the deployment says every payment wait stops it.
    k = Journey(
        "1.004200", "2026-03-02 09:00", policy=ProcessingPolicy(payment_clock=PaymentClock.ALWAYS), name="k"
    )
    recorded = k.at("2026-03-02 10:00").app.request_financial_obligation(
        k.id,
        **k.by(),
        obligation_id="PHI-1",
        lines=[FeeLine(kind=FeeKind.PHI, name="Phí", amount_vnd=50_000)],
        allowed_methods=[PaymentMethod.CASH_COUNTER],
    )
    assert recorded.events == ("ObligationRequested", "ClockPaused") and k.case.paused


def test_rejection_within_the_limit_and_a_late_one_flagged_or_refused() -> None:
    # 1.004873 received Mon 2/3/2026 08:00 → due Thu 5/3 08:00 (see the restart journey).
    j = Journey("1.004873", "2026-03-02 08:00")
    j.assign("2026-03-02 08:30")
    j.complete("2026-03-03 10:00", APPRAISAL, outcome=StepOutcome.UNSATISFACTORY)
    recorded = j.at("2026-03-03 14:00").app.reject(
        j.id,
        **j.by(j.lead),
        reasons="Không đủ điều kiện",
        legal_basis="Luật Hộ tịch 2014 Điều 22",
        notice_no="TC-01",
    )
    assert recorded.notices == ()
    case = j.case
    assert case.state is CaseState.RESULT_READY
    assert case.decision is not None and case.decision.outcome is Outcome.REJECTED and not case.decision.late
    rejected = j.published()[-1]
    assert isinstance(rejected, public.DossierRejected) and rejected.notice_no == "TC-01"

    late = Journey("1.004873", "2026-03-02 08:00", name="late")
    late.assign("2026-03-02 08:30")
    late.complete("2026-03-04 10:00", APPRAISAL, outcome=StepOutcome.UNSATISFACTORY)
    recorded = late.at("2026-03-05 09:00").app.reject(
        late.id,
        **late.by(late.lead),
        reasons="Không đủ điều kiện",
        legal_basis="Luật Hộ tịch",
        notice_no="TC-02",
    )
    assert [notice.code for notice in recorded.notices] == ["REJECTION_LATE"]
    decision = late.case.decision
    assert decision is not None and decision.late

    strict = Journey(
        "1.004873", "2026-03-02 08:00", policy=ProcessingPolicy(late_rejection="REFUSE"), name="strict"
    )
    strict.assign("2026-03-02 08:30")
    strict.complete("2026-03-04 10:00", APPRAISAL, outcome=StepOutcome.UNSATISFACTORY)
    with pytest.raises(ProcessingRuleViolation) as refused:
        strict.at("2026-03-05 09:00").app.reject(
            strict.id,
            **strict.by(strict.lead),
            reasons="Không đủ",
            legal_basis="Luật Hộ tịch",
            notice_no="TC-03",
        )
    assert refused.value.rule == "REJECTION_LATE"


def test_stop_after_withdrawal() -> None:
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    j.clock.set(t("2026-04-29 09:00"))
    j.deliver(j.desk.withdrawal(t("2026-04-29 09:00")))
    assert j.case.state is CaseState.WITHDRAWAL_REQUESTED
    with pytest.raises(ProcessingRuleViolation) as pending:
        j.complete("2026-04-29 09:30", APPRAISAL)
    assert pending.value.rule == "WITHDRAWAL_PENDING"

    j.at("2026-04-29 10:00").app.stop(
        j.id, **j.by(j.lead), cause=StopCause.APPLICANT_WITHDRAWAL, notice_no="05/TB-DXL"
    )
    case = j.case
    assert case.state is CaseState.STOPPED
    assert case.decision is not None and case.decision.stop_cause is StopCause.APPLICANT_WITHDRAWAL
    stopped = j.published()[-1]
    assert isinstance(stopped, public.ProcessingStopped) and stopped.cause is StopCause.APPLICANT_WITHDRAWAL


def test_stop_when_the_supplement_never_came() -> None:
    j = Journey("1.004873", "2026-03-02 08:00")
    j.assign("2026-03-02 08:30")
    j.at("2026-03-03 09:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    j.at("2026-04-03 09:00").app.stop(
        j.id,
        **j.by(j.lead),
        cause=StopCause.SUPPLEMENT_TIMEOUT,
        notice_no="05/TB-QH",
        reason="Quá thời hạn bổ sung",
        legal_basis="Thông tư 03/2025/TT-VPCP Điều 7",
    )
    case = j.case
    assert case.state is CaseState.STOPPED
    assert case.decision is not None and case.decision.stop_cause is StopCause.SUPPLEMENT_TIMEOUT
    assert j.published_types()[-2:] == ["supplement-requested", "processing-stopped"]


def test_a_second_supplement_request_is_refused_unless_a_sector_law_allows_it() -> None:
    j = Journey("1.004873", "2026-03-02 08:00")
    j.assign("2026-03-02 08:30")
    j.at("2026-03-03 09:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    j.clock.set(t("2026-03-04 09:00"))
    j.deliver(j.desk.supplement_submitted(t("2026-03-04 09:00")))
    before = j.event_count()
    with pytest.raises(ProcessingRuleViolation) as once:
        j.at("2026-03-04 15:00").app.request_supplement(
            j.id, **j.by(), reasons="Lại thiếu", items=[MISSING_ITEM]
        )
    assert once.value.rule == "SUPPLEMENT_ONCE" and once.value.status == 409
    assert j.event_count() == before and j.case.supplement_count == 1

    recorded = j.app.request_supplement(
        j.id,
        **j.by(),
        reasons="Bổ sung theo luật chuyên ngành",
        items=[MISSING_ITEM],
        sector_law_exception=True,
        exception_legal_basis="Luật chuyên ngành X Điều 5",
    )
    assert [notice.code for notice in recorded.notices] == ["SUPPLEMENT_REPEATED"]
    assert j.case.supplement_count == 2 and j.case.late_for_766
    second = j.published()[-1]
    assert isinstance(second, public.SupplementRequested)
    assert second.request_no == 2 and second.sector_law_exception


def test_a_supplement_request_later_than_three_working_days_is_flagged() -> None:
    # Received Mon 2/3/2026; working days in (2/3, 9/3] are Tue, Wed, Thu, Fri, Mon = 5 > 3.
    j = Journey("1.004873", "2026-03-02 08:00")
    recorded = j.at("2026-03-09 09:00").app.request_supplement(
        j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM]
    )
    assert [notice.code for notice in recorded.notices] == ["SUPPLEMENT_REQUEST_LATE"]
    assert j.case.supplement_request_late
    requested = j.published()[-1]
    assert isinstance(requested, public.SupplementRequested) and not requested.within_three_working_days
    # Thu 5/3 is the third working day: still in time.
    k = Journey("1.004873", "2026-03-02 08:00", name="k")
    assert (
        k.at("2026-03-05 16:00")
        .app.request_supplement(k.id, **k.by(), reasons="Thiếu", items=[MISSING_ITEM])
        .notices
        == ()
    )


def test_clock_pause_for_public_posting_moves_the_due_time_by_its_office_time() -> None:
    # 1.012782 Cấp lại GCN bị mất: 10 WD, excludes the public-posting period. Received at H44.18 Mon 2/3/2026
    # 09:00 → due Mon 16/3 09:00. Posting Tue 3/3 08:00 → Tue 10/3 08:00 = 5 WD = 40 h of office time.
    # New due = Mon 16/3 09:00 + 40 h = Mon 23/3 09:00.
    j = Journey("1.012782", "2026-03-02 09:00", receiving_unit="H44.18")
    j.at("2026-03-03 08:00").app.pause_clock(
        j.id,
        **j.by(),
        pause_id="NIEMYET-1",
        reason=ClockPauseReason.PUBLIC_POSTING,
        legal_basis="Nghị định 101/2024 Điều 37",
    )
    j.at("2026-03-10 08:00").app.resume_clock(j.id, **j.by(), pause_id="NIEMYET-1")
    case = j.case
    assert case.effective_due_at == t("2026-03-23 09:00")
    entry = case.clock.entries[-1]
    assert entry.rule is DueRule.CLOCK_PAUSE and entry.legal_basis == "Nghị định 101/2024 Điều 37"
    assert entry.waited_working == timedelta(hours=40)
    assert j.published_types()[-2:] == ["clock-paused", "clock-resumed"]


def test_the_audited_correction_from_the_desk_enters_the_ledger() -> None:
    j = Journey("1.004873", "2026-03-02 08:00")
    j.clock.set(t("2026-03-02 10:00"))
    j.deliver(
        j.desk.due_corrected(t("2026-03-02 10:00"), old=t("2026-03-05 08:00"), new=t("2026-03-06 08:00"))
    )
    case = j.case
    assert case.effective_due_at == t("2026-03-06 08:00")
    entry = case.clock.entries[-1]
    assert entry.rule is DueRule.AUDITED_CORRECTION and entry.approved_by == "ld.h44100.phochutich"
    assert j.published() == []  # the correction is the desk's public event, not processing's


def test_sent_back_returns_to_the_previous_step_and_verification_consultation_are_recorded() -> None:
    j = Journey("1.004200", "2026-03-02 08:00")
    j.assign("2026-03-02 08:30")
    j.at("2026-03-02 09:00").app.schedule_verification(
        j.id,
        **j.by(),
        scheduled_for=t("2026-03-03 09:00"),
        place="Số 12 đường Lê Lợi",
        participants=["Công an phường", "Tổ trưởng dân phố"],
        content="Xác minh nơi ở",
        applicant_presence_required=True,
    )
    j.at("2026-03-02 09:30").app.request_consultation(
        j.id,
        **j.by(),
        consultation_id="YK-1",
        consulted_unit_code="H44.15",
        question="Xác nhận thông tin cư trú",
        reply_due_at=t("2026-03-04 17:00"),
    )
    j.complete("2026-03-03 11:00", StepKind.VERIFICATION)
    with pytest.raises(ProcessingRuleViolation) as waiting:
        j.complete("2026-03-03 11:30", StepKind.CONSULTATION)
    assert waiting.value.rule == "CONSULTATION_PENDING"
    j.at("2026-03-04 10:00").app.record_consultation_answer(
        j.id, **j.by(), consultation_id="YK-1", answer_ref="dms://h44.15/yk-1.pdf"
    )
    j.complete("2026-03-04 10:30", StepKind.CONSULTATION)
    j.complete("2026-03-04 14:00", APPRAISAL)
    j.complete("2026-03-04 16:00", REVIEW, outcome=StepOutcome.SENT_BACK, actor=j.lead)
    stage = j.case.current_stage
    assert stage is not None and stage.kind is APPRAISAL
    assert [row.step for row in j.case.control_sheet] == [
        StepKind.VERIFICATION,
        StepKind.CONSULTATION,
        APPRAISAL,
        REVIEW,
    ]
    assert j.published_types()[:4] == [
        "handler-assigned",
        "verification-scheduled",
        "consultation-requested",
        "processing-step-completed",
    ]
