"""The canonical order of a dossier's events: each producer's seq order, producers merged by business time;
the same for every arrival order, repeats counted once."""

from __future__ import annotations

import random

from portal_sync_kit import Story, at

from projections.portal_view import canonical_order, portal_transitions


def test_each_producer_keeps_its_seq_order_even_when_its_clock_disagrees() -> None:
    s = Story()
    submitted, received = s.submitted(at(2, 8)), s.received(at(2, 9))
    # processing recorded the assignment first but stamped the step with an earlier business time
    assigned = s.assigned(at(3, 10))
    step_back = s.supplement_requested(at(3, 9))
    ordered = canonical_order([step_back, assigned, received, submitted])
    assert [e.event_id for e in ordered] == [e.event_id for e in (submitted, received, assigned, step_back)]


def test_producers_are_merged_by_business_time() -> None:
    s = Story()
    submitted, received = s.submitted(at(2, 8)), s.received(at(2, 9))
    assigned, issued = s.assigned(at(2, 10)), s.issued(at(5, 15))
    returned = s.returned(at(6, 9))
    events = [returned, issued, assigned, received, submitted]
    assert [type(e).__name__ for e in canonical_order(events)] == [
        "DossierSubmitted",
        "DossierReceived",
        "HandlerAssigned",
        "ResultIssued",
        "ResultReturned",
    ]


def test_the_order_is_a_function_of_the_set_of_events() -> None:
    s = Story()
    events = [
        s.submitted(at(2, 8)),
        s.received(at(2, 9)),
        s.assigned(at(2, 10)),
        s.supplement_requested(at(3, 9)),
        s.supplement_accepted(at(6, 9)),
        s.obligation(at(7, 9)),
        s.paid(at(8, 9), "NVTC-H4412-2026-00871"),
        s.issued(at(9, 15)),
        s.returned(at(10, 9)),
    ]
    expected = [e.event_id for e in canonical_order(events)]
    rng = random.Random(643)
    for _ in range(50):
        shuffled = events + rng.sample(events, 3)  # in any order, some delivered twice
        rng.shuffle(shuffled)
        assert [e.event_id for e in canonical_order(shuffled)] == expected
    assert [int(t.status) for t in portal_transitions(events)] == [1, 2, 4, 5, 4, 6, 4, 9, 10]
