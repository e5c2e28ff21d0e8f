"""Group 2 (TDGQ): indicator 2.1 on a worked example, its policy switches, and 2.2."""

from __future__ import annotations

from decimal import Decimal

from index766_kit import at, d, dossier, facts, rows_by_subject, run

from projections.index766 import (
    Apology,
    ClockPause,
    DossierFact,
    DueBasis,
    DurationUnit,
    IndicatorStatus,
    Outcome,
    OutcomeCutoff,
    PauseReason,
    Policy,
    ProgressPopulation,
    StatutoryDuration,
    SubtractedWaits,
    SupplementWait,
    ValueKind,
)

APPROVED = Outcome.APPROVED


def march_dossiers() -> tuple[DossierFact, ...]:
    return (
        # early: finished Thu 5 Mar, due Fri 6 Mar
        dossier("D01", original_due_at=at(2026, 3, 6, 17), outcome=APPROVED, finished_at=at(2026, 3, 5, 10)),
        # late by 1 working day: (Thu 12, Fri 13]
        dossier(
            "D02", original_due_at=at(2026, 3, 12, 16), outcome=APPROVED, finished_at=at(2026, 3, 13, 9, 10)
        ),
        # on time once the 2-day supplement wait is subtracted: 12 Mar 16:00 − 2 days = 10 Mar 16:00 ≤ 10 Mar 17:00
        dossier(
            "D03",
            received_at=at(2026, 3, 3, 9),
            original_due_at=at(2026, 3, 10, 17),
            supplements=(SupplementWait(requested_at=at(2026, 3, 4, 9), completed_at=at(2026, 3, 6, 9)),),
            outcome=APPROVED,
            finished_at=at(2026, 3, 12, 16),
        ),
        # two supplement requests: late whatever the dates
        dossier(
            "D04",
            original_due_at=at(2026, 3, 20, 17),
            supplements=(
                SupplementWait(requested_at=at(2026, 3, 3, 9), completed_at=at(2026, 3, 4, 9)),
                SupplementWait(requested_at=at(2026, 3, 5, 9), completed_at=at(2026, 3, 6, 9)),
            ),
            outcome=APPROVED,
            finished_at=at(2026, 3, 9, 10),
        ),
        # unfinished, due after the period: within the deadline at the period end
        dossier("D05", received_at=at(2026, 3, 16, 9), original_due_at=at(2026, 4, 20, 17)),
        # unfinished, due Fri 20 Mar: overdue at 31 Mar by (20, 31] = 23–27, 30, 31 = 7 working days
        dossier("D06", received_at=at(2026, 3, 9, 9), original_due_at=at(2026, 3, 20, 17)),
        # rescheduled from Mon 9 to Mon 16 Mar, finished Fri 13: late by (9, 13] = 4 against the original date
        dossier(
            "D07",
            original_due_at=at(2026, 3, 9, 17),
            apology=Apology(
                issued_at=at(2026, 3, 6, 10),
                previous_due_at=at(2026, 3, 9, 17),
                new_due_at=at(2026, 3, 16, 17),
            ),
            outcome=APPROVED,
            finished_at=at(2026, 3, 13, 11),
        ),
        # waiting for a supplement requested Thu 5 Mar 10:00, due the same day 17:00: ends at the request, on time
        dossier(
            "D08",
            original_due_at=at(2026, 3, 5, 17),
            supplements=(SupplementWait(requested_at=at(2026, 3, 5, 10)),),
        ),
        # no promised date: 3 working days from Mon 2 Mar → Thu 5 Mar 17:00; finished Fri 6 08:00 → late by 1
        dossier(
            "D09",
            original_due_at=None,
            statutory_duration=StatutoryDuration(value=Decimal(3), unit=DurationUnit.WORKING_DAY),
            outcome=APPROVED,
            finished_at=at(2026, 3, 6, 8),
        ),
        dossier(
            "D10", received_at=at(2026, 4, 2, 9), original_due_at=at(2026, 4, 9, 17)
        ),  # April: not counted
        dossier(
            "D11", received_at=None, original_due_at=None, submitted_at=at(2026, 3, 3, 9)
        ),  # never received
        dossier("D12", original_due_at=None),  # no due date, no duration: left out of the denominator
        # finished in April after its 3 April due date: late by (3 Apr, 6 Apr] = 1 working day
        dossier(
            "D13",
            received_at=at(2026, 3, 25, 9),
            original_due_at=at(2026, 4, 3, 17),
            outcome=APPROVED,
            finished_at=at(2026, 4, 6, 10),
        ),
    )


def test_on_time_ratio_worked_example() -> None:
    result = run(facts(dossiers=march_dossiers()))
    indicator = result.indicator("DOSSIER_ON_TIME")
    # denominator: D01–D09 and D13 = 10 (D10 is April, D11 never received, D12 undetermined)
    # numerator: D01 early, D03 on time, D05 in time, D08 on time (awaiting supplement) = 4
    # points: 20 × 4/10 = 8
    assert (indicator.numerator, indicator.denominator) == (4, 10)
    assert indicator.ratio == d("0.4")
    assert indicator.points == d("8")
    assert result.group("TDGQ").points == d("8")
    rows = rows_by_subject(result, "DOSSIER_ON_TIME")
    assert {k: r.reason_code for k, r in rows.items()} == {
        "D01": "EARLY",
        "D02": "LATE",
        "D03": "ON_TIME",
        "D04": "MULTIPLE_SUPPLEMENTS",
        "D05": "IN_PROGRESS_IN_TIME",
        "D06": "IN_PROGRESS_OVERDUE",
        "D07": "LATE",
        "D08": "ON_TIME",
        "D09": "LATE",
        "D12": "NO_DUE_DATE",
        "D13": "LATE",
    }
    assert not rows["D12"].in_denominator


def test_explanation_rows_give_the_reason_with_times_and_subtracted_waits() -> None:
    rows = rows_by_subject(run(facts(dossiers=march_dossiers())), "DOSSIER_ON_TIME")
    assert rows["D02"].reason_en == "late by 1 working day: due 2026-03-12 16:00, finished 2026-03-13 09:10"
    assert (
        rows["D02"].reason_vi
        == "Trễ hạn 1 ngày làm việc: hẹn trả 12/03/2026 16:00, kết thúc 13/03/2026 09:10"
    )
    assert rows["D02"].details["late_working_days"] == "1"
    assert rows["D02"].subject_code == "000.00.16.H56-260302-D02"
    assert rows["D03"].reason_en == (
        "on time: due 2026-03-10 17:00, finished 2026-03-12 16:00, supplement wait 2 days subtracted "
        "(counted end 2026-03-10 16:00)"
    )
    assert rows["D06"].reason_en == (
        "in progress and overdue by 7 working days at 2026-03-31 23:59: due 2026-03-20 17:00"
    )
    assert "judged against the original date" in rows["D07"].reason_en
    assert "late by 4 working days" in rows["D07"].reason_en
    assert rows["D09"].reason_en.startswith(
        "late by 1 working day: due 2026-03-05 17:00 (from the statutory duration)"
    )
    assert rows["D04"].reason_en.startswith("counted late: 2 supplement requests")
    assert rows["D08"].reason_en.startswith("on time: due 2026-03-05 17:00, awaiting a supplement requested")
    assert all(
        r.in_numerator == (r.reason_code in {"EARLY", "ON_TIME", "IN_PROGRESS_IN_TIME"})
        for r in rows.values()
    )


def test_due_basis_rescheduled_makes_the_apologised_dossier_on_time() -> None:
    result = run(facts(dossiers=march_dossiers()), policy=Policy(due_basis=DueBasis.RESCHEDULED))
    indicator = result.indicator("DOSSIER_ON_TIME")
    # D07 finished Fri 13 before the rescheduled Mon 16: early → 5/10, 20 × 0.5 = 10
    assert (indicator.numerator, indicator.points) == (5, d("10"))
    assert indicator.policy_used["due_basis"] == "RESCHEDULED"
    assert rows_by_subject(result, "DOSSIER_ON_TIME")["D07"].reason_code == "EARLY"


def test_snapshot_at_period_end_ignores_the_april_finish() -> None:
    result = run(
        facts(dossiers=march_dossiers()), policy=Policy(outcome_cutoff=OutcomeCutoff.SNAPSHOT_AT_PERIOD_END)
    )
    # D13 was unfinished on 31 Mar and due 3 Apr: within the deadline → 5/10 → 10 points
    assert result.indicator("DOSSIER_ON_TIME").points == d("10")
    assert rows_by_subject(result, "DOSSIER_ON_TIME")["D13"].reason_code == "IN_PROGRESS_IN_TIME"


def test_to_process_population_adds_dossiers_carried_over_unfinished() -> None:
    carried = dossier(
        "D14",
        received_at=at(2026, 2, 25, 9),
        original_due_at=at(2026, 3, 4, 17),
        outcome=APPROVED,
        finished_at=at(2026, 3, 3, 10),
    )
    done_in_february = dossier(
        "D15",
        received_at=at(2026, 2, 10, 9),
        original_due_at=at(2026, 2, 13, 17),
        outcome=APPROVED,
        finished_at=at(2026, 2, 12, 9),
    )
    base = facts(dossiers=(*march_dossiers(), carried, done_in_february))
    assert run(base).indicator("DOSSIER_ON_TIME").points == d(
        "8"
    )  # D14, D15 received in February: not judged
    result = run(base, policy=Policy(progress_population=ProgressPopulation.TO_PROCESS_IN_PERIOD))
    indicator = result.indicator("DOSSIER_ON_TIME")
    # D14 joins (early): 5/11 → 20 × 5/11 = 9.0909090909…
    assert (indicator.numerator, indicator.denominator) == (5, 11)
    assert indicator.points == d("9.0909090909")


def test_legal_pauses_are_subtracted_only_under_the_pause_policy() -> None:
    paused = dossier(
        "D16",
        original_due_at=at(2026, 3, 9, 17),
        pauses=(
            ClockPause(
                reason=PauseReason.PUBLIC_POSTING, paused_at=at(2026, 3, 3, 8), resumed_at=at(2026, 3, 6, 8)
            ),
        ),
        outcome=APPROVED,
        finished_at=at(2026, 3, 11, 10),
    )
    base = facts(dossiers=(paused,))
    # 766 rule: the 3-day posting pause is not subtracted; late by (9, 11] = 2 working days → 0 points
    default = run(base)
    assert default.indicator("DOSSIER_ON_TIME").points == d("0")
    assert "late by 2 working days" in rows_by_subject(default, "DOSSIER_ON_TIME")["D16"].reason_en
    # pause policy: 11 Mar 10:00 − 3 days = 8 Mar 10:00 ≤ 9 Mar 17:00 → on time → 20 points
    result = run(base, policy=Policy(subtracted_waits=SubtractedWaits.SUPPLEMENTS_AND_LEGAL_PAUSES))
    assert result.indicator("DOSSIER_ON_TIME").points == d("20")
    assert "legal pause 3 days subtracted" in rows_by_subject(result, "DOSSIER_ON_TIME")["D16"].reason_en


def test_a_dossier_in_progress_is_judged_at_the_evaluation_time_inside_the_period() -> None:
    base = facts(dossiers=(dossier("D20", original_due_at=at(2026, 3, 20, 17)),))
    # on 18 March the dossier is still within its 20 March deadline
    assert run(base, evaluation_time=at(2026, 3, 18, 12)).indicator("DOSSIER_ON_TIME").points == d("20")
    # evaluated after the period it was overdue at 31 March
    assert run(base).indicator("DOSSIER_ON_TIME").points == d("0")


def test_average_handling_time_is_tracking_only() -> None:
    base = facts(
        dossiers=(
            # (Mon 2, Thu 5] = 3 working days
            dossier("A1", outcome=APPROVED, finished_at=at(2026, 3, 5, 10)),
            # finished Tue 10 09:00 − 2-day wait = Sun 8 09:00: (Mon 2, Sun 8] = 3, 4, 5, 6 → 4 working days
            dossier(
                "A2",
                original_due_at=at(2026, 3, 12, 17),
                supplements=(SupplementWait(requested_at=at(2026, 3, 3, 9), completed_at=at(2026, 3, 5, 9)),),
                outcome=APPROVED,
                finished_at=at(2026, 3, 10, 9),
            ),
            dossier(
                "A3", outcome=Outcome.REJECTED, finished_at=at(2026, 3, 4, 9)
            ),  # not a completed handling
            dossier("A4"),  # unfinished
        )
    )
    indicator = run(base).indicator("AVERAGE_HANDLING_TIME")
    # (3 + 4) / 2 = 3.5 working days
    assert (indicator.numerator, indicator.denominator, indicator.ratio) == (7, 2, d("3.5"))
    assert indicator.value_kind is ValueKind.AVERAGE_WORKING_DAYS
    assert indicator.status is IndicatorStatus.TRACKING
    assert indicator.points == d("0")
