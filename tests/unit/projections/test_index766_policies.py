"""Policy switches for empty denominators and non-applicable rows, score bands, and the policy recorded with
every figure. (Due basis, cut-off, population, waits, scoring overrides, sync multiplier and the payment cap
are exercised where their figures are computed.)"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from index766_kit import COMMUNE_A, DEPARTMENT, at, d, dossier, facts, run
from pydantic import ValidationError

from projections.index766 import (
    DEFAULT_BANDS,
    Band,
    DueBasis,
    EmptyDenominator,
    IndicatorStatus,
    NotApplicableRows,
    Outcome,
    Policy,
    ScoreBands,
    for_display,
)

LATE = dossier("L1", outcome=Outcome.APPROVED, finished_at=at(2026, 3, 9, 10))  # due Fri 6 Mar


def test_empty_denominators_follow_the_ruleset_by_default() -> None:
    result = run(facts(dossiers=(LATE,)))
    # no petitions: 6 + 6 (observed full marks); dossier satisfaction 0/1 → 0
    assert result.group("MDHL").points == d("12")
    petitions = result.indicator("PETITION_PROCESSING_ON_TIME")
    assert (
        petitions.status is IndicatorStatus.EMPTY
        and petitions.policy_used["empty_denominator"] == "RULESET → FULL"
    )
    # no announcements: 0 + 0; complete content 1/1 → 2; sync 0/1 → 0
    assert result.group("CKMB").points == d("2")


def test_empty_denominator_policy_full_zero_and_exclude() -> None:
    base = facts(dossiers=(LATE,))
    full = run(base, policy=Policy(empty_denominator=EmptyDenominator.FULL))
    assert full.group("CKMB").points == d("12")  # 6 + 4 + 2 + 0
    assert full.group("MDHL").points == d("12")
    zero = run(base, policy=Policy(empty_denominator=EmptyDenominator.ZERO))
    assert zero.group("MDHL").points == d("0")  # the petitions lose their 12 points
    excluded = run(base, policy=Policy(empty_denominator=EmptyDenominator.EXCLUDE))
    ckmb = excluded.group("CKMB")
    # announcements left out; content 2 + sync 0 out of 2 + 6 reachable → 2 × 18/8 = 4.5
    assert (ckmb.points, ckmb.scale, ckmb.raw_points) == (d("4.5"), d("2.25"), d("2"))
    mdhl = excluded.group("MDHL")
    # petitions left out and their points redistributed: 0 × 18/6 = 0
    assert (mdhl.points, mdhl.scale) == (d("0"), d("3"))
    assert excluded.indicator("PETITION_PROCESSING_ON_TIME").excluded


def test_commune_rows_not_applicable_get_full_marks_by_default() -> None:
    base = facts(dossiers=(dossier("C1", unit_code=COMMUNE_A),))
    result = run(base, unit_code=COMMUNE_A)
    row = result.indicator("FULL_ONLINE_DOSSIERS")
    assert (row.status, row.points, row.policy_used["not_applicable_rows"]) == (
        IndicatorStatus.NOT_APPLICABLE,
        d("12"),
        "FULL_MARKS",
    )
    assert result.group("DVCTT").points == d("12")
    assert result.indicator("CITIZEN_DATA_CONNECTED_DOSSIER").points == d("2")
    # the same rows are ordinary at a department
    assert (
        run(facts(dossiers=(dossier("C2"),)), unit_code=DEPARTMENT).indicator("FULL_ONLINE_DOSSIERS").status
        is IndicatorStatus.EMPTY
    )


def test_commune_rows_not_applicable_can_be_excluded_and_rescaled() -> None:
    base = facts(dossiers=(dossier("C1", unit_code=COMMUNE_A),))
    result = run(base, unit_code=COMMUNE_A, policy=Policy(not_applicable_rows=NotApplicableRows.EXCLUDE))
    assert result.group("DVCTT").excluded
    mdsh = result.group("MDSH")
    assert mdsh.scale == d("1.2222222222")  # 22 / (22 − 2 − 2)
    counted = [g for g in result.groups if not g.excluded]
    assert result.total_scale == d("1.1363636364")  # 100 / 88
    expected = Fraction(sum((g.points for g in counted), Decimal(0))) * Fraction(100, 88)
    exact = Decimal(expected.numerator) / Decimal(expected.denominator)
    assert result.total == exact.quantize(Decimal("1e-10"))


def test_default_bands() -> None:
    assert DEFAULT_BANDS.classify(Decimal(90)).code == "XUAT_SAC"
    assert DEFAULT_BANDS.classify(Decimal("89.99")).code == "TOT"
    assert DEFAULT_BANDS.classify(Decimal(70)).code == "KHA"
    assert DEFAULT_BANDS.classify(Decimal(50)).code == "TRUNG_BINH"
    assert DEFAULT_BANDS.classify(Decimal("49.99")).code == "YEU"
    assert for_display(Decimal("89.995")) == Decimal("90.00")


def test_bands_are_configurable_and_checked() -> None:
    two = ScoreBands(
        bands=(
            Band(code="DAT", min_score=Decimal(10), name_vi="Đạt", name_en="Pass"),
            Band(code="CHUA_DAT", min_score=Decimal(0), name_vi="Chưa đạt", name_en="Fail"),
        )
    )
    base = facts(dossiers=(LATE,))
    assert run(base).total == d("14")  # CKMB 2 + MDHL 12
    assert run(base).band.code == "YEU"
    assert run(base, policy=Policy(bands=two)).band.code == "DAT"
    with pytest.raises(ValidationError):
        ScoreBands(bands=(Band(code="A", min_score=Decimal(10), name_vi="A", name_en="A"),))


def test_every_result_records_the_policy_it_used() -> None:
    policy = Policy(name="audit-2026", due_basis=DueBasis.RESCHEDULED)
    result = run(facts(dossiers=(LATE,)), policy=policy)
    assert result.policy == policy
    on_time = result.indicator("DOSSIER_ON_TIME")
    assert on_time.policy_used == {
        "due_basis": "RESCHEDULED",
        "outcome_cutoff": "OUTCOME_AT_EVALUATION",
        "progress_population": "RECEIVED_IN_PERIOD",
        "scoring": "linear; empty=zero",
        "subtracted_waits": "SUPPLEMENTS",
    }
    assert '"due_basis":"RESCHEDULED"' in result.to_json()
