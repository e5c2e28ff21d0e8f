"""Satisfaction ratings (E26): one per dossier, only after the return, criteria from the form."""

from __future__ import annotations

import pytest
from delivery_kit import ORIGINAL_DEED, Flow, Relay, applicant_context, at, officer, the_applicant

from contracts.delivery import SatisfactionRated
from contracts.enums import RatingChannel, SatisfactionLevel
from delivery.clock import SettableClock
from delivery.errors import DeliveryRuleViolation
from delivery.outbound import outbound
from delivery.service import CounterReturn, Delivery, Rating
from delivery.values import CriterionScore


@pytest.fixture
def delivery() -> Delivery:
    return Delivery(clock=SettableClock(at(2026, 3, 20, 9)))


def ready(delivery: Delivery) -> Flow:
    flow = Flow()
    delivery.apply_intake_event(flow.submitted(at(2026, 3, 2, 8)))
    delivery.apply_processing_event(flow.result_issued(at(2026, 3, 19, 9)))
    return flow


GOOD = Rating(
    SatisfactionLevel.SATISFIED,
    RatingChannel.ONLINE_PORTAL,
    (CriterionScore("thai-do-phuc-vu", 5), CriterionScore("thoi-gian-giai-quyet", 3)),
)


def rule_of(action: object) -> str:
    assert callable(action)
    with pytest.raises(DeliveryRuleViolation) as caught:
        action()
    return caught.value.rule


def test_no_rating_before_the_return_and_only_one_after(delivery: Delivery) -> None:
    flow = ready(delivery)
    assert (
        rule_of(lambda: delivery.rate(flow.dossier_id, GOOD, applicant_context())) == "RATING_BEFORE_RETURN"
    )
    delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())
    delivery.rate(flow.dossier_id, GOOD, applicant_context())
    assert rule_of(lambda: delivery.rate(flow.dossier_id, GOOD, applicant_context())) == "RATING_TWICE"
    rated = [e for e in Relay(delivery, outbound).new_public_events() if isinstance(e, SatisfactionRated)]
    assert len(rated) == 1
    assert rated[0].level is SatisfactionLevel.SATISFIED and rated[0].channel is RatingChannel.ONLINE_PORTAL
    assert [(c.criterion, c.score) for c in rated[0].criteria] == [
        ("thai-do-phuc-vu", 5),
        ("thoi-gian-giai-quyet", 3),
    ]
    assert rated[0].actor.kind.value == "applicant" and rated[0].seq == 2  # after the return (seq 1)


@pytest.mark.parametrize(
    ("criteria", "rule"),
    [
        ((CriterionScore("gia-ve", 4),), "RATING_CRITERION_UNKNOWN"),
        (
            (CriterionScore("thai-do-phuc-vu", 4), CriterionScore("thai-do-phuc-vu", 2)),
            "RATING_CRITERION_TWICE",
        ),
        ((CriterionScore("thai-do-phuc-vu", 6),), "RATING_SCORE_RANGE"),
        ((CriterionScore("thai-do-phuc-vu", 0),), "RATING_SCORE_RANGE"),
    ],
)
def test_a_rating_scores_known_criteria_once_each_from_1_to_5(
    delivery: Delivery, criteria: tuple[CriterionScore, ...], rule: str
) -> None:
    flow = ready(delivery)
    delivery.return_at_counter(flow.dossier_id, CounterReturn(the_applicant(), [ORIGINAL_DEED]), officer())
    bad = Rating(SatisfactionLevel.DISSATISFIED, RatingChannel.KIOSK, criteria)
    assert rule_of(lambda: delivery.rate(flow.dossier_id, bad, applicant_context())) == rule
    assert not delivery.get(flow.dossier_id).rated
