"""Groups DVCTT and TTTT (and the 2022 ruleset's merged group 3): worked examples, scoring override, the
sync multiplier and the payment cap."""

from __future__ import annotations

from decimal import Decimal

from index766_kit import DEPARTMENT, at, d, dossier, facts, procedure, rows_by_subject, run

from projections.index766 import (
    CapMode,
    Channel,
    OnlineLevel,
    OnlineMode,
    Outcome,
    PaymentMethod,
    Policy,
    Scoring,
    ScoringFunction,
    ScoringOverride,
    SyncAckFact,
    load_ruleset,
)

PROCEDURES = (
    procedure(
        "P1", full_online_eligible=True, paper_result=True, fee_bearing=True, online_level=OnlineLevel.FULL
    ),
    procedure(
        "P2",
        full_online_eligible=True,
        paper_result=False,
        fee_bearing=True,
        online_level=OnlineLevel.PARTIAL,
    ),
    procedure("P3", fee_bearing=True),
    procedure("P4"),
)
ONLINE, FULL = Channel.ONLINE, OnlineMode.FULL
DOSSIERS = (
    # full online with an electronic result, paid on the national platform
    dossier(
        "O1",
        channel=ONLINE,
        online_mode=FULL,
        outcome=Outcome.APPROVED,
        finished_at=at(2026, 3, 4, 9),
        result_code="KQ1",
        result_file_linked=True,
        fee_total_vnd=50_000,
        payment_method=PaymentMethod.ONLINE_NATIONAL,
        paid_at=at(2026, 3, 2, 10),
    ),
    # full online but a paper-result procedure without an electronic result: not counted as online; paid cash
    dossier(
        "O2",
        channel=ONLINE,
        online_mode=FULL,
        fee_total_vnd=50_000,
        payment_method=PaymentMethod.CASH_COUNTER,
    ),
    # partial online, no paper result needed; fee lines all zero
    dossier("O3", procedure_code="P2", channel=ONLINE, online_mode=OnlineMode.PARTIAL, fee_total_vnd=0),
    # full online, result not a paper document; paid through the local gateway
    dossier(
        "O4",
        procedure_code="P2",
        channel=ONLINE,
        online_mode=FULL,
        fee_total_vnd=20_000,
        payment_method=PaymentMethod.ONLINE_LOCAL,
    ),
    dossier("O5", fee_total_vnd=50_000),  # at the counter, unpaid
    dossier("O6", procedure_code="P4", channel=Channel.POSTAL),  # not eligible for full-online, no fee
)
SYNCS = tuple(
    SyncAckFact(dossier_id=i, status_code=2, synced_at=at(2026, 3, 2, 10), known_at=at(2026, 3, 2, 10))
    for i in ("O1", "O2", "O3", "O4")
)
BASE = facts(procedures=PROCEDURES, dossiers=DOSSIERS, syncs=SYNCS)


def test_full_online_dossiers_full_marks_at_fifty_percent() -> None:
    result = run(BASE)
    indicator = result.indicator("FULL_ONLINE_DOSSIERS")
    # eligible (P1, P2): O1–O5; full online with e-result where needed: O1, O4 → 2/5 = 0.4
    # threshold-linear full at 50 %: 12 × 0.4 / 0.5 = 9.6
    assert (indicator.numerator, indicator.denominator, indicator.ratio, indicator.points) == (
        2,
        5,
        d("0.4"),
        d("9.6"),
    )
    rows = rows_by_subject(result, "FULL_ONLINE_DOSSIERS")
    assert rows["O2"].reason_en == "submitted online but no electronic result (result code and file) yet"
    assert rows["O3"].reason_en == "submitted online, partial (not full) service"
    assert "O6" not in rows
    assert result.group("DVCTT").points == d("9.6")


def test_scoring_override_makes_the_online_row_linear() -> None:
    linear = Policy(
        scoring_overrides=(ScoringOverride(indicator_id="FULL_ONLINE_DOSSIERS", scoring=Scoring()),)
    )
    indicator = run(BASE, policy=linear).indicator("FULL_ONLINE_DOSSIERS")
    # 12 × 0.4 = 4.8
    assert indicator.points == d("4.8")
    assert indicator.scoring.function is ScoringFunction.LINEAR
    assert indicator.policy_used["scoring"] == "linear; empty=zero (policy override)"


def test_sync_ratio_multiplies_the_online_share() -> None:
    result = run(BASE)
    # online with e-result where needed: O1, O3, O4 → 3/6, times the sync ratio 4/6 → 1/3 (tracking)
    share = result.indicator("ONLINE_DOSSIER_SHARE")
    assert (share.numerator, share.denominator, share.ratio, share.points) == (
        3,
        6,
        d("0.3333333333"),
        d("0"),
    )
    assert result.indicator("COUNTER_DOSSIER_SHARE").ratio == d("0.1666666667")  # O5
    assert result.indicator("POSTAL_DOSSIER_SHARE").numerator == 1  # O6
    # policy: the 12-point row too: 0.4 × 4/6 = 4/15; 12 × (4/15) / 0.5 = 6.4
    policy = Policy(full_online_times_sync_ratio=True)
    assert run(BASE, policy=policy).indicator("FULL_ONLINE_DOSSIERS").points == d("6.4")


def test_procedure_level_online_tracking_rows() -> None:
    result = run(BASE)
    assert (
        result.indicator("PROCEDURES_ONLINE").numerator,
        result.indicator("PROCEDURES_ONLINE").denominator,
    ) == (2, 4)
    assert result.indicator("FULL_ONLINE_PROCEDURES").ratio == d("0.5")  # P1 of P1, P2
    assert result.indicator("ONLINE_SERVICES_USED").ratio == d("1")  # P1 and P2 both got online dossiers


def test_online_payment_terms() -> None:
    result = run(BASE)
    paid = result.indicator("DOSSIERS_PAID_ONLINE")
    # fee-bearing procedures' dossiers: O1, O2, O3, O4, O5; O3's fee list is all zero → removed
    # paid online: O1, O4 → 2/4; 6 × 0.5 = 3
    assert (paid.numerator, paid.denominator, paid.points) == (2, 4, d("3"))
    rows = rows_by_subject(result, "DOSSIERS_PAID_ONLINE")
    assert not rows["O3"].in_denominator and rows["O3"].reason_code == "ZERO_FEE"
    assert rows["O1"].reason_en == "fee 50,000 VND paid online (ONLINE_NATIONAL) at 2026-03-02 10:00"
    assert (
        rows["O1"].reason_vi
        == "Phí 50.000 đồng, thanh toán trực tuyến (ONLINE_NATIONAL) lúc 02/03/2026 10:00"
    )
    # fee-bearing procedures P1, P2, P3; with an online payment P1, P2 → 2/3; full at 80 %: 2 × (2/3)/0.8 = 5/3
    assert result.indicator("FEE_PROCEDURES_PAID_ONLINE").points == d("1.6666666667")
    # with non-zero fee dossiers P1, P2 → 2/3; 2.5 × 2/3 = 5/3
    assert result.indicator("FEE_PROCEDURES_WITH_FEE_DOSSIERS").points == d("1.6666666667")
    # 3 + 5/3 + 5/3 = 19/3, below the 10-point cap
    assert result.group("TTTT").points == d("6.3333333333")


def _near_full_payment() -> object:
    # ten fee-bearing procedures, nine of which had one fee dossier paid online
    procedures = tuple(procedure(f"F{i}", fee_bearing=True) for i in range(10))
    dossiers = tuple(
        dossier(
            f"Q{i}",
            procedure_code=f"F{i}",
            fee_total_vnd=10_000,
            payment_method=PaymentMethod.ONLINE_NATIONAL,
        )
        for i in range(9)
    )
    return facts(procedures=procedures, dossiers=dossiers)


def test_payment_cap_modes() -> None:
    base = _near_full_payment()
    # terms: 6 × 9/9 = 6; 2 × min(1, 0.9 / 0.8) = 2; 2.5 × 9/10 = 2.25 → 10.25 before the cap
    clamp = run(base).group("TTTT")  # type: ignore[arg-type]
    assert (clamp.raw_points, clamp.points) == (d("10.25"), d("10"))
    proportional = run(base, policy=Policy(cap_mode=CapMode.PROPORTIONAL)).group("TTTT")  # type: ignore[arg-type]
    assert proportional.points == d("9.7619047619")  # 10.25 × 10 / 10.5 = 205/21
    uncapped = run(base, policy=Policy(cap_mode=CapMode.NONE)).group("TTTT")  # type: ignore[arg-type]
    assert uncapped.points == d("10.25")
    assert clamp.caps[0].mode == "CLAMP" and clamp.indicators[0].policy_used["cap_mode"] == "CLAMP"


def test_the_2022_ruleset_merges_online_services_and_payment_into_group_three() -> None:
    legal = run(BASE, ruleset=load_ruleset("qd766-2022"))
    operational = run(BASE)
    assert [g.code for g in legal.groups] == ["CKMB", "TDGQ", "DVTT", "MDSH", "MDHL"]
    # 9.6 + 19/3 = 15.9333333333
    assert legal.group("DVTT").points == d("15.9333333333")
    assert legal.group("DVTT").maximum == Decimal(22)
    assert legal.total == operational.total
    assert legal.unit_code == operational.unit_code == DEPARTMENT
