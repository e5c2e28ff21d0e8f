"""Who reads a case through processing-api (ADR 0531): auditors and operators every case, officers the cases
their unit has a part in, an agency lead also those of the units below it in the unit tree."""

from __future__ import annotations

import pytest
from processing_kit import Journey, reference, t

from services.processing.scope import check_reader, covers, may_read
from services.runtime.auth import Principal, Role
from services.runtime.problems import ProblemError


def who(role: Role, unit: str | None = None) -> Principal:
    return Principal(subject=f"{role}.{unit}", roles=frozenset({role}), token_id="t", unit_code=unit)


def land_case() -> Journey:
    """1.012780 received at the provincial centre H44.18, handled by the land registry H44.06.01, with the
    tax office H44.17 consulted."""
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18", name="read-scope")
    j.assign("2026-03-02 09:30")
    j.at("2026-03-02 10:00").app.request_consultation(
        j.id,
        **j.by(),
        consultation_id="YK-1",
        consulted_unit_code="H44.17",
        question="Xác định nghĩa vụ thuế",
        reply_due_at=t("2026-03-04 17:00"),
    )
    return j


def test_auditors_and_operators_read_every_case() -> None:
    case = land_case().case
    tree = reference().units
    assert may_read(who(Role.AUDITOR), case.involved_unit_codes, tree)
    assert may_read(who(Role.OPERATOR), case.involved_unit_codes, tree)
    check_reader(who(Role.AUDITOR), case, tree)  # no refusal


@pytest.mark.parametrize(
    ("role", "unit", "allowed"),
    [
        (Role.PROCESSING_OFFICER, "H44.06.01", True),  # the lead unit
        (Role.PROCESSING_OFFICER, "H44.17", True),  # a consulted body
        (Role.COUNTER_OFFICER, "H44.18", True),  # the desk that received it
        (Role.PROCESSING_OFFICER, "H44.100", False),  # a commune with no part in it
        (Role.PROCESSING_OFFICER, "H44.06", False),  # an officer (not a lead) of the parent department
        (Role.COUNTER_OFFICER, "H44.100", False),  # another desk
    ],
)
def test_officers_read_the_cases_their_unit_has_a_part_in(role: Role, unit: str, allowed: bool) -> None:
    case = land_case().case
    assert may_read(who(role, unit), case.involved_unit_codes, reference().units) is allowed


def test_an_agency_lead_reads_the_cases_of_its_subtree() -> None:
    case = land_case().case
    tree = reference().units
    assert may_read(who(Role.AGENCY_LEAD, "H44.06"), case.involved_unit_codes, tree)  # the registry's parent
    assert may_read(who(Role.AGENCY_LEAD, "H44"), case.involved_unit_codes, tree)  # the province
    assert not may_read(who(Role.AGENCY_LEAD, "H44.07"), case.involved_unit_codes, tree)
    assert not may_read(who(Role.AGENCY_LEAD, "H44.06.01.01"), case.involved_unit_codes, tree)  # below it


def test_a_unit_the_tree_does_not_know_counts_only_as_itself() -> None:
    tree = reference().units
    assert covers(tree, "H44.100.VHXH", "H44.100.VHXH")
    assert not covers(tree, "H44.100", "H44.100.VHXH")
    assert covers(tree, "H44.06", "H44.06.01.02")


def test_a_reader_of_another_unit_gets_not_your_unit() -> None:
    case = land_case().case
    with pytest.raises(ProblemError) as refused:
        check_reader(who(Role.PROCESSING_OFFICER, "H44.100"), case, reference().units)
    problem = refused.value.problem
    assert problem.status == 403 and problem.rule == "NOT_YOUR_UNIT"
    assert problem.detail is not None and "H44.100" in problem.detail and case.dossier_code in problem.detail
