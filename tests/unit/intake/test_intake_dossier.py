"""The intake dossier aggregate: given events → when command → then events, or the named refusal and none.

"Given" histories are recorded by running commands on a fresh dossier and then *replayed* from those
events into a new instance, so each test also proves that the events alone rebuild the state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from contracts.enums import (
    ActorKind,
    ApplicantKind,
    Channel,
    ComponentForm,
    DigitisationSource,
    FeeKind,
    ItemIssue,
    NotificationChannel,
    OnlineMode,
    Outcome,
    PaymentMethod,
    RefusalReason,
    ReturnMethod,
    TransferMode,
)
from intake.deadlines import Deadline, Duration, DurationUnit
from intake.dossier import Dossier, DossierStatus
from intake.dossier_values import Actor, Applicant, Component, FeeLine, ProvidedItem, RequestedItem, Stamp
from intake.errors import IntakeRuleViolation

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 5, 8, 0, tzinfo=TZ)
OFFICER = Actor(ActorKind.OFFICER, "cb.h44100.tiepnhan01", "H44.100")
FLOW = UUID("019ca531-5680-765c-b809-f33f07307147")
CAUSE = UUID("019cd06e-1810-7818-aeb3-86f108b6204b")
FEE = FeeLine(FeeKind.LE_PHI, "Lệ phí đăng ký hộ kinh doanh", 100_000)
PRINT_FEE = FeeLine(FeeKind.PHI, "Phí cấp bản sao", 8_000)
SHA = "ab" * 32

Step = Callable[[Dossier | None], Dossier]


def stamp(minutes: int = 0) -> Stamp:
    at = T0 + timedelta(minutes=minutes)
    return Stamp(OFFICER, FLOW, CAUSE, at, at)


def replay(events: Sequence[Dossier.Event]) -> Dossier:
    dossier: Any = None
    for event in events:
        dossier = event.mutate(dossier)
    assert isinstance(dossier, Dossier)
    return dossier


def given(*steps: Step) -> Dossier:
    dossier: Dossier | None = None
    for step in steps:
        dossier = step(dossier)
    assert dossier is not None
    return replay(list(dossier.collect_events()))


def then(dossier: Dossier) -> list[Dossier.Event]:
    return list(dossier.collect_events())


@contextmanager
def refused(rule: str, status: int = 409, field: str | None = None) -> Iterator[None]:
    with pytest.raises(IntakeRuleViolation) as caught:
        yield
    assert (caught.value.rule, caught.value.status) == (rule, status), caught.value
    if field is not None:
        assert caught.value.field == field
    assert caught.value.message_vi and caught.value.message_en


# --- steps ------------------------------------------------------------------------------------------------


def submitted(
    channel: Channel = Channel.COUNTER,
    *,
    components: Sequence[str] = ("TK",),
    dossier_code: str | None = None,
) -> Step:
    def step(_: Dossier | None) -> Dossier:
        return Dossier.submit(
            uuid4(),
            stamp(),
            channel=channel,
            online_mode=OnlineMode.FULL if channel is Channel.ONLINE else None,
            procedure_code="2.000575",
            procedure_version=None,
            receiving_unit_code="H44.100",
            processing_unit_code="H44.100",
            summary=None,
            applicant=Applicant(ApplicantKind.CITIZEN, "Nguyễn Thị Thu Hà", "025187004512"),
            vneid_authenticated=channel is Channel.ONLINE,
            components=[Component(code, code, ComponentForm.DECLARATION_FORM) for code in components],
            result_return_method=ReturnMethod.COUNTER,
            postal_return_address=None,
            dossier_code=dossier_code,
            published_components=("TK", "DS"),
            required_components=("TK",),
        )

    return step


def _deadline(start: datetime) -> Deadline:
    return Deadline(start, start + timedelta(days=3), Duration(Decimal(3), DurationUnit.WORKING_DAY))


def receive(dossier: Dossier, minutes: int = 30, **overrides: Any) -> None:
    at = stamp(minutes)
    values: dict[str, Any] = {
        "dossier_code": "000.00.100.H44-260305-0001",
        "legal_receipt_at": at.occurred_at,
        "deadline": _deadline(at.occurred_at),
        "immediate_result": False,
        "receipt_slip_no": "0001/2026/GTN-H44.100",
        "fee_lines": (FEE, PRINT_FEE),
    }
    dossier.receive(at, **{**values, **overrides})


def received(**overrides: Any) -> Step:
    def step(dossier: Dossier | None) -> Dossier:
        assert dossier is not None
        receive(dossier, **overrides)
        return dossier

    return step


def supplement_requested(dossier: Dossier | None) -> Dossier:
    assert dossier is not None
    request_supplement(dossier)
    return dossier


def request_supplement(dossier: Dossier, **overrides: Any) -> None:
    values: dict[str, Any] = {
        "reasons": "Thiếu danh sách thành viên góp vốn.",
        "items": (RequestedItem("Danh sách thành viên", ItemIssue.MISSING, "DS"),),
        "notice_channel": NotificationChannel.SMS,
    }
    dossier.request_intake_supplement(stamp(10), **{**values, **overrides})


def supplement_provided(dossier: Dossier | None) -> Dossier:
    assert dossier is not None
    dossier.provide_intake_supplement(
        stamp(20), items=(ProvidedItem("Danh sách thành viên", "DS"),), channel=Channel.COUNTER
    )
    return dossier


def refused_now(dossier: Dossier | None) -> Dossier:
    assert dossier is not None
    dossier.refuse(
        stamp(15), reason_code=RefusalReason.OUT_OF_COMPETENCE, reason_text="Không thuộc thẩm quyền."
    )
    return dossier


def transferred(dossier: Dossier | None) -> Dossier:
    assert dossier is not None
    dossier.transfer(stamp(40), to_unit_code="H44.06.01", mode=TransferMode.ELECTRONIC)
    return dossier


def result_issued(dossier: Dossier | None) -> Dossier:
    assert dossier is not None
    dossier.note_result(stamp(60), outcome=Outcome.APPROVED, source_event_id=CAUSE)
    return dossier


def withdrawn(dossier: Dossier | None) -> Dossier:
    assert dossier is not None
    dossier.withdraw(stamp(50), channel=Channel.COUNTER)
    return dossier


# --- E1 submit --------------------------------------------------------------------------------------------


def test_submit_records_the_first_public_event_with_the_commands_envelope() -> None:
    dossier = submitted(Channel.ONLINE)(None)
    [event] = then(dossier)
    assert isinstance(event, Dossier.Submitted)
    assert (event.public_seq, event.originator_version) == (1, 1)
    assert (event.actor, event.correlation_id, event.causation_id) == (OFFICER, FLOW, CAUSE)
    assert event.channel == "ONLINE" and event.online_mode == "FULL"
    assert dossier.status is DossierStatus.SUBMITTED and dossier.channel is Channel.ONLINE


def test_submit_refuses_an_online_mode_for_a_counter_dossier() -> None:
    with refused("ONLINE_MODE", 422, "online_mode"):
        Dossier.submit(
            uuid4(),
            stamp(),
            channel=Channel.COUNTER,
            online_mode=OnlineMode.PARTIAL,
            procedure_code="2.000575",
            procedure_version=None,
            receiving_unit_code="H44.100",
            processing_unit_code="H44.100",
            summary=None,
            applicant=Applicant(ApplicantKind.CITIZEN, "A", "025187004512"),
            vneid_authenticated=False,
            components=[Component("TK", "TK", ComponentForm.DECLARATION_FORM)],
            result_return_method=ReturnMethod.COUNTER,
            postal_return_address=None,
            dossier_code=None,
            published_components=("TK",),
            required_components=("TK",),
        )


# --- E2/E3 intake supplement ------------------------------------------------------------------------------


def test_request_intake_supplement_waits_for_the_applicant() -> None:
    dossier = given(submitted())
    request_supplement(dossier)
    [event] = then(dossier)
    assert isinstance(event, Dossier.IntakeSupplementRequested)
    assert event.public_seq == 2 and event.notice_channel == "SMS"
    assert dossier.status is DossierStatus.AWAITING_INTAKE_SUPPLEMENT


@pytest.mark.parametrize(
    "history",
    [
        pytest.param((submitted(), supplement_requested), id="while-awaiting"),
        pytest.param((submitted(), supplement_requested, supplement_provided), id="after-it-was-provided"),
    ],
)
def test_a_second_intake_supplement_is_refused(history: tuple[Step, ...]) -> None:
    dossier = given(*history)
    with refused("INTAKE_SUPPLEMENT_ONCE"):
        request_supplement(dossier)
    assert then(dossier) == []


def test_a_supplement_may_not_ask_for_documents_outside_the_published_list() -> None:
    dossier = given(submitted())
    with refused("SUPPLEMENT_ITEM_NOT_PUBLISHED", 422, "items[0].component_code"):
        request_supplement(dossier, items=(RequestedItem("Sổ hộ khẩu", ItemIssue.MISSING, "SHK"),))
    assert then(dossier) == []


def test_a_supplement_deadline_must_follow_the_request() -> None:
    dossier = given(submitted())
    with refused("DEADLINE_IN_PAST", 422, "applicant_deadline"):
        request_supplement(dossier, applicant_deadline=T0)
    assert then(dossier) == []


def test_after_receipt_a_supplement_belongs_to_processing() -> None:
    dossier = given(submitted(), received())
    with refused("SUPPLEMENT_AFTER_RECEIPT"):
        request_supplement(dossier)


def test_supplement_provided_returns_the_dossier_to_submitted() -> None:
    dossier = given(submitted(), supplement_requested)
    supplement_provided(dossier)
    [event] = then(dossier)
    assert isinstance(event, Dossier.IntakeSupplementProvided)
    assert dossier.status is DossierStatus.SUBMITTED
    assert "DS" in dossier.known_component_codes()


def test_supplement_provided_names_only_published_components() -> None:
    dossier = given(submitted(), supplement_requested)
    with refused("COMPONENT_NOT_PUBLISHED", 422, "items[0].component_code"):
        dossier.provide_intake_supplement(
            stamp(20), items=(ProvidedItem("Sổ hộ khẩu", "SHK"),), channel=Channel.COUNTER
        )
    assert then(dossier) == []


def test_supplement_provided_without_a_request_is_refused() -> None:
    dossier = given(submitted())
    with refused("NO_SUPPLEMENT_REQUESTED"):
        supplement_provided(dossier)
    assert then(dossier) == []


# --- E4 refuse --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [(submitted(),), (submitted(), supplement_requested)],
    ids=["submitted", "awaiting-supplement"],
)
def test_refuse_before_receipt_is_terminal(history: tuple[Step, ...]) -> None:
    dossier = given(*history)
    refused_now(dossier)
    [event] = then(dossier)
    assert isinstance(event, Dossier.Refused) and event.reason_code == "OUT_OF_COMPETENCE"
    assert dossier.status is DossierStatus.REFUSED


def test_refusal_needs_a_reason() -> None:
    dossier = given(submitted())
    with refused("REFUSAL_REASON_REQUIRED", 422, "reason_text"):
        dossier.refuse(stamp(), reason_code=RefusalReason.OTHER, reason_text="  ")
    assert then(dossier) == []


def test_refusal_after_receipt_is_refused() -> None:
    dossier = given(submitted(), received())
    with refused("REFUSE_AFTER_RECEIPT"):
        refused_now(dossier)


# --- E5 receive -------------------------------------------------------------------------------------------


def test_receive_starts_the_clock_with_code_slip_and_fee_lines() -> None:
    dossier = given(submitted())
    receive(dossier)
    [event] = then(dossier)
    assert isinstance(event, Dossier.Received)
    assert event.dossier_code == "000.00.100.H44-260305-0001"
    assert (event.duration_value, event.duration_unit) == (Decimal(3), "WORKING_DAY")
    assert (event.procedure_code, event.channel, event.processing_unit_code) == (
        "2.000575",
        "COUNTER",
        "H44.100",
    )
    assert dossier.status is DossierStatus.RECEIVED and dossier.due_at == T0 + timedelta(days=3, minutes=30)


@pytest.mark.parametrize(
    ("history", "rule"),
    [
        pytest.param((submitted(), received()), "RECEIVE_TWICE", id="twice"),
        pytest.param((submitted(), received(), transferred), "RECEIVE_TWICE", id="after-transfer"),
        pytest.param((submitted(), refused_now), "TERMINAL_STATE", id="refused"),
        pytest.param((submitted(), withdrawn), "TERMINAL_STATE", id="cancelled"),
        pytest.param((submitted(), supplement_requested), "SUPPLEMENT_PENDING", id="awaiting-supplement"),
        pytest.param((submitted(components=("DS",)),), "COMPONENTS_INCOMPLETE", id="incomplete"),
        pytest.param((submitted(Channel.POSTAL),), "HANDOVER_REQUIRED", id="postal-without-record"),
    ],
)
def test_receive_is_refused(history: tuple[Step, ...], rule: str) -> None:
    dossier = given(*history)
    with refused(rule):
        receive(dossier)
    assert then(dossier) == []


def test_an_incomplete_dossier_is_receivable_once_supplemented() -> None:
    dossier = given(submitted(components=("DS",)), supplement_requested)
    dossier.provide_intake_supplement(
        stamp(20), items=(ProvidedItem("Tờ khai", "TK"),), channel=Channel.COUNTER
    )
    receive(dossier)
    assert [type(event) for event in then(dossier)] == [Dossier.IntakeSupplementProvided, Dossier.Received]


def test_a_receipt_slip_is_required_unless_the_result_is_immediate() -> None:
    dossier = given(submitted())
    with refused("RECEIPT_SLIP_REQUIRED", 422):
        receive(dossier, receipt_slip_no=None)
    receive(dossier, receipt_slip_no=None, immediate_result=True)
    assert [type(event) for event in then(dossier)] == [Dossier.Received]


def test_a_portal_code_is_kept_at_receipt() -> None:
    dossier = given(submitted(Channel.ONLINE, dossier_code="000.00.100.H44-260305-0017"))
    with refused("DOSSIER_CODE_MISMATCH", 409, "dossier_code"):
        receive(dossier)
    receive(dossier, dossier_code="000.00.100.H44-260305-0017")
    assert dossier.dossier_code == "000.00.100.H44-260305-0017"


@pytest.mark.parametrize(
    ("channel", "signed", "supplement", "expected"),
    [
        pytest.param(Channel.COUNTER, None, False, T0 + timedelta(hours=2), id="counter:receipt"),
        pytest.param(Channel.ONLINE, None, False, T0, id="online:submission"),
        pytest.param(Channel.ONLINE, None, True, T0 + timedelta(minutes=20), id="online:supplement"),
        pytest.param(
            Channel.POSTAL, T0 + timedelta(minutes=5), False, T0 + timedelta(minutes=5), id="postal:record"
        ),
        pytest.param(
            Channel.POSTAL, T0 + timedelta(minutes=5), True, T0 + timedelta(minutes=20), id="postal:later"
        ),
    ],
)
def test_legal_receipt_time_per_channel(
    channel: Channel, signed: datetime | None, supplement: bool, expected: datetime
) -> None:
    steps: list[Step] = [submitted(channel)]
    if supplement:
        steps += [supplement_requested, supplement_provided]
    dossier = given(*steps)
    assert dossier.legal_receipt_time(T0 + timedelta(hours=2), handover_signed_at=signed) == expected


# --- E6 digitise ------------------------------------------------------------------------------------------


def test_digitise_a_known_component() -> None:
    dossier = given(submitted(), received())
    dossier.digitise(
        stamp(45),
        component_code="TK",
        file_ref="s3://so-hoa/tk.pdf",
        sha256=SHA,
        source=DigitisationSource.SCAN_AT_COUNTER,
        digitally_signed=True,
        signer="UBND phường Sơn Hà",
    )
    [event] = then(dossier)
    assert isinstance(event, Dossier.ComponentDigitized) and event.source == "SCAN_AT_COUNTER"
    assert dossier.digitised == {"TK": SHA}


@pytest.mark.parametrize(
    ("overrides", "rule", "field"),
    [
        ({"component_code": "XX"}, "COMPONENT_UNKNOWN", "component_code"),
        ({"source": DigitisationSource.REUSED_FROM_OTHER_COMPONENT}, "REUSED_FROM_REQUIRED", "reused_from"),
        ({"digitally_signed": True}, "SIGNER_REQUIRED", "signer"),
    ],
)
def test_digitise_refuses_bad_values(overrides: dict[str, Any], rule: str, field: str) -> None:
    dossier = given(submitted())
    values: dict[str, Any] = {
        "component_code": "TK",
        "file_ref": "s3://x.pdf",
        "sha256": SHA,
        "source": DigitisationSource.SCAN_AT_COUNTER,
    }
    with refused(rule, 422, field):
        dossier.digitise(stamp(), **{**values, **overrides})
    assert then(dossier) == []


def test_digitise_is_refused_on_a_refused_dossier() -> None:
    dossier = given(submitted(), refused_now)
    with refused("TERMINAL_STATE"):
        dossier.digitise(
            stamp(),
            component_code="TK",
            file_ref="s3://x.pdf",
            sha256=SHA,
            source=DigitisationSource.SCAN_AT_COUNTER,
        )


# --- E7 transfer ------------------------------------------------------------------------------------------


def test_transfer_moves_a_received_dossier_to_processing() -> None:
    dossier = given(submitted(), received())
    transferred(dossier)
    [event] = then(dossier)
    assert isinstance(event, Dossier.Transferred)
    assert (event.from_unit_code, event.to_unit_code, event.mode) == ("H44.100", "H44.06.01", "ELECTRONIC")
    assert dossier.status is DossierStatus.IN_PROCESSING


@pytest.mark.parametrize(
    ("history", "rule"),
    [
        pytest.param((submitted(),), "NOT_RECEIVED", id="not-received"),
        pytest.param((submitted(), received(), transferred), "TRANSFER_TWICE", id="twice"),
        pytest.param((submitted(), received(), withdrawn), "ILLEGAL_TRANSITION", id="withdrawal-requested"),
    ],
)
def test_transfer_is_refused(history: tuple[Step, ...], rule: str) -> None:
    dossier = given(*history)
    with refused(rule):
        transferred(dossier)
    assert then(dossier) == []


def test_transfer_to_the_receiving_unit_itself_is_refused() -> None:
    dossier = given(submitted(), received())
    with refused("TRANSFER_SAME_UNIT", 422, "to_unit_code"):
        dossier.transfer(stamp(40), to_unit_code="H44.100", mode=TransferMode.PAPER)


# --- E17 payment at the counter ---------------------------------------------------------------------------


def test_payment_settles_receipt_time_fee_lines_once() -> None:
    dossier = given(submitted(), received())
    dossier.record_payment(stamp(35), lines=(FEE,), method=PaymentMethod.CASH_COUNTER, receipt_no="BL-0001")
    [event] = then(dossier)
    assert isinstance(event, Dossier.PaymentRecorded) and event.amount_vnd == 100_000
    assert dossier.open_fee_lines() == [PRINT_FEE]
    with refused("PAYMENT_NO_MATCH", 409, "lines[0]"):
        dossier.record_payment(stamp(36), lines=(FEE,), method=PaymentMethod.CASH_COUNTER)
    assert then(dossier) == []


@pytest.mark.parametrize(
    ("lines", "method", "rule", "status"),
    [
        (
            (FeeLine(FeeKind.LE_PHI, "Lệ phí khác", 5_000),),
            PaymentMethod.CASH_COUNTER,
            "PAYMENT_NO_MATCH",
            409,
        ),
        ((FeeLine(FeeKind.LE_PHI, FEE.name, -100_000),), PaymentMethod.CASH_COUNTER, "FEE_NEGATIVE", 422),
        ((FEE,), PaymentMethod.ONLINE_NATIONAL, "PAYMENT_METHOD_NOT_AT_DESK", 422),
        ((FEE,), PaymentMethod.BANK_TRANSFER, "TRANSACTION_REF_REQUIRED", 422),
        ((), PaymentMethod.CASH_COUNTER, "PAYMENT_LINES_REQUIRED", 422),
    ],
)
def test_payment_is_refused(
    lines: tuple[FeeLine, ...], method: PaymentMethod, rule: str, status: int
) -> None:
    dossier = given(submitted(), received())
    with refused(rule, status):
        dossier.record_payment(stamp(35), lines=lines, method=method)
    assert then(dossier) == []


def test_payment_before_receipt_is_refused() -> None:
    dossier = given(submitted())
    with refused("PAYMENT_BEFORE_RECEIPT"):
        dossier.record_payment(stamp(), lines=(FEE,), method=PaymentMethod.CASH_COUNTER)


def test_a_payment_of_nothing_is_refused() -> None:
    free = FeeLine(FeeKind.LE_PHI, FEE.name, 0)
    dossier = given(submitted(), received(fee_lines=(free,)))
    with refused("PAYMENT_NOTHING_DUE", 422):
        dossier.record_payment(stamp(35), lines=(free,), method=PaymentMethod.CASH_COUNTER)


# --- E19 withdraw -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "status", "before_receipt"),
    [
        pytest.param((submitted(),), DossierStatus.CANCELLED, True, id="submitted"),
        pytest.param((submitted(), supplement_requested), DossierStatus.CANCELLED, True, id="awaiting"),
        pytest.param((submitted(), received()), DossierStatus.WITHDRAWAL_REQUESTED, False, id="received"),
        pytest.param(
            (submitted(), received(), transferred),
            DossierStatus.WITHDRAWAL_REQUESTED,
            False,
            id="in-processing",
        ),
    ],
)
def test_withdraw_cancels_before_receipt_and_asks_processing_to_stop_after(
    history: tuple[Step, ...], status: DossierStatus, before_receipt: bool
) -> None:
    dossier = given(*history)
    assert dossier.withdraw(stamp(50), channel=Channel.ONLINE, reason="Không còn nhu cầu") is status
    [event] = then(dossier)
    assert isinstance(event, Dossier.WithdrawalRequested) and event.before_receipt is before_receipt


@pytest.mark.parametrize(
    ("history", "rule"),
    [
        pytest.param((submitted(), received(), result_issued), "WITHDRAW_AFTER_RESULT", id="after-result"),
        pytest.param((submitted(), received(), withdrawn), "WITHDRAWAL_ALREADY_REQUESTED", id="twice"),
        pytest.param((submitted(), withdrawn), "TERMINAL_STATE", id="cancelled"),
        pytest.param((submitted(), refused_now), "TERMINAL_STATE", id="refused"),
    ],
)
def test_withdraw_is_refused(history: tuple[Step, ...], rule: str) -> None:
    dossier = given(*history)
    with refused(rule):
        withdrawn(dossier)
    assert then(dossier) == []


# --- what intake learns from processing -------------------------------------------------------------------


def test_a_noted_result_is_internal_and_idempotent() -> None:
    dossier = given(submitted(), received(), transferred)
    result_issued(dossier)
    result_issued(dossier)  # the same processing event delivered twice
    [event] = then(dossier)
    assert isinstance(event, Dossier.ResultNoted) and event.public_seq is None
    assert dossier.status is DossierStatus.RESULT_READY and dossier.outcome is Outcome.APPROVED
    with refused("RESULT_TWICE"):
        dossier.note_result(stamp(70), outcome=Outcome.REJECTED, source_event_id=uuid4())


def test_a_result_before_receipt_is_refused() -> None:
    dossier = given(submitted())
    with refused("RESULT_BEFORE_RECEIPT"):
        result_issued(dossier)


def test_a_noted_stop_is_terminal() -> None:
    dossier = given(submitted(), received(), withdrawn)
    dossier.note_processing_stopped(stamp(70), source_event_id=CAUSE)
    [event] = then(dossier)
    assert isinstance(event, Dossier.ProcessingStopNoted) and event.public_seq is None
    assert dossier.status is DossierStatus.STOPPED
    with refused("TERMINAL_STATE"):
        dossier.digitise(
            stamp(80),
            component_code="TK",
            file_ref="s3://x.pdf",
            sha256=SHA,
            source=DigitisationSource.SCAN_AT_COUNTER,
        )


def test_public_seq_skips_internal_events_and_never_gaps() -> None:
    dossier = given(submitted(), received(), transferred, result_issued)
    assert (dossier.version, dossier.public_seq) == (4, 3)
    dossier.digitise(
        stamp(90),
        component_code="TK",
        file_ref="s3://kq.pdf",
        sha256=SHA,
        source=DigitisationSource.SCAN_AT_COUNTER,
    )
    [event] = then(dossier)
    assert (event.originator_version, event.public_seq) == (5, 4)
