"""Dossier codes (domain.md §2.10) and their allocator: format, per agency and day, claims, conflicts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from pydantic import TypeAdapter

from contracts.fields import DossierCode
from intake.codes import (
    AgencyIdentifierStyle,
    BookKind,
    CodePolicy,
    SequenceBook,
    book_id,
    dossier_code_book_id,
    parse_dossier_code,
    receipt_slip_book_id,
)
from intake.desk import IntakeDesk
from intake.errors import IntakeRuleViolation
from intake.reference import ReferenceData

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AT = datetime(2026, 3, 5, 9, 0, tzinfo=TZ)
DOSSIER_CODE = TypeAdapter(DossierCode)


@pytest.mark.parametrize(
    ("unit", "identifier"),
    [
        ("H44", "000.00.00.H44"),
        ("H44.06", "000.00.06.H44"),
        ("H44.06.01", "000.01.06.H44"),
        ("H44.06.01.02", "002.01.06.H44"),
        ("H44.100", "000.00.100.H44"),
    ],
)
def test_agency_identifier_follows_the_circular_01_2018_order(unit: str, identifier: str) -> None:
    assert CodePolicy().agency_identifier(unit) == identifier


def test_agency_identifier_may_be_the_unit_code_or_an_issued_identifier() -> None:
    assert (
        CodePolicy(agency_style=AgencyIdentifierStyle.UNIT_CODE).agency_identifier("H44.06.01") == "H44.06.01"
    )
    issued = CodePolicy(agency_identifiers={"H44.100": "000.35.29.H44"})
    assert issued.agency_identifier("H44.100") == "000.35.29.H44"
    assert issued.agency_identifier("H44.101") == "000.00.101.H44"


def test_a_unit_deeper_than_four_levels_has_no_circular_identifier() -> None:
    with pytest.raises(ValueError, match="four levels"):
        CodePolicy().agency_identifier("H44.06.01.02.03")


@pytest.mark.parametrize(
    ("policy", "number", "expected"),
    [
        (CodePolicy(), 42, "000.00.16.H56-250715-0042"),
        (CodePolicy(), 12_345, "000.00.16.H56-250715-12345"),
        (CodePolicy(system_owner="01", sequence_digits=4), 42, "000.00.16.H56-250715-010042"),
    ],
)
def test_dossier_code_format_is_valid_for_the_contract(
    policy: CodePolicy, number: int, expected: str
) -> None:
    code = policy.dossier_code("000.00.16.H56", date(2025, 7, 15), number)
    assert code == expected
    assert DOSSIER_CODE.validate_python(code) == code


def test_parse_dossier_code_splits_agency_day_and_sequence() -> None:
    parts = parse_dossier_code("000.00.16.H56-250715-0042")
    assert parts is not None
    assert (parts.agency, parts.day, parts.sequence) == ("000.00.16.H56", date(2025, 7, 15), "0042")
    assert parse_dossier_code("000.00.16.H56-251315-0042") is None  # month 13
    assert parse_dossier_code("H56-250715-42") is None
    assert parse_dossier_code("h56-250715-0042") is None


@pytest.mark.parametrize(
    "kwargs", [{"sequence_digits": 3}, {"system_owner": "A1"}, {"agency_identifiers": {"X": "a b"}}]
)
def test_policy_rejects_impossible_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CodePolicy(**kwargs)


def test_receipt_slip_numbers_carry_year_and_unit() -> None:
    assert CodePolicy().receipt_slip_no("H44.100", 2026, 17) == "0017/2026/GTN-H44.100"


def test_book_ids_are_deterministic_and_distinct_per_kind_scope_and_period() -> None:
    day = date(2026, 3, 5)
    assert dossier_code_book_id("000.00.100.H44", day) == dossier_code_book_id("000.00.100.H44", day)
    ids = {
        dossier_code_book_id("000.00.100.H44", day),
        dossier_code_book_id("000.00.100.H44", date(2026, 3, 6)),
        dossier_code_book_id("000.00.101.H44", day),
        receipt_slip_book_id("000.00.100.H44", 2026),
        book_id(BookKind.RECEIPT_SLIP, "000.00.100.H44", "2026-03-05"),
    }
    assert len(ids) == 5


def _render(number: int) -> str:
    return f"{number:04d}"


def test_a_book_allocates_gap_free_numbers() -> None:
    book = SequenceBook.open(BookKind.DOSSIER_CODE, "000.00.100.H44", "2026-03-05", at=AT)
    assert [book.allocate(_render, at=AT) for _ in range(3)] == ["0001", "0002", "0003"]
    assert book.id == dossier_code_book_id("000.00.100.H44", date(2026, 3, 5))


def test_a_claimed_number_is_never_allocated_and_cannot_be_claimed_twice() -> None:
    book = SequenceBook.open(BookKind.DOSSIER_CODE, "000.00.100.H44", "2026-03-05", at=AT)
    book.claim("0002", at=AT)
    assert [book.allocate(_render, at=AT) for _ in range(2)] == ["0001", "0003"]
    for taken in ("0002", "0003"):
        with pytest.raises(IntakeRuleViolation) as caught:
            book.claim(taken, at=AT)
        assert (caught.value.rule, caught.value.status) == ("DOSSIER_CODE_TAKEN", 409)


def test_two_allocations_from_the_same_book_version_conflict_on_save() -> None:
    app: Application[object] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    book = SequenceBook.open(BookKind.DOSSIER_CODE, "000.00.100.H44", "2026-03-05", at=AT)
    book.allocate(_render, at=AT)
    app.save(book)
    first, second = app.repository.get(book.id), app.repository.get(book.id)
    assert first.allocate(_render, at=AT) == second.allocate(_render, at=AT) == "0002"
    app.save(first)
    with pytest.raises(IntegrityError):
        app.save(second)
    assert app.repository.get(book.id).last_number == 2


def test_opening_the_same_book_twice_conflicts_on_save() -> None:
    app: Application[object] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.save(SequenceBook.open(BookKind.RECEIPT_SLIP, "H44.100", "2026", at=AT))
    with pytest.raises(IntegrityError):
        app.save(SequenceBook.open(BookKind.RECEIPT_SLIP, "H44.100", "2026", at=AT))


def test_a_busy_book_is_snapshotted_and_reloads_the_same(reference: ReferenceData) -> None:
    desk = IntakeDesk(reference, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    book = SequenceBook.open(BookKind.DOSSIER_CODE, "000.00.100.H44", "2026-03-05", at=AT)
    desk.save(book)
    for _ in range(104):
        book = desk.repository.get(book.id)
        book.allocate(_render, at=AT)
        desk.save(book)
    assert desk.snapshots is not None
    [snapshot] = list(desk.snapshots.get(book.id))
    assert snapshot.originator_version == 100
    reloaded = desk.repository.get(book.id)
    assert (reloaded.version, reloaded.last_number, reloaded.allocate(_render, at=AT)) == (105, 104, "0105")
