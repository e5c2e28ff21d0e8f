"""E30 DueDateCorrected at the desk (ADR 0254): an audited correction of the promised return time.

A household-business registration (2.000575, 3 working days = 24 office hours) walked in at Phường Sơn Hà
on Thu 5/3/2026 09:00 is due Tue 10/3/2026 09:00; the corrections below repair that promise. Every refusal
is checked to leave the event store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from test_intake_desk_kit import (
    CONTEXT,
    OFFICER,
    THURSDAY_0900,
    TZ,
    business_registration,
    context,
    event_names,
    head,
    make_desk,
    stored_events,
)

from contracts.enums import ActorKind, Outcome, RefusalReason
from contracts.intake import DueDateCorrected
from intake.clock import SettableClock
from intake.desk import IntakeDesk
from intake.dossier import Dossier, DossierStatus
from intake.dossier_commands import DueDateCorrection, Refusal
from intake.dossier_values import Actor, Stamp
from intake.due_correction import Approver, ApproverRole, DueCorrectionPolicy
from intake.errors import IntakeRuleViolation
from intake.outbound import outbound
from intake.reference import ReferenceData
from services.intake.slip import receipt_slip

RECEIPT_DUE = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
CORRECTED = datetime(2026, 3, 11, 17, 0, tzinfo=TZ)  # closing time of Wed 11/3: inside office hours
LEAD = Approver("ld.h44100.truongbophan", ApproverRole.AGENCY_LEAD, "H44.100")
REASON = "Áp dụng nhầm thời hạn 3 ngày làm việc; thủ tục có thời hạn 4 ngày làm việc."


def correction(**overrides: object) -> DueDateCorrection:
    values: dict[str, object] = {"new_due_at": CORRECTED, "reason": REASON, "approver": LEAD}
    return DueDateCorrection(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def desk_and_clock(reference: ReferenceData) -> tuple[IntakeDesk, SettableClock]:
    return make_desk(reference)


@pytest.fixture
def desk(desk_and_clock: tuple[IntakeDesk, SettableClock]) -> IntakeDesk:
    return desk_and_clock[0]


@pytest.fixture
def received(desk: IntakeDesk) -> UUID:
    receipt = desk.submit_and_receive(business_registration(), CONTEXT)
    assert receipt.due_at == RECEIPT_DUE
    return receipt.dossier_id


def refused(desk: IntakeDesk, command: Callable[[], object]) -> IntakeRuleViolation:
    before = head(desk)
    with pytest.raises(IntakeRuleViolation) as caught:
        command()
    assert head(desk) == before, "a refused correction recorded something"
    return caught.value


def correct(desk: IntakeDesk, dossier_id: UUID, **overrides: object) -> None:
    desk.correct_due_date(dossier_id, context(), correction(**overrides))


# --- the correction and what it changes -------------------------------------------------------------------


def test_a_correction_moves_the_due_time_and_keeps_the_receipt_promise(
    desk: IntakeDesk, received: UUID
) -> None:
    correct(desk, received)
    dossier = desk.get(received)  # rebuilt from the stored events
    assert dossier.due_at == CORRECTED
    assert dossier.receipt_due_at == RECEIPT_DUE
    assert dossier.status is DossierStatus.RECEIVED
    (history,) = dossier.due_corrections
    assert (history.old_due_at, history.new_due_at) == (RECEIPT_DUE, CORRECTED)
    assert history.reason == REASON
    assert (history.requested_by, history.approved_by) == (OFFICER.id, LEAD.id)
    assert history.approver_role is ApproverRole.AGENCY_LEAD
    assert event_names(desk, received)[-1] == "DueDateCorrected"


def test_the_correction_is_published_as_e30_with_the_next_public_seq(
    desk: IntakeDesk, received: UUID
) -> None:
    correct(desk, received)
    events = stored_events(desk, received)
    published = [p for e in events for p in outbound(e)]
    assert [p.seq for p in published] == list(range(1, len(published) + 1))
    e30 = published[-1]
    assert isinstance(e30, DueDateCorrected)
    assert e30.event_type == "vn.one-stop.intake.due-date-corrected.v1"
    assert (e30.old_due_at, e30.new_due_at) == (RECEIPT_DUE, CORRECTED)
    assert e30.new_due_at.utcoffset() == CORRECTED.utcoffset()
    assert (e30.reason, e30.approved_by) == (REASON, LEAD.id)
    assert e30.actor.id == OFFICER.id and e30.dossier_id == received
    # What the relay sends decodes against the contract again.
    again = DueDateCorrected.model_validate_json(e30.model_dump_json())
    assert again == e30


def test_a_second_correction_starts_from_the_first(desk: IntakeDesk, received: UUID) -> None:
    correct(desk, received)
    later = datetime(2026, 3, 12, 10, 0, tzinfo=TZ)
    correct(desk, received, new_due_at=later, reason="Lịch thiếu ngày nghỉ bù của đơn vị.")
    dossier = desk.get(received)
    assert dossier.due_at == later and dossier.receipt_due_at == RECEIPT_DUE
    assert [(c.old_due_at, c.new_due_at) for c in dossier.due_corrections] == [
        (RECEIPT_DUE, CORRECTED),
        (CORRECTED, later),
    ]
    seqs = [p.seq for e in stored_events(desk, received) for p in outbound(e)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_an_earlier_promise_is_a_correction_too(desk: IntakeDesk, received: UUID) -> None:
    # A correction is not an apology: it may shorten a promise printed too generously.
    earlier = datetime(2026, 3, 9, 13, 0, tzinfo=TZ)
    correct(desk, received, new_due_at=earlier)
    assert desk.get(received).due_at == earlier


def test_a_time_in_another_zone_is_kept_as_business_time(desk: IntakeDesk, received: UUID) -> None:
    correct(desk, received, new_due_at=datetime(2026, 3, 11, 10, 0, tzinfo=UTC))  # 17:00 in Hà Nội
    due = desk.get(received).due_at
    assert due == CORRECTED and due is not None and due.utcoffset() == CORRECTED.utcoffset()


def test_the_reprinted_slip_shows_the_corrected_time(
    desk: IntakeDesk, received: UUID, reference: ReferenceData
) -> None:
    correct(desk, received)
    text = repr(receipt_slip(desk.get(received), reference, OFFICER.id))
    assert "17 giờ 00 phút, ngày 11 tháng 03 năm 2026" in text
    assert "09 giờ 00 phút, ngày 10 tháng 03 năm 2026" in text  # the old promise, named in the note
    assert REASON in text and LEAD.id in text


@pytest.mark.parametrize(
    "approver",
    [
        Approver("ld.h44.chutich", ApproverRole.AGENCY_LEAD, "H44"),  # the province above the commune
        Approver("vanhanh.motcua", ApproverRole.OPERATOR),
    ],
)
def test_a_lead_above_the_unit_or_an_operator_may_approve(
    desk: IntakeDesk, received: UUID, approver: Approver
) -> None:
    correct(desk, received, approver=approver)
    assert desk.get(received).due_corrections[-1].approved_by == approver.id


# --- refusals: state (409), values (422), people (403/422) ------------------------------------------------


def test_a_dossier_not_yet_received_has_no_promise_to_correct(desk: IntakeDesk) -> None:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    violation = refused(desk, lambda: correct(desk, dossier_id))
    assert (violation.rule, violation.status) == ("NOT_RECEIVED", 409)


def test_a_refused_dossier_is_final(desk: IntakeDesk) -> None:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    desk.refuse(dossier_id, CONTEXT, Refusal(RefusalReason.OUT_OF_COMPETENCE, "Không thuộc thẩm quyền."))
    violation = refused(desk, lambda: correct(desk, dossier_id))
    assert (violation.rule, violation.status) == ("TERMINAL_STATE", 409)


def test_a_stopped_dossier_is_final(desk: IntakeDesk, received: UUID) -> None:
    desk.withdraw(received, CONTEXT, channel=business_registration().channel, reason="Không còn nhu cầu.")
    desk.note_processing_stopped(received, CONTEXT, source_event_id=uuid4())
    violation = refused(desk, lambda: correct(desk, received))
    assert (violation.rule, violation.status) == ("TERMINAL_STATE", 409)


def test_after_the_result_a_correction_is_refused_unless_the_deployment_allows_it(
    reference: ReferenceData,
) -> None:
    for policy, allowed in ((DueCorrectionPolicy(), False), (DueCorrectionPolicy(after_end=True), True)):
        desk = IntakeDesk(
            reference,
            clock=SettableClock(THURSDAY_0900),
            correction_policy=policy,
            env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        )
        dossier_id = desk.submit_and_receive(business_registration(), CONTEXT).dossier_id
        desk.note_result(dossier_id, CONTEXT, outcome=Outcome.APPROVED, source_event_id=uuid4())
        if allowed:
            correct(desk, dossier_id)
            assert desk.get(dossier_id).due_at == CORRECTED
        else:
            violation = refused(desk, lambda: correct(desk, dossier_id))  # noqa: B023
            assert (violation.rule, violation.status) == ("CORRECTION_AFTER_RESULT", 409)


def test_after_a_withdrawal_request_the_handling_time_has_ended(desk: IntakeDesk, received: UUID) -> None:
    desk.withdraw(received, CONTEXT, channel=business_registration().channel)
    violation = refused(desk, lambda: correct(desk, received))
    assert (violation.rule, violation.status) == ("CORRECTION_AFTER_WITHDRAWAL", 409)


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_correction_states_its_reason(desk: IntakeDesk, received: UUID, reason: str) -> None:
    violation = refused(desk, lambda: correct(desk, received, reason=reason))
    assert (violation.rule, violation.status, violation.field) == ("REASON_REQUIRED", 422, "reason")


def test_the_officer_asking_cannot_approve_their_own_correction(desk: IntakeDesk, received: UUID) -> None:
    own = Approver(OFFICER.id, ApproverRole.AGENCY_LEAD, "H44.100")
    violation = refused(desk, lambda: correct(desk, received, approver=own))
    assert (violation.rule, violation.status, violation.field) == ("FOUR_EYES", 422, "approved_by")


def test_a_lead_of_another_unit_cannot_approve(desk: IntakeDesk, received: UUID) -> None:
    stranger = Approver("ld.h44200.truongbophan", ApproverRole.AGENCY_LEAD, "H44.200")
    violation = refused(desk, lambda: correct(desk, received, approver=stranger))
    assert (violation.rule, violation.status, violation.field) == ("APPROVER_NOT_IN_UNIT", 403, "approved_by")


def test_only_an_officer_asks_for_a_correction(desk: IntakeDesk, received: UUID) -> None:
    citizen = context(actor=Actor(ActorKind.APPLICANT, "025187004512"))
    violation = refused(desk, lambda: desk.correct_due_date(received, citizen, correction()))
    assert (violation.rule, violation.status) == ("OFFICER_REQUIRED", 403)


@pytest.mark.parametrize(
    ("new_due_at", "rule"),
    [
        (datetime(2026, 3, 11, 17, 0), "TIME_WITHOUT_ZONE"),  # naive: the point of the case
        (RECEIPT_DUE, "DUE_DATE_UNCHANGED"),
        (datetime(2026, 3, 5, 8, 0, tzinfo=TZ), "DUE_BEFORE_RECEIPT"),
        (datetime(2026, 3, 7, 10, 0, tzinfo=TZ), "DUE_NOT_WORKING_DAY"),  # Saturday
        (datetime(2026, 4, 30, 10, 0, tzinfo=TZ), "DUE_NOT_WORKING_DAY"),  # Reunification Day
        (datetime(2026, 3, 11, 12, 0, tzinfo=TZ), "DUE_OUTSIDE_OFFICE_HOURS"),  # lunch break
        (datetime(2026, 3, 11, 17, 1, tzinfo=TZ), "DUE_OUTSIDE_OFFICE_HOURS"),  # after closing
        (datetime(2026, 3, 11, 7, 0, tzinfo=TZ), "DUE_OUTSIDE_OFFICE_HOURS"),  # before opening
        (datetime(2031, 3, 11, 9, 0, tzinfo=TZ), "OUTSIDE_CALENDAR"),  # no calendar data yet
    ],
)
def test_the_new_time_is_one_the_office_can_keep(
    desk: IntakeDesk, received: UUID, new_due_at: datetime, rule: str
) -> None:
    violation = refused(desk, lambda: correct(desk, received, new_due_at=new_due_at))
    assert (violation.rule, violation.status, violation.field) == (rule, 422, "new_due_at")


@pytest.mark.parametrize("at", [(7, 30), (11, 30), (13, 0), (17, 0)])
def test_session_edges_are_office_time(desk: IntakeDesk, received: UUID, at: tuple[int, int]) -> None:
    new_due_at = datetime(2026, 3, 11, *at, tzinfo=TZ)
    correct(desk, received, new_due_at=new_due_at)
    assert desk.get(received).due_at == new_due_at


def test_the_domain_command_checks_its_calendar_itself(desk: IntakeDesk, received: UUID) -> None:
    # The aggregate refuses a Sunday even when called without the desk.
    dossier: Dossier = desk.get(received)
    calendar = desk.reference.calendar_for(dossier.processing_unit_code)
    with pytest.raises(IntakeRuleViolation) as caught:
        dossier.correct_due_date(
            Stamp.of(CONTEXT, THURSDAY_0900),
            new_due_at=datetime(2026, 3, 8, 10, 0, tzinfo=TZ),
            reason=REASON,
            approver=LEAD,
            calendar=calendar,
        )
    assert caught.value.rule == "DUE_NOT_WORKING_DAY"
    assert not dossier.pending_events
