"""IntakeDesk: commands against the shipped reference data, in memory (eventsourcing POPO).

Every refusal is checked to leave the event store exactly as it was (no new notification).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from test_intake_desk_kit import (
    CONTEXT,
    HKD_FEE,
    PDF,
    PDF_SHA,
    THURSDAY_0900,
    TZ,
    applicant,
    birth_registration,
    business_registration,
    context,
    event_names,
    head,
    make_desk,
    missing_ds,
    online_business_registration,
    stored_events,
)

from contracts.enums import (
    ApplicantKind,
    Channel,
    ComponentForm,
    DigitisationSource,
    FeeKind,
    OnlineMode,
    Outcome,
    PaymentMethod,
    RefusalReason,
    ReturnMethod,
    TransferMode,
)
from intake.desk import IntakeDesk
from intake.dossier import Dossier, DossierStatus
from intake.dossier_commands import (
    CounterPayment,
    Digitisation,
    ReceiveDetails,
    Refusal,
    SubmitDossier,
)
from intake.dossier_values import Address, Component, ComponentFile, FeeLine, ProvidedItem
from intake.errors import ConcurrentUpdate, IntakeRuleViolation, NotFound
from intake.reference import ReferenceData

FRIDAY_BEFORE_TET_1630 = datetime(2026, 2, 13, 16, 30, tzinfo=TZ)


def refusal(desk: IntakeDesk, command: Callable[[], object]) -> IntakeRuleViolation:
    before = head(desk)
    with pytest.raises(IntakeRuleViolation) as caught:
        command()
    assert head(desk) == before, "a refused command recorded something"
    return caught.value


# --- the refusals the API's acceptance relies on ----------------------------------------------------------

Case = Callable[[IntakeDesk], Callable[[], object]]


def _unknown_procedure(desk: IntakeDesk) -> Callable[[], object]:
    return lambda: desk.submit(business_registration(procedure_code="9.999999"), CONTEXT)


def _postal_for_personal_presence(desk: IntakeDesk) -> Callable[[], object]:
    command = SubmitDossier(
        procedure_code="2.000884",  # chứng thực chữ ký: personal presence required
        channel=Channel.POSTAL,
        receiving_unit_code="H44.100",
        applicant=applicant(),
        components=(Component("VB", "Văn bản cần chứng thực chữ ký", ComponentForm.ORIGINAL),),
    )
    return lambda: desk.submit(command, CONTEXT)


def _second_intake_supplement(desk: IntakeDesk) -> Callable[[], object]:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    desk.request_intake_supplement(dossier_id, CONTEXT, missing_ds())
    return lambda: desk.request_intake_supplement(dossier_id, CONTEXT, missing_ds())


def _receive_twice(desk: IntakeDesk) -> Callable[[], object]:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    desk.receive(dossier_id, CONTEXT)
    return lambda: desk.receive(dossier_id, CONTEXT)


def _receive_refused(desk: IntakeDesk) -> Callable[[], object]:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    desk.refuse(dossier_id, CONTEXT, Refusal(RefusalReason.INELIGIBLE, "Không đủ điều kiện."))
    return lambda: desk.receive(dossier_id, CONTEXT)


def _withdraw_after_result(desk: IntakeDesk) -> Callable[[], object]:
    receipt = desk.submit_and_receive(business_registration(), CONTEXT)
    desk.note_result(receipt.dossier_id, CONTEXT, outcome=Outcome.APPROVED, source_event_id=uuid4())
    return lambda: desk.withdraw(receipt.dossier_id, CONTEXT, channel=Channel.COUNTER)


def _malformed_citizen_id(desk: IntakeDesk) -> Callable[[], object]:
    return lambda: desk.submit(business_registration(applicant=applicant(id_number="02518700451")), CONTEXT)


def _negative_fee(desk: IntakeDesk) -> Callable[[], object]:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    details = ReceiveDetails(fee_lines=(replace(HKD_FEE, amount_vnd=-100_000),))
    return lambda: desk.receive(dossier_id, CONTEXT, details)


def _file_hash_mismatch(desk: IntakeDesk) -> Callable[[], object]:
    dossier_id = desk.submit(business_registration(), CONTEXT)
    scan = Digitisation("TK", "s3://so-hoa/tk.pdf", PDF_SHA, DigitisationSource.SCAN_AT_COUNTER)
    return lambda: desk.digitise_component(dossier_id, CONTEXT, scan, content=PDF + b"tampered")


def _unknown_unit(desk: IntakeDesk) -> Callable[[], object]:
    return lambda: desk.submit(business_registration(receiving_unit_code="H44.999"), CONTEXT)


def _dossier_code_collision(desk: IntakeDesk) -> Callable[[], object]:
    receipt = desk.submit_and_receive(business_registration(), CONTEXT)
    return lambda: desk.submit(online_business_registration(dossier_code=receipt.dossier_code), CONTEXT)


@pytest.mark.parametrize(
    ("case", "rule", "status", "field"),
    [
        (_unknown_procedure, "PROCEDURE_UNKNOWN", 422, "procedure_code"),
        (_postal_for_personal_presence, "CHANNEL_NOT_ALLOWED", 422, "channel"),
        (_second_intake_supplement, "INTAKE_SUPPLEMENT_ONCE", 409, None),
        (_receive_twice, "RECEIVE_TWICE", 409, None),
        (_receive_refused, "TERMINAL_STATE", 409, None),
        (_withdraw_after_result, "WITHDRAW_AFTER_RESULT", 409, None),
        (_malformed_citizen_id, "INVALID_CITIZEN_ID", 422, "applicant.id_number"),
        (_negative_fee, "FEE_NEGATIVE", 422, "fee_lines[0].amount_vnd"),
        (_file_hash_mismatch, "FILE_HASH_MISMATCH", 422, "sha256"),
        (_unknown_unit, "UNIT_UNKNOWN", 422, "receiving_unit_code"),
        (_dossier_code_collision, "DOSSIER_CODE_TAKEN", 409, "dossier_code"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_refusals_record_nothing(
    reference: ReferenceData, case: Case, rule: str, status: int, field: str | None
) -> None:
    desk, _ = make_desk(reference)
    violation = refusal(desk, case(desk))
    assert (violation.rule, violation.status, violation.field) == (rule, status, field)
    assert violation.message_vi and violation.message_en


@pytest.mark.parametrize(
    ("overrides", "rule", "field"),
    [
        ({"applicant": applicant(id_number="02518700451X")}, "INVALID_CITIZEN_ID", "applicant.id_number"),
        (
            {"applicant": applicant(kind=ApplicantKind.ORGANISATION, id_number="12345")},
            "INVALID_TAX_CODE",
            "applicant.id_number",
        ),
        ({"applicant": applicant(phone="12345")}, "INVALID_VALUE", "applicant.phone"),
        (
            {"receiving_unit_code": "H44.41"},
            "UNIT_INACTIVE",
            "receiving_unit_code",
        ),  # district, abolished 2025
        ({"receiving_unit_code": "H44.18"}, "PROCESSING_UNIT_REQUIRED", "processing_unit_code"),
        (
            {"receiving_unit_code": "H44.18", "processing_unit_code": "H44.06"},
            "PROCESSING_UNIT_NOT_COMMUNE",
            "processing_unit_code",
        ),
        (
            {"components": (Component("SHK", "Sổ hộ khẩu", ComponentForm.COPY),)},
            "COMPONENT_NOT_PUBLISHED",
            "components[0].code",
        ),
        (
            {
                "components": (
                    Component(
                        "TK",
                        "Tờ khai",
                        ComponentForm.ELECTRONIC,
                        files=(ComponentFile("dvcqg://x.pdf", "not-a-digest"),),
                        source=DigitisationSource.UPLOADED_BY_APPLICANT,
                    ),
                )
            },
            "FILE_HASH_MALFORMED",
            "components[0].files[0].sha256",
        ),
        (
            {"result_return_method": ReturnMethod.POSTAL},
            "POSTAL_ADDRESS_REQUIRED",
            "postal_return_address",
        ),
        ({"submitted_at": THURSDAY_0900 + timedelta(minutes=1)}, "TIME_IN_FUTURE", "submitted_at"),
        ({"submitted_at": datetime(2026, 3, 5, 8, 0)}, "TIME_WITHOUT_ZONE", "submitted_at"),
    ],
    ids=lambda value: None,
)
def test_submission_values_are_checked(
    reference: ReferenceData, overrides: dict[str, Any], rule: str, field: str
) -> None:
    desk, _ = make_desk(reference)
    violation = refusal(desk, lambda: desk.submit(business_registration(**overrides), CONTEXT))
    assert (violation.rule, violation.status, violation.field) == (rule, 422, field)


def test_an_organisation_is_identified_by_its_tax_code(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    company = applicant(
        kind=ApplicantKind.ORGANISATION, name="Công ty TNHH Sơn Hà", id_number="4400123456-001"
    )
    dossier_id = desk.submit(business_registration(applicant=company), CONTEXT)
    assert desk.get(dossier_id).applicant == company


@pytest.mark.parametrize(
    ("procedure", "mode", "components", "field"),
    [
        ("1.012780", OnlineMode.FULL, ("DK", "HD", "GCN"), "online_mode"),  # partial online only
        ("2.000884", OnlineMode.PARTIAL, ("GTTT", "VB"), "channel"),  # not offered online
    ],
)
def test_online_submission_needs_the_service_level(
    reference: ReferenceData, procedure: str, mode: OnlineMode, components: tuple[str, ...], field: str
) -> None:
    desk, _ = make_desk(reference)
    command = SubmitDossier(
        procedure_code=procedure,
        channel=Channel.ONLINE,
        online_mode=mode,
        receiving_unit_code="H44.18" if procedure.startswith("1.0127") else "H44.100",
        applicant=applicant(),
        components=tuple(Component(code, code, ComponentForm.ELECTRONIC) for code in components),
    )
    violation = refusal(desk, lambda: desk.submit(command, CONTEXT))
    assert (violation.rule, violation.field) == ("CHANNEL_NOT_ALLOWED", field)


def test_a_presence_procedure_does_not_return_its_result_by_post(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    command = SubmitDossier(
        procedure_code="2.000884",
        channel=Channel.COUNTER,
        receiving_unit_code="H44.100",
        applicant=applicant(),
        components=(Component("VB", "Văn bản", ComponentForm.ORIGINAL),),
        result_return_method=ReturnMethod.POSTAL,
        postal_return_address=Address("Số 12 phố Hòa Phong", "Phường Sơn Hà", "Tỉnh Sơn Hà"),
    )
    violation = refusal(desk, lambda: desk.submit(command, CONTEXT))
    assert violation.rule == "RETURN_METHOD_NOT_ALLOWED"


def test_an_unknown_dossier_is_not_found(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    with pytest.raises(NotFound) as caught:
        desk.receive(uuid4(), CONTEXT)
    assert caught.value.not_found is True


def test_a_dossier_id_is_used_once(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    dossier_id = desk.submit(business_registration(), CONTEXT)
    violation = refusal(desk, lambda: desk.submit(business_registration(dossier_id=dossier_id), CONTEXT))
    assert (violation.rule, violation.status) == ("DOSSIER_EXISTS", 409)


# --- receipt: codes, slips, deadlines ---------------------------------------------------------------------


def test_walk_in_is_submitted_and_received_in_one_save(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    receipt = desk.submit_and_receive(business_registration(), context(causation_id=None))
    assert receipt.dossier_code == "000.00.100.H44-260305-0001"
    assert receipt.receipt_slip_no == "0001/2026/GTN-H44.100"
    assert event_names(desk, receipt.dossier_id) == ["Submitted", "Received"]
    assert desk.get(receipt.dossier_id).status is DossierStatus.RECEIVED


def test_codes_count_per_agency_and_day_and_slips_per_unit_and_year(reference: ReferenceData) -> None:
    desk, clock = make_desk(reference)
    codes = [desk.submit_and_receive(business_registration(), CONTEXT) for _ in range(2)]
    other_unit = desk.submit_and_receive(business_registration(receiving_unit_code="H44.101"), CONTEXT)
    clock.set(THURSDAY_0900 + timedelta(days=1))
    next_day = desk.submit_and_receive(business_registration(), CONTEXT)
    assert [receipt.dossier_code for receipt in (*codes, other_unit, next_day)] == [
        "000.00.100.H44-260305-0001",
        "000.00.100.H44-260305-0002",
        "000.00.101.H44-260305-0001",
        "000.00.100.H44-260306-0001",
    ]
    assert [receipt.receipt_slip_no for receipt in (*codes, other_unit, next_day)] == [
        "0001/2026/GTN-H44.100",
        "0002/2026/GTN-H44.100",
        "0001/2026/GTN-H44.101",
        "0003/2026/GTN-H44.100",
    ]


def test_received_on_the_friday_before_tet_2026_at_1630(reference: ReferenceData) -> None:
    # By hand: 3 working days = 24 office hours (07:30–11:30, 13:00–17:00). Fri 13/2 16:30–17:00 = 0.5 h;
    # Sat 14/2 – Sun 22/2 are days off (weekend + Tết 16–20/2); Mon 23/2 8 h (8.5), Tue 24/2 8 h (16.5);
    # Wed 25/2 07:30–11:30 4 h (20.5) and 13:00–16:30 3.5 h (24) → due Wed 25/2/2026 16:30.
    desk, _ = make_desk(reference, FRIDAY_BEFORE_TET_1630)
    receipt = desk.submit_and_receive(business_registration(), CONTEXT)
    assert receipt.legal_receipt_at == receipt.clock_start_at == FRIDAY_BEFORE_TET_1630
    assert receipt.due_at == datetime(2026, 2, 25, 16, 30, tzinfo=TZ)
    assert receipt.dossier_code == "000.00.100.H44-260213-0001"


def test_received_after_the_1500_cutoff_starts_the_next_working_morning(reference: ReferenceData) -> None:
    # By hand: birth registration (1.004884) has a 15:00 cut-off. Received Thu 5/3/2026 15:30 → the clock
    # starts at the next opening, Fri 6/3 07:30; 24 office hours: Fri 8 h, Mon 9/3 8 h, Tue 10/3 8 h → 17:00.
    desk, _ = make_desk(reference, datetime(2026, 3, 5, 15, 30, tzinfo=TZ))
    receipt = desk.submit_and_receive(birth_registration(), CONTEXT)
    assert receipt.clock_start_at == datetime(2026, 3, 6, 7, 30, tzinfo=TZ)
    assert receipt.due_at == datetime(2026, 3, 10, 17, 0, tzinfo=TZ)


def test_an_online_dossier_keeps_its_portal_code_and_its_submission_time(reference: ReferenceData) -> None:
    desk, clock = make_desk(reference)
    submitted_at = THURSDAY_0900 - timedelta(hours=1)
    portal_code = "000.00.100.H44-260305-0002"
    dossier_id = desk.submit(
        online_business_registration(dossier_code=portal_code, submitted_at=submitted_at), CONTEXT
    )
    clock.advance(timedelta(hours=2))
    receipt = desk.receive(dossier_id, CONTEXT)
    assert (receipt.dossier_code, receipt.legal_receipt_at) == (portal_code, submitted_at)
    # The allocator skips the number the portal used.
    walk_ins = [desk.submit_and_receive(business_registration(), CONTEXT).dossier_code for _ in range(2)]
    assert walk_ins == ["000.00.100.H44-260305-0001", "000.00.100.H44-260305-0003"]


def test_an_online_supplement_moves_the_legal_receipt_time(reference: ReferenceData) -> None:
    desk, clock = make_desk(reference)
    dossier_id = desk.submit(online_business_registration(), CONTEXT)
    desk.request_intake_supplement(dossier_id, CONTEXT, missing_ds())
    clock.advance(timedelta(hours=1))
    provided_at = clock.now()
    desk.provide_intake_supplement(
        dossier_id, CONTEXT, items=(ProvidedItem("Danh sách thành viên", "DS"),), channel=Channel.ONLINE
    )
    clock.advance(timedelta(hours=1))
    receipt = desk.receive(dossier_id, CONTEXT)
    assert receipt.legal_receipt_at == provided_at
    assert event_names(desk, dossier_id) == [
        "Submitted",
        "IntakeSupplementRequested",
        "IntakeSupplementProvided",
        "Received",
    ]


def test_an_immediate_result_gets_a_slip_only_when_asked(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    copies = SubmitDossier(
        procedure_code="2.000815",  # chứng thực bản sao: immediate result, 2,000 VND per page
        channel=Channel.COUNTER,
        receiving_unit_code="H44.100",
        applicant=applicant(),
        components=(
            Component("BC", "Bản chính", ComponentForm.ORIGINAL_TO_SHOW),
            Component("BS", "Bản sao", ComponentForm.COPY),
        ),
    )
    fee = FeeLine(FeeKind.LE_PHI, "Lệ phí chứng thực bản sao (trang 1–2)", 4_000)
    plain = desk.submit_and_receive(copies, CONTEXT, ReceiveDetails(fee_lines=(fee,)))
    asked = desk.submit_and_receive(copies, CONTEXT, ReceiveDetails(slip_requested=True))
    assert (plain.receipt_slip_no, asked.receipt_slip_no) == (None, "0001/2026/GTN-H44.100")
    violation = refusal(
        desk,
        lambda: desk.submit_and_receive(
            copies, CONTEXT, ReceiveDetails(fee_lines=(replace(fee, amount_vnd=2_500),))
        ),
    )
    assert (violation.rule, violation.field) == ("FEE_MISMATCH", "fee_lines[0].amount_vnd")


def test_a_fee_line_must_be_published(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    dossier_id = desk.submit(business_registration(), CONTEXT)
    other = FeeLine(FeeKind.PHI, "Phí dịch vụ", 10_000)
    violation = refusal(desk, lambda: desk.receive(dossier_id, CONTEXT, ReceiveDetails(fee_lines=(other,))))
    assert (violation.rule, violation.field) == ("FEE_NOT_PUBLISHED", "fee_lines[0]")


def test_a_dossier_outside_the_working_calendar_cannot_be_received(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference, datetime(2031, 1, 7, 9, 0, tzinfo=TZ))
    dossier_id = desk.submit(business_registration(), CONTEXT)
    violation = refusal(desk, lambda: desk.receive(dossier_id, CONTEXT))
    assert (violation.rule, violation.status) == ("OUTSIDE_CALENDAR", 422)


def test_a_provincial_procedure_at_the_service_centre_goes_to_its_agency(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    land = SubmitDossier(
        procedure_code="1.012780",
        channel=Channel.COUNTER,
        receiving_unit_code="H44.18",
        applicant=applicant(),
        components=tuple(Component(code, code, ComponentForm.ORIGINAL) for code in ("DK", "HD", "GCN")),
    )
    receipt = desk.submit_and_receive(land, CONTEXT)
    assert receipt.dossier_code == "000.00.18.H44-260305-0001"
    desk.transfer(receipt.dossier_id, CONTEXT, mode=TransferMode.PAPER)
    transferred = stored_events(desk, receipt.dossier_id)[-1]
    assert isinstance(transferred, Dossier.Transferred)
    assert (transferred.from_unit_code, transferred.to_unit_code) == ("H44.18", "H44.06.01")
    assert desk.get(receipt.dossier_id).status is DossierStatus.IN_PROCESSING


def test_a_commune_procedure_received_elsewhere_names_its_commune(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    command = business_registration(receiving_unit_code="H44.18", processing_unit_code="H44.101")
    receipt = desk.submit_and_receive(command, CONTEXT)
    received = stored_events(desk, receipt.dossier_id)[-1]
    assert isinstance(received, Dossier.Received)
    assert (received.receiving_unit_code, received.processing_unit_code) == ("H44.18", "H44.101")


# --- payment, digitisation, withdrawal --------------------------------------------------------------------


def test_fees_are_paid_at_the_counter_once(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    receipt = desk.submit_and_receive(
        business_registration(),
        CONTEXT,
        ReceiveDetails(fee_lines=(HKD_FEE,), payment=CounterPayment(receipt_no="BL-2026-000117")),
    )
    assert event_names(desk, receipt.dossier_id) == ["Submitted", "Received", "PaymentRecorded"]
    payment = CounterPayment(
        lines=(HKD_FEE,), method=PaymentMethod.BANK_TRANSFER, transaction_ref="FT26064123"
    )
    violation = refusal(desk, lambda: desk.record_counter_payment(receipt.dossier_id, CONTEXT, payment))
    assert violation.rule == "PAYMENT_NO_MATCH"


def test_a_later_counter_payment_settles_the_open_lines(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    receipt = desk.submit_and_receive(business_registration(), CONTEXT, ReceiveDetails(fee_lines=(HKD_FEE,)))
    desk.record_counter_payment(receipt.dossier_id, CONTEXT, CounterPayment())
    paid = stored_events(desk, receipt.dossier_id)[-1]
    assert isinstance(paid, Dossier.PaymentRecorded)
    assert (list(paid.lines), paid.amount_vnd, paid.method) == ([HKD_FEE], 100_000, "CASH_COUNTER")
    assert desk.get(receipt.dossier_id).open_fee_lines() == []


def test_digitising_with_the_file_verifies_and_normalises_its_hash(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    receipt = desk.submit_and_receive(business_registration(), CONTEXT)
    scan = Digitisation(
        "TK",
        "s3://so-hoa/2026/03/05/tk.pdf",
        PDF_SHA.upper(),
        DigitisationSource.SCAN_AT_COUNTER,
        digitally_signed=True,
        signer="UBND phường Sơn Hà",
        stored_in_data_store=True,
    )
    desk.digitise_component(receipt.dossier_id, CONTEXT, scan, content=PDF)
    digitised = stored_events(desk, receipt.dossier_id)[-1]
    assert isinstance(digitised, Dossier.ComponentDigitized) and digitised.sha256 == PDF_SHA
    malformed = replace(scan, sha256="abc")
    violation = refusal(desk, lambda: desk.digitise_component(receipt.dossier_id, CONTEXT, malformed))
    assert (violation.rule, violation.field) == ("FILE_HASH_MALFORMED", "sha256")


def test_withdrawal_before_receipt_cancels_and_after_it_asks_to_stop(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    early = desk.submit(business_registration(), CONTEXT)
    late = desk.submit_and_receive(business_registration(), CONTEXT).dossier_id
    assert desk.withdraw(early, CONTEXT, channel=Channel.COUNTER) is DossierStatus.CANCELLED
    assert (
        desk.withdraw(late, CONTEXT, channel=Channel.ONLINE, reason="Đổi ý")
        is DossierStatus.WITHDRAWAL_REQUESTED
    )
    desk.note_processing_stopped(late, CONTEXT, source_event_id=uuid4())
    assert desk.get(late).status is DossierStatus.STOPPED


# --- concurrency ------------------------------------------------------------------------------------------


class RacingDesk(IntakeDesk):
    """Once armed, holds each thread's first save at a barrier, so both commands load before either saves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.barrier: threading.Barrier | None = None
        self.local = threading.local()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.barrier is not None and not getattr(self.local, "waited", False):
            self.local.waited = True
            self.barrier.wait()
        return super().save(*objs, **kwargs)


def _race(desk: RacingDesk, *commands: Callable[[], object]) -> list[object]:
    desk.barrier = threading.Barrier(len(commands), timeout=30)
    with ThreadPoolExecutor(len(commands)) as pool:
        futures = [pool.submit(command) for command in commands]
        return [future.exception() or future.result() for future in futures]


def test_two_concurrent_receipts_of_one_dossier_one_wins_the_other_conflicts(
    reference: ReferenceData,
) -> None:
    desk = RacingDesk(
        reference, clock=make_desk(reference)[1], env={"PERSISTENCE_MODULE": "eventsourcing.popo"}
    )
    dossier_id = desk.submit(business_registration(), CONTEXT)
    outcomes = _race(
        desk, lambda: desk.receive(dossier_id, CONTEXT), lambda: desk.receive(dossier_id, CONTEXT)
    )
    receipts = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    conflicts = [outcome for outcome in outcomes if isinstance(outcome, IntakeRuleViolation)]
    assert len(receipts) == 1 and len(conflicts) == 1
    assert (conflicts[0].rule, conflicts[0].status) == ("RECEIVE_TWICE", 409)
    assert event_names(desk, dossier_id) == ["Submitted", "Received"]


def test_concurrent_receipts_at_one_desk_get_consecutive_codes(reference: ReferenceData) -> None:
    desk = RacingDesk(
        reference, clock=make_desk(reference)[1], env={"PERSISTENCE_MODULE": "eventsourcing.popo"}
    )
    first, second = (desk.submit(business_registration(), CONTEXT) for _ in range(2))
    outcomes = _race(desk, lambda: desk.receive(first, CONTEXT), lambda: desk.receive(second, CONTEXT))
    codes = sorted(outcome.dossier_code for outcome in outcomes)  # type: ignore[attr-defined]
    assert codes == ["000.00.100.H44-260305-0001", "000.00.100.H44-260305-0002"]


def test_a_command_that_keeps_losing_races_gives_up_with_a_conflict(
    reference: ReferenceData, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, _ = make_desk(reference)
    dossier_id = desk.submit(business_registration(), CONTEXT)
    attempts = []

    def always_late(*objs: Any, **kwargs: Any) -> Any:
        attempts.append(objs)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(desk, "save", always_late)
    violation = refusal(desk, lambda: desk.receive(dossier_id, CONTEXT))
    assert isinstance(violation, ConcurrentUpdate)
    assert (violation.rule, violation.status, len(attempts)) == ("CONCURRENT_UPDATE", 409, desk.max_attempts)
