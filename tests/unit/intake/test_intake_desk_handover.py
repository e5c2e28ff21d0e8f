"""The postal hand-over at the desk (P4, domain.md §4.7): one signed record, every dossier decided, atomically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch
from uuid import UUID, uuid4

import pytest
from test_intake_desk_kit import (
    CONTEXT,
    TZ,
    birth_registration,
    business_registration,
    event_names,
    head,
    make_desk,
    stored_events,
)

from contracts.enums import Channel, FeeKind, ItemIssue, PaymentMethod, RefusalReason
from intake.desk import IntakeDesk
from intake.dossier import Dossier, DossierStatus
from intake.dossier_commands import (
    CounterPayment,
    HandoverDecision,
    HandoverLine,
    HandoverRecord,
    ReceiveDetails,
    Refusal,
    SupplementRequest,
)
from intake.dossier_values import FeeLine, ProvidedItem, RequestedItem
from intake.errors import IntakeRuleViolation
from intake.reference import ReferenceData

SIGNED = datetime(2026, 3, 5, 14, 0, tzinfo=TZ)  # Thursday, before the 15:00 cut-off
RECORDED = datetime(2026, 3, 5, 14, 20, tzinfo=TZ)
HKD_FEE_LINE = "Lệ phí đăng ký hộ kinh doanh"


def postal(desk: IntakeDesk, *, complete: bool = True) -> UUID:
    """A birth registration posted two days before the record; without its birth certificate if incomplete."""
    components = birth_registration().components
    command = birth_registration(
        channel=Channel.POSTAL,
        submitted_at=SIGNED - timedelta(days=2),
        components=components if complete else components[:1],
    )
    return desk.submit(command, CONTEXT)


def record(*lines: HandoverLine, signed_at: datetime = SIGNED) -> HandoverRecord:
    return HandoverRecord("BBGN-2026-0305-07", signed_at, lines)


def receive(dossier_id: UUID, **details: Any) -> HandoverLine:
    return HandoverLine(dossier_id, HandoverDecision.RECEIVE, receive=ReceiveDetails(**details))


def supplement(dossier_id: UUID) -> HandoverLine:
    request = SupplementRequest(
        reasons="Thiếu Giấy chứng sinh.",
        items=(RequestedItem("Giấy chứng sinh", ItemIssue.MISSING, "GCS"),),
    )
    return HandoverLine(dossier_id, HandoverDecision.SUPPLEMENT, supplement=request)


def refuse(dossier_id: UUID) -> HandoverLine:
    return HandoverLine(
        dossier_id,
        HandoverDecision.REFUSE,
        refusal=Refusal(RefusalReason.OUT_OF_COMPETENCE, "Không thuộc thẩm quyền."),
    )


def refused(desk: IntakeDesk, handover: HandoverRecord) -> IntakeRuleViolation:
    before = head(desk)
    with pytest.raises(IntakeRuleViolation) as caught:
        desk.record_postal_handover(handover, CONTEXT)
    assert head(desk) == before, "a refused hand-over recorded something"
    return caught.value


def test_each_dossier_is_received_sent_back_or_refused_in_one_save(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference, RECORDED)
    to_receive, to_complete, to_refuse = postal(desk), postal(desk, complete=False), postal(desk)
    with patch.object(desk, "save", wraps=desk.save) as save:
        outcomes = desk.record_postal_handover(
            record(receive(to_receive), supplement(to_complete), refuse(to_refuse)), CONTEXT
        )
    # One save: the three dossiers and the two code books that numbered the received one.
    [(saved, _)] = save.call_args_list
    assert {type(aggregate).__name__ for aggregate in saved} == {"Dossier", "SequenceBook"}
    assert len(saved) == 5
    assert [outcome.decision for outcome in outcomes] == list(HandoverDecision)
    receipt = outcomes[0].receipt
    assert receipt is not None and outcomes[1].receipt is outcomes[2].receipt is None
    # By hand: signed Thu 5/3 14:00 (before 15:00) → the clock starts at signing; 24 office hours end
    # Tue 10/3 at 14:00 (Thu 14:00–17:00 3 h, Fri 8 h, Mon 8 h, Tue 07:30–11:30 4 h + 13:00–14:00 1 h).
    assert receipt.legal_receipt_at == receipt.clock_start_at == SIGNED
    assert receipt.due_at == datetime(2026, 3, 10, 14, 0, tzinfo=TZ)
    assert receipt.dossier_code == "000.00.100.H44-260305-0001"
    statuses = [desk.get(dossier_id).status for dossier_id in (to_receive, to_complete, to_refuse)]
    assert statuses == [
        DossierStatus.RECEIVED,
        DossierStatus.AWAITING_INTAKE_SUPPLEMENT,
        DossierStatus.REFUSED,
    ]
    received = stored_events(desk, to_receive)[-1]
    assert isinstance(received, Dossier.Received) and received.handover_record_no == "BBGN-2026-0305-07"


def test_transit_time_and_tet_do_not_count_for_a_record_signed_after_the_cutoff(
    reference: ReferenceData,
) -> None:
    # By hand: signed Fri 13/2/2026 16:45, after birth registration's 15:00 cut-off, recorded only on
    # Mon 23/2 after Tết → legal receipt 13/2 16:45; the clock starts at the next opening, Mon 23/2 07:30
    # (14–22/2 are days off); 24 office hours: Mon, Tue, Wed → Wed 25/2 17:00.
    signed = datetime(2026, 2, 13, 16, 45, tzinfo=TZ)
    desk, clock = make_desk(reference, signed)
    dossier_id = desk.submit(birth_registration(channel=Channel.POSTAL), CONTEXT)
    clock.set(datetime(2026, 2, 23, 8, 0, tzinfo=TZ))
    [outcome] = desk.record_postal_handover(record(receive(dossier_id), signed_at=signed), CONTEXT)
    assert outcome.receipt is not None
    assert outcome.receipt.legal_receipt_at == signed
    assert outcome.receipt.clock_start_at == datetime(2026, 2, 23, 7, 30, tzinfo=TZ)
    assert outcome.receipt.due_at == datetime(2026, 2, 25, 17, 0, tzinfo=TZ)


def test_one_bad_line_refuses_the_whole_record_naming_the_line(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference, RECORDED)
    good, incomplete = postal(desk), postal(desk, complete=False)
    violation = refused(desk, record(receive(good), receive(incomplete)))
    assert (violation.rule, violation.field) == ("COMPONENTS_INCOMPLETE", "lines[1].components")
    assert violation.message_vi.startswith("Dòng 2:") and violation.message_en.startswith("Line 2:")
    assert desk.get(good).status is DossierStatus.SUBMITTED


def test_a_counter_dossier_is_not_on_a_postal_record(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference, RECORDED)
    counter = desk.submit(business_registration(), CONTEXT)
    violation = refused(desk, record(receive(postal(desk)), receive(counter)))
    assert (violation.rule, violation.status, violation.field) == (
        "HANDOVER_NOT_POSTAL",
        409,
        "lines[1].dossier_id",
    )


@pytest.mark.parametrize(
    ("build", "rule", "field"),
    [
        (
            lambda ids: record(receive(ids[0]), signed_at=RECORDED + timedelta(minutes=1)),
            "TIME_IN_FUTURE",
            "signed_at",
        ),
        (
            lambda ids: record(receive(ids[0]), receive(ids[0])),
            "HANDOVER_DUPLICATE_LINE",
            "lines[1].dossier_id",
        ),
        (lambda ids: record(receive(uuid4())), "DOSSIER_NOT_FOUND", "lines[0].dossier_id"),
        (lambda ids: record(), "HANDOVER_EMPTY", "lines"),
        (
            lambda ids: record(HandoverLine(ids[0], HandoverDecision.REFUSE)),
            "REFUSAL_DETAILS_REQUIRED",
            "lines[0].refusal",
        ),
    ],
    ids=["signed-in-future", "duplicate", "unknown-dossier", "empty", "refusal-without-reason"],
)
def test_malformed_records_are_refused(
    reference: ReferenceData, build: Callable[[Sequence[UUID]], HandoverRecord], rule: str, field: str
) -> None:
    desk, _ = make_desk(reference, RECORDED)
    violation = refused(desk, build([postal(desk)]))
    assert (violation.rule, violation.status, violation.field) == (rule, 422, field)


def test_a_supplement_arriving_by_post_is_received_from_a_later_record(reference: ReferenceData) -> None:
    desk, clock = make_desk(reference, RECORDED)
    dossier_id = postal(desk, complete=False)
    desk.record_postal_handover(record(supplement(dossier_id)), CONTEXT)
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=TZ))
    desk.provide_intake_supplement(
        dossier_id, CONTEXT, items=(ProvidedItem("Giấy chứng sinh", "GCS"),), channel=Channel.POSTAL
    )
    second = datetime(2026, 3, 9, 9, 30, tzinfo=TZ)  # signed before the supplement was entered
    [outcome] = desk.record_postal_handover(record(receive(dossier_id), signed_at=second), CONTEXT)
    assert outcome.receipt is not None
    assert outcome.receipt.legal_receipt_at == datetime(2026, 3, 9, 10, 0, tzinfo=TZ)  # the complete dossier


def test_a_dossier_first_seen_on_the_record_is_submitted_and_decided_together(
    reference: ReferenceData,
) -> None:
    desk, _ = make_desk(reference, RECORDED)
    dossier_id = uuid4()
    line = HandoverLine(
        dossier_id,
        HandoverDecision.RECEIVE,
        receive=ReceiveDetails(),
        submission=birth_registration(channel=Channel.POSTAL),
    )
    [outcome] = desk.record_postal_handover(record(line), CONTEXT)
    assert outcome.receipt is not None and outcome.receipt.legal_receipt_at == SIGNED
    assert event_names(desk, dossier_id) == ["Submitted", "Received"]
    submitted = stored_events(desk, dossier_id)[0]
    assert submitted.occurred_at == SIGNED


def test_fees_remitted_by_the_post_are_recorded_as_postal_collected(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference, RECORDED)
    command = business_registration(channel=Channel.POSTAL, submitted_at=SIGNED - timedelta(days=1))
    dossier_id = desk.submit(command, CONTEXT)
    fee = FeeLine(FeeKind.LE_PHI, HKD_FEE_LINE, 100_000)
    payment = CounterPayment(method=PaymentMethod.POSTAL_COLLECTED, receipt_no="BL-BD-000731")
    desk.record_postal_handover(record(receive(dossier_id, fee_lines=(fee,), payment=payment)), CONTEXT)
    paid = stored_events(desk, dossier_id)[-1]
    assert isinstance(paid, Dossier.PaymentRecorded)
    assert (paid.method, paid.amount_vnd) == ("POSTAL_COLLECTED", 100_000)
