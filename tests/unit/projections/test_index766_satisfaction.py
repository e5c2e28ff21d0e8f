"""Group MDHL (satisfaction): petitions on time, petition satisfaction, dossier satisfaction, classification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from index766_kit import DEPARTMENT, at, d, dossier, facts, rows_by_subject, run

from projections.index766 import Outcome, PetitionClass, PetitionFact, RatingFact, RatingLevel


def petition(ident: str, received: datetime, unit_code: str = DEPARTMENT, **kw: Any) -> PetitionFact:
    return PetitionFact(
        petition_id=ident, revision=0, known_at=received, unit_code=unit_code, received_at=received, **kw
    )


MON_2 = at(2026, 3, 2, 9)
PETITIONS = (
    # handled after (2, 16] = 10 wd ≤ 15, published (16, 17] = 1 ≤ 2: on time; 3 likes vs 1 dislike
    petition(
        "K1",
        MON_2,
        handled_at=at(2026, 3, 16, 9),
        published_at=at(2026, 3, 17, 9),
        likes=3,
        dislikes=1,
        classification=PetitionClass.PROCEDURE_REGULATION,
    ),
    # refused after (2, 5] = 3 wd > 2: late
    petition("K2", MON_2, refused_at=at(2026, 3, 5, 9), classification=PetitionClass.STAFF_CONDUCT),
    # handled after (2, 25] = 17 wd > 15: late
    petition("K3", MON_2, handled_at=at(2026, 3, 25, 9), published_at=at(2026, 3, 26, 9)),
    # in progress since Fri 20: (20, 31] = 7 wd ≤ 15 at the period end: on time; but disliked 2 > 1
    petition("K4", at(2026, 3, 20, 9), likes=1, dislikes=2),
    # clock from the transfer on 10 Mar: handled (10, 27] = 13 ≤ 15; unpublished (27, 31] = 2 ≤ 2: on time;
    # re-raised as dissatisfied
    petition(
        "K5",
        MON_2,
        transferred_at=at(2026, 3, 10, 9),
        handled_at=at(2026, 3, 27, 9),
        re_raised_dissatisfied=True,
    ),
    # first supplement request after (2, 10] = 6 wd > 5: late
    petition(
        "K6",
        MON_2,
        supplement_requested_at=at(2026, 3, 10, 9),
        handled_at=at(2026, 3, 12, 9),
        published_at=at(2026, 3, 13, 9),
    ),
    petition("K7", MON_2, unit_code="T02"),  # another province
    petition("K8", at(2026, 2, 25, 9)),  # February
)


def test_petitions_handled_on_time() -> None:
    result = run(facts(petitions=PETITIONS))
    indicator = result.indicator("PETITION_PROCESSING_ON_TIME")
    # K1, K4, K5 on time of K1–K6 → 6 × 3/6 = 3
    assert (indicator.numerator, indicator.denominator, indicator.points) == (3, 6, d("3"))
    rows = rows_by_subject(result, "PETITION_PROCESSING_ON_TIME")
    assert rows["K2"].reason_en == "late: refused after 3 working days (at most 2)"
    assert (
        rows["K4"].reason_en == "on time: in progress at 2026-03-31 23:59 after 7 working days (at most 15)"
    )
    assert rows["K6"].reason_en.startswith("late: supplement requested after 6 working days (at most 5)")


def test_petition_handling_satisfaction() -> None:
    result = run(facts(petitions=PETITIONS))
    indicator = result.indicator("PETITION_HANDLING_SATISFACTION")
    # only K1 has no negative signal (K2, K3, K6 late; K4 disliked; K5 re-raised) → 6 × 1/6 = 1
    assert (indicator.numerator, indicator.denominator, indicator.points) == (1, 6, d("1"))
    rows = rows_by_subject(result, "PETITION_HANDLING_SATISFACTION")
    assert rows["K4"].reason_en == "disliked (2 > 1)"
    assert rows["K5"].reason_en == "re-raised as dissatisfied"


def test_petition_classification_is_tracking() -> None:
    result = run(facts(petitions=PETITIONS))
    assert result.indicator("PETITION_CLASSIFICATION_TTHC").ratio == d("0.1666666667")  # K1 of 6
    assert result.indicator("PETITION_CLASSIFICATION_STAFF").numerator == 1  # K2
    assert result.indicator("PETITION_CLASSIFICATION_STAFF").points == d("0")


def rating(ident: str, dossier_id: str, level: RatingLevel, when: datetime) -> RatingFact:
    return RatingFact(rating_id=ident, dossier_id=dossier_id, level=level, rated_at=when, known_at=when)


def test_dossier_receiving_satisfaction() -> None:
    on_time = {"outcome": Outcome.APPROVED, "finished_at": at(2026, 3, 5, 10)}
    late = {"outcome": Outcome.APPROVED, "finished_at": at(2026, 3, 9, 10)}
    dossiers = (
        dossier("R1", **on_time),
        dossier("R2", **on_time),
        dossier("R3", **late),
        dossier("R4", **on_time),
        dossier("R5", **on_time),
        dossier("R6", **late),
        *(dossier(f"R{i}", **on_time) for i in range(7, 11)),
    )
    ratings = (
        rating("V1", "R1", RatingLevel.SATISFIED, at(2026, 3, 6, 9)),
        rating("V2a", "R2", RatingLevel.DISSATISFIED, at(2026, 3, 6, 9)),
        rating("V2b", "R2", RatingLevel.SATISFIED, at(2026, 3, 8, 9)),  # the latest rating counts
        rating("V5", "R5", RatingLevel.DISSATISFIED, at(2026, 3, 6, 9)),
        rating("V6", "R6", RatingLevel.DISSATISFIED, at(2026, 3, 10, 9)),
        rating("V7", "R7", RatingLevel.DISSATISFIED, at(2026, 4, 20, 9)),  # after the evaluation time
    )
    petitions = (petition("K9", at(2026, 3, 10, 9), dossier_id="R4"),)
    result = run(facts(dossiers=dossiers, ratings=ratings, petitions=petitions))
    indicator = result.indicator("DOSSIER_RECEIVING_SATISFACTION")
    # negative: R3 late, R4 petition, R5 dissatisfied, R6 late and dissatisfied (counted once) → 6/10
    # full at 90 %: 6 × 0.6 / 0.9 = 4
    assert (indicator.numerator, indicator.denominator, indicator.points) == (6, 10, d("4"))
    rows = rows_by_subject(result, "DOSSIER_RECEIVING_SATISFACTION")
    assert rows["R4"].reason_en == "petition(s) about it (K9)"
    assert (
        rows["R6"].reason_en.startswith("overdue: late by 1 working day")
        and "rated dissatisfied" in rows["R6"].reason_en
    )
    assert rows["R2"].in_numerator and rows["R7"].in_numerator
